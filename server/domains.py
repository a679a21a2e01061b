"""Every domain of the platform, listed once: ``create_app`` installs these plugins in this order.

A new domain adds its ``plugin.py`` (controllers, back-office sections, citizen tiles, messages) and
one line here. Commands that print messages outside the web app (``huimin user create``) call
``register_messages``.
"""

from server.accounts.plugin import plugin as accounts
from server.assistance.plugin import plugin as assistance
from server.audit.plugin import plugin as audit
from server.calendar.plugin import plugin as calendar
from server.certificates.plugin import plugin as certificates
from server.discovery.plugin import plugin as discovery
from server.exports.plugin import plugin as exports
from server.funeral.plugin import plugin as funeral
from server.notifications.plugin import plugin as notifications
from server.office.plugin import plugin as office
from server.privacy.plugin import plugin as privacy
from server.pwa.plugin import plugin as pwa
from server.retention.plugin import plugin as retention
from server.rights.plugin import plugin as rights
from server.survival.plugin import plugin as survival
from server.verification.plugin import plugin as verification
from server.web import DomainPlugin

DOMAINS: tuple[DomainPlugin, ...] = (
    pwa,
    accounts,
    office,
    audit,
    assistance,
    notifications,
    discovery,
    certificates,
    funeral,
    calendar,
    verification,
    survival,
    privacy,
    rights,
    retention,
    exports,
)


def register_messages() -> None:
    for domain in DOMAINS:
        domain.register_messages()
