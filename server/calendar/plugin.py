"""The working-day calendar (public holidays and make-up days) that deadlines count on."""

from server.accounts.permissions import P
from server.calendar.routes import CalendarController
from server.web import DomainPlugin, NavItem

plugin = DomainPlugin(
    "calendar",
    controllers=(CalendarController,),
    office_nav=(NavItem("/office/calendar", "节假日", P.CALENDAR_MANAGE, order=96),),
)
