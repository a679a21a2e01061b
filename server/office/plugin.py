"""The back office's front page (工作台)."""

from server.office.routes import OfficeController
from server.web import DomainPlugin, NavItem

plugin = DomainPlugin(
    "office", controllers=(OfficeController,), office_nav=(NavItem("/office", "工作台", order=0),)
)
