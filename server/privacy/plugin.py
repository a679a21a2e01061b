"""Notice and consent: the privacy notice, a member's consent tasks, paper consent forms."""

from server.privacy import i18n
from server.privacy.routes import ConsentController, NoticeController, PaperConsentController
from server.web import DomainPlugin

plugin = DomainPlugin(
    "privacy",
    controllers=(NoticeController, ConsentController, PaperConsentController),
    codes=i18n.CODES,
    en=i18n.EN,
)
