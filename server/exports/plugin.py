"""Bulk exports of personal data, approved by a second person, downloaded a few times, audited."""

from server.accounts.permissions import P
from server.exports import i18n
from server.exports.routes import ExportsOfficeController
from server.web import DomainPlugin, NavItem

plugin = DomainPlugin(
    "exports",
    controllers=(ExportsOfficeController,),
    office_nav=(
        NavItem("/office/exports", "我的导出", P.OFFICE_USE, order=85),
        NavItem("/office/exports/approvals", "导出审批", P.EXPORTS_APPROVE, order=86),
    ),
    codes=i18n.CODES,
    en=i18n.EN,
)
