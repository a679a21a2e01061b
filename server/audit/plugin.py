"""The audit trail: its messages. Its pages are registered by the back office (``server.office``),
which sits above ``accounts``; this package depends on no domain, since every domain writes to it."""

from server.audit import i18n
from server.web import DomainPlugin

plugin = DomainPlugin("audit", codes=i18n.CODES, en=i18n.EN)
