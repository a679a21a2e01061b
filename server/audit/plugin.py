"""The audit trail: its pages and its messages."""

from server.accounts.permissions import P
from server.audit import i18n
from server.audit.routes import AuditController
from server.web import DomainPlugin, NavItem

plugin = DomainPlugin(
    "audit",
    controllers=(AuditController,),
    office_nav=(NavItem("/office/audit", "审计日志", P.AUDIT_READ, order=90),),
    codes=i18n.CODES,
    en=i18n.EN,
)
