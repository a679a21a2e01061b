from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar.days import Calendar
from server.calendar.models import CalendarDay

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
    from datetime import date

    days = []
    for name, (off, on) in HOLIDAYS_2026.items():
        days += [CalendarDay(day=date.fromisoformat(d), working=False, name=name) for d in off]
        days += [CalendarDay(day=date.fromisoformat(d), working=True, name=f"{name}调休") for d in on]
    return days
