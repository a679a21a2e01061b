"""Active discovery (主动发现): reports of people who need help, and their follow-up."""

from server.accounts.permissions import P
from server.discovery import i18n
from server.discovery.routes import DiscoveryOfficeController, ReportController
from server.web import DomainPlugin, NavItem, ServiceTile

plugin = DomainPlugin(
    "discovery",
    controllers=(ReportController, DiscoveryOfficeController),
    office_nav=(NavItem("/office/discovery", "主动发现", P.DISCOVERY_READ, order=20),),
    pwa_services=(ServiceTile("/report", "主动发现", "发现身边需要帮助的人，告诉我们", order=20),),
    codes=i18n.CODES,
    en=i18n.EN,
)
