"""The back office's front page (工作台), the region pages and the audit trail's pages."""

from server.accounts.permissions import P
from server.office.audit_routes import AuditController
from server.office.routes import OfficeController
from server.web import DomainPlugin, NavItem

plugin = DomainPlugin(
    "office",
    controllers=(OfficeController, AuditController),
    office_nav=(
        NavItem("/office", "工作台", order=0),
        NavItem("/office/audit", "审计日志", P.AUDIT_READ, order=90),
    ),
)
