"""Funeral services: the public directory, bookings, subsidies and the operators' back office."""

from server.accounts.permissions import P
from server.funeral import i18n
from server.funeral.api_routes import DeviceController
from server.funeral.citizen_routes import FuneralCitizenController
from server.funeral.office_routes import FuneralOfficeController
from server.funeral.public_routes import FuneralPublicController
from server.web import DomainPlugin, NavItem, ServiceTile

plugin = DomainPlugin(
    "funeral",
    controllers=(
        FuneralPublicController,
        FuneralCitizenController,
        FuneralOfficeController,
        DeviceController,
    ),
    office_nav=(NavItem("/office/funeral", "殡葬服务", P.FUNERAL_READ, order=40),),
    pwa_services=(ServiceTile("/funeral", "殡葬服务", "查询殡仪馆、公墓和墓位，预约服务", order=40),),
    codes=i18n.CODES,
    en=i18n.EN,
)
