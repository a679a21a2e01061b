"""The working-day calendar: loading it for deadlines, and an administrator's changes (audited)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.service import Actor, record
from server.calendar.days import Calendar
from server.calendar.models import CalendarDay
from server.errors import DomainError, Kind

NAME_LIMIT = 50

# China's 2026 public holidays and make-up working days (State Council notice), as demo data;
# each year's notice is entered by an administrator.
HOLIDAYS_2026 = {
    "元旦": (["2026-01-01", "2026-01-02"], ["2026-01-04"]),
    "春节": (
        ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"],
        ["2026-02-14", "2026-02-28"],
    ),
    "清明节": (["2026-04-06"], []),
    "劳动节": (["2026-05-01", "2026-05-04", "2026-05-05"], ["2026-05-09"]),
    "端午节": (["2026-06-19"], []),
    "中秋节": (["2026-09-25"], []),
    "国庆节": (
        ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"],
        ["2026-09-20", "2026-10-10"],
    ),
}


async def load_calendar(session: AsyncSession) -> Calendar:
    rows = list(await session.scalars(select(CalendarDay)))
    return Calendar(
        holidays=frozenset(r.day for r in rows if not r.working),
        workdays=frozenset(r.day for r in rows if r.working),
    )


def demo_days() -> list[CalendarDay]:
    days = []
    for name, (off, on) in HOLIDAYS_2026.items():
        days += [CalendarDay(day=date.fromisoformat(d), working=False, name=name) for d in off]
        days += [CalendarDay(day=date.fromisoformat(d), working=True, name=f"{name}调休") for d in on]
    return days


def parse_day(value: str) -> date:
    """An ISO date typed or sent in a path, or a plain refusal."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError("calendar.day", Kind.INVALID, field="day") from None


async def days_of_year(session: AsyncSession, year: int) -> list[CalendarDay]:
    return list(
        await session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        )
    )


async def set_day(session: AsyncSession, actor: Actor, day: date, name: str, working: bool) -> None:
    """A holiday (``working`` False) or a make-up working day, replacing what the day was."""
    name = name.strip()[:NAME_LIMIT]
    if not name:
        raise DomainError("form.required", Kind.INVALID, field="name")
    await session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    session.add(CalendarDay(day=day, working=working, name=name))
    await record(
        session,
        actor,
        "calendar.set",
        "calendar_day",
        day.isoformat(),
        after={"working": working, "name": name},
    )


async def remove_day(session: AsyncSession, actor: Actor, day: date) -> None:
    """The day is an ordinary one again."""
    await session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    await record(session, actor, "calendar.remove", "calendar_day", day.isoformat())
