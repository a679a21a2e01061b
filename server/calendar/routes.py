"""Administrators keep the working-day calendar: each year's holidays and make-up working days."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.audit.service import Actor, record
from server.calendar.models import CalendarDay
from server.errors import DomainError, Kind
from server.web import Form, page


class CalendarController(Controller):
    path = "/office/calendar"
    guards = [staff_guard]

    @get("/", opt={"permission": P.CALENDAR_MANAGE})
    async def index(self, request: Request, db_session: AsyncSession, year: int | None = None) -> Template:
        year = year or clock.today().year
        days = list(
            await db_session.scalars(
                select(CalendarDay)
                .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
                .order_by(CalendarDay.day)
            )
        )
        return page(request, "calendar/index.html", days=days, year=year)

    @post("/", opt={"permission": P.CALENDAR_MANAGE})
    async def add(self, data: Form, db_session: AsyncSession, actor: Actor) -> Redirect:
        try:
            day = date.fromisoformat(str(data.get("day", "")))
        except ValueError:
            raise DomainError("calendar.day", Kind.INVALID) from None
        name = str(data.get("name", "")).strip()[:50]
        if not name:
            raise DomainError("form.required", Kind.INVALID)
        working = data.get("working") == "on"
        await db_session.execute(delete(CalendarDay).where(CalendarDay.day == day))
        db_session.add(CalendarDay(day=day, working=working, name=name))
        await record(
            db_session,
            actor,
            "calendar.set",
            "calendar_day",
            day.isoformat(),
            after={"working": working, "name": name},
        )
        return Redirect(f"/office/calendar?year={day.year}", status_code=303)

    @post("/{day:str}/delete", opt={"permission": P.CALENDAR_MANAGE})
    async def remove(self, day: str, db_session: AsyncSession, actor: Actor) -> Redirect:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise DomainError("calendar.day", Kind.INVALID) from None
        await db_session.execute(delete(CalendarDay).where(CalendarDay.day == when))
        await record(db_session, actor, "calendar.remove", "calendar_day", day)
        return Redirect(f"/office/calendar?year={when.year}", status_code=303)
