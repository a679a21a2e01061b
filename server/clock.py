"""The deployment's clock: the date and the time as people in the city read them.

Times are stored in UTC; deadlines, due dates and what pages show are in the city's own time
zone (``HUIMIN_TIMEZONE``, default Asia/Shanghai), so a server kept on UTC does not put every
date a day behind between midnight and eight in the morning.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _zone() -> ZoneInfo:
    name = os.environ.get("HUIMIN_TIMEZONE") or "Asia/Shanghai"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"HUIMIN_TIMEZONE: unknown time zone {name!r} (e.g. Asia/Shanghai)") from None


ZONE = _zone()


def now() -> datetime:
    return datetime.now(ZONE)


def today() -> date:
    return now().date()


def local(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time in the city's time zone, formatted; a plain date as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ZONE)
    return value.strftime(fmt)
