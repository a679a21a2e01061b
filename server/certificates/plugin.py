"""Residence certificates (居住证明): requests, issue, revocation and public verification."""

from server.accounts.permissions import P
from server.certificates import i18n
from server.certificates.routes import (
    CertificateOfficeController,
    CitizenCertificateController,
    VerificationController,
)
from server.web import DomainPlugin, NavItem, ServiceTile

plugin = DomainPlugin(
    "certificates",
    controllers=(CitizenCertificateController, VerificationController, CertificateOfficeController),
    office_nav=(NavItem("/office/certificates", "居住证明", P.CERTIFICATES_READ, order=30),),
    pwa_services=(ServiceTile("/certificates", "居住证明", "申请、下载和核验居住证明", order=50),),
    codes=i18n.CODES,
    en=i18n.EN,
)
