"""The citizen's rights over their information: /me/data, requests, cancellation; the staff queue."""

from server.accounts.permissions import P
from server.rights import i18n
from server.rights.citizen_routes import RightsController
from server.rights.office_routes import RightsOfficeController
from server.web import DomainPlugin, NavItem, ServiceTile

plugin = DomainPlugin(
    "rights",
    controllers=(RightsController, RightsOfficeController),
    office_nav=(NavItem("/office/rights", "个人信息请求", P.PRIVACY_REQUESTS_READ, order=80),),
    pwa_services=(
        ServiceTile("/me/data", "我的个人信息", "查看和下载平台保存的您的信息，看看谁查看过", order=90),
    ),
    codes=i18n.CODES,
    en=i18n.EN,
)
