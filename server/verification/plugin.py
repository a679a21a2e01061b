"""The verification center (核对中心): department data, checks, warnings and reviews."""

from server.accounts.permissions import P
from server.verification import i18n
from server.verification.routes import VerificationApiController, VerificationOfficeController
from server.web import DomainPlugin, NavItem

plugin = DomainPlugin(
    "verification",
    controllers=(VerificationOfficeController, VerificationApiController),
    office_nav=(NavItem("/office/verification", "核对中心", P.VERIFICATION_READ, order=30),),
    codes=i18n.CODES,
    en=i18n.EN,
)
