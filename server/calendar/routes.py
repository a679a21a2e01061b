"""Administrators keep the working-day calendar: each year's holidays and make-up working days."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.audit.service import Actor
from server.calendar import service
from server.calendar.forms import DayForm
from server.web import FormOf, page


def _year_page(request: Request, year: int) -> Redirect:
    return Redirect(request.app.route_reverse("calendar:index") + f"?year={year}", status_code=303)


class CalendarController(Controller):
    path = "/office/calendar"
    guards = [staff_guard]

    @get("/", opt={"permission": P.CALENDAR_MANAGE}, name="calendar:index")
    async def index(self, request: Request, db_session: AsyncSession, year: int | None = None) -> Template:
        year = year or clock.today().year
        days = await service.days_of_year(db_session, year)
        return page(request, "calendar/office/index.html", days=days, year=year)

    @post("/", opt={"permission": P.CALENDAR_MANAGE}, name="calendar:add")
    async def add(
        self, request: Request, data: FormOf[DayForm], db_session: AsyncSession, actor: Actor
    ) -> Redirect:
        day = service.parse_day(data.day)
        await service.set_day(db_session, actor, day, data.name, data.working == "on")
        return _year_page(request, day.year)

    @post("/{day:str}/delete", opt={"permission": P.CALENDAR_MANAGE}, name="calendar:remove")
    async def remove(self, request: Request, day: str, db_session: AsyncSession, actor: Actor) -> Redirect:
        when = service.parse_day(day)
        await service.remove_day(db_session, actor, when)
        return _year_page(request, when.year)
