"""Survival checks (生存认证): face capture with a liveness challenge, and their review."""

from server.accounts.permissions import P
from server.survival import i18n
from server.survival.routes import SurvivalController, SurvivalOfficeController
from server.web import DomainPlugin, NavItem, ServiceTile

plugin = DomainPlugin(
    "survival",
    controllers=(SurvivalController, SurvivalOfficeController),
    office_nav=(NavItem("/office/survival", "生存认证", P.SURVIVAL_READ, order=30),),
    pwa_services=(ServiceTile("/survival", "生存认证", "刷脸认证，按时领取待遇", order=30),),
    codes=i18n.CODES,
    en=i18n.EN,
)
