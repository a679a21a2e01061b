"""Routing, de-duplication, deadlines and rate limits of reports, and a report's life as a state
machine, as plain functions and data (no web, no database)."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from server.accounts.permissions import P, allows
from server.calendar.days import Calendar
from server.errors import DomainError, Kind


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    VISITED = "visited"  # the visit is recorded; the report closes in the same transaction
    CLOSED = "closed"
    MERGED = "merged"  # a near-duplicate of an open report, which carries on for both
    SPAM = "spam"


class Action(StrEnum):
    MERGE = "merge"  # at filing, when an open report of the same person and place exists
    ASSIGN = "assign"
    VISIT = "visit"
    CLOSE = "close"
    SPAM = "spam"


# (from, action) -> (to, the permission it needs; server/accounts/permissions.py says which roles hold
# it; None: the platform does it, not a person's choice). Anything not listed is refused: a closed,
# merged or spam report never moves again.
TRANSITIONS: dict[tuple[Status, Action], tuple[Status, P | None]] = {
    (Status.NEW, Action.MERGE): (Status.MERGED, None),
    (Status.NEW, Action.ASSIGN): (Status.ASSIGNED, P.DISCOVERY_ASSIGN),
    (Status.ASSIGNED, Action.ASSIGN): (Status.ASSIGNED, P.DISCOVERY_ASSIGN),
    (Status.NEW, Action.VISIT): (Status.VISITED, P.DISCOVERY_VISIT),
    (Status.ASSIGNED, Action.VISIT): (Status.VISITED, P.DISCOVERY_VISIT),
    (Status.VISITED, Action.CLOSE): (Status.CLOSED, P.DISCOVERY_VISIT),
    (Status.NEW, Action.SPAM): (Status.SPAM, P.DISCOVERY_SPAM),
    (Status.ASSIGNED, Action.SPAM): (Status.SPAM, P.DISCOVERY_SPAM),
}
OPEN = frozenset({Status.NEW, Status.ASSIGNED, Status.VISITED})  # may still be merged into
AWAITING_VISIT = frozenset({Status.NEW, Status.ASSIGNED})  # the visit deadline runs
FINAL = frozenset({Status.CLOSED, Status.MERGED, Status.SPAM})
LIST_FILTERS = (Status.NEW, Status.ASSIGNED, Status.CLOSED, Status.SPAM)  # the office list's status filter


def transition(current: str, action: str, role: str | None = None) -> Status:
    """The status a report moves to, or DomainError: a conflict in the wrong state
    (``discovery.closed``), forbidden for a role without the permission. ``role`` None: the
    platform's own move (a merge at filing) or one whose permission the route already checked."""
    try:
        allowed = TRANSITIONS.get((Status(current), Action(action)))
    except ValueError:
        allowed = None
    if allowed is None:
        raise DomainError("discovery.closed", Kind.CONFLICT)
    to, permission = allowed
    if role is not None and permission is not None and not allows(role, permission):
        raise DomainError("error.forbidden", Kind.FORBIDDEN)
    return to


SITUATIONS = {  # what a reporter chooses from (the form's options and the check)
    "elderly_alone": "独居老人",
    "disabled_no_care": "残疾无人照料",
    "child_no_guardian": "无人监护儿童",
    "homeless": "流浪乞讨",
    "ill": "患病无力就医",
    "no_income": "无收入来源",
    "other": "其他困难",
}
DECISIONS = {"application": "启动救助申请", "referral": "转介其他部门", "no_help": "无需救助"}
URGENT_HOURS = 24
VISIT_WORKING_DAYS = 3
DUPLICATE_METRES = 300
DUPLICATE_DAYS = 7
LIMITS = {"device": 5, "address": 10, "phone": 5}  # reports per hour
# Following a report needs no sign-in, only its reference: references are random (50 bits) and look-ups
# are limited per client address, failed ones (a guess) much harder, so references cannot be enumerated.
REFERENCE_PREFIX = "ZD"
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O or U to misread
REFERENCE_LENGTH = 10  # 32**10 = 2**50
LOOKUPS_PER_HOUR = 60
FAILED_LOOKUPS_PER_HOUR = 10


@dataclass(frozen=True)
class Area:
    code: str
    centre: tuple[float, float]  # (lat, lon)
    outline: tuple[tuple[float, float], ...]


def inside(point: tuple[float, float], outline: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting: is the (lat, lon) point inside the polygon?"""
    y, x = point
    hit = False
    for (y1, x1), (y2, x2) in zip(outline, outline[1:] + outline[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def route(
    point: tuple[float, float] | None, areas: list[Area], max_nearest_m: float = 5_000
) -> tuple[str | None, str]:
    """The community a report belongs to: the outline it falls in, else the nearest centre within
    reach, else nobody (staff assign it by hand)."""
    if point is None:
        return None, "manual"
    for area in areas:
        if inside(point, area.outline):
            return area.code, "outline"
    if areas:
        nearest = min(areas, key=lambda a: distance_m(point, a.centre))
        if distance_m(point, nearest.centre) <= max_nearest_m:
            return nearest.code, "nearest"
    return None, "manual"


def normalise_name(name: str | None) -> str:
    return re.sub(r"[\s·•.\-_]", "", (name or "")).lower()


def normalise_place(text: str | None) -> str:
    return re.sub(r"[\s,，。.号#]", "", (text or "")).lower()


def age_band(age: int | None) -> int | None:
    return None if age is None else age // 10


@dataclass(frozen=True)
class Sighting:
    name: str | None
    age: int | None
    point: tuple[float, float] | None
    place: str | None
    at: datetime


def same_person_and_place(a: Sighting, b: Sighting) -> bool:
    """Near-duplicate reports: the same person (name, or age band when unnamed) at the same place
    (within a few hundred metres, or the same address text) within a week."""
    if abs(a.at - b.at) > timedelta(days=DUPLICATE_DAYS):
        return False
    na, nb = normalise_name(a.name), normalise_name(b.name)
    if na and nb:
        same_person = na == nb
    else:
        same_person = not na and not nb and age_band(a.age) == age_band(b.age)
    if not same_person:
        return False
    if a.point and b.point and distance_m(a.point, b.point) <= DUPLICATE_METRES:
        return True
    pa, pb = normalise_place(a.place), normalise_place(b.place)
    return bool(pa) and pa == pb


def visit_deadline(created: datetime, urgent: bool, calendar: Calendar) -> datetime:
    """24 hours when urgent; otherwise the end of the 3rd working day."""
    if urgent:
        return created + timedelta(hours=URGENT_HOURS)
    day = calendar.add_working_days(created.date(), VISIT_WORKING_DAYS)
    return datetime.combine(day, time(23, 59, 59), tzinfo=created.tzinfo)


def new_reference() -> str:
    """A report's reference: ZD and 10 random characters, e.g. ZD7K3M9QX2HP."""
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(text: str) -> str:
    """A reference as a person types or reads it: any case, spaces or dashes, O for 0 and I or L for 1.
    References of the old form (ZD, the date and 6 digits) are kept as they are."""
    compact = re.sub(r"[\s\-]", "", text).upper()
    body = compact.removeprefix(REFERENCE_PREFIX)
    if len(body) == REFERENCE_LENGTH and not body.isdigit():
        body = body.translate(str.maketrans("OIL", "011"))
        if all(c in REFERENCE_ALPHABET for c in body):
            return REFERENCE_PREFIX + body
    return compact


def lookup_refusal(lookups: int, failed: int) -> str | None:
    """``lookups``: this address's look-ups in the hour, this one included; ``failed``: its look-ups of
    references that do not exist, this one counted in advance. Once the failures are spent, every
    look-up is refused (a real reference answering would tell a guesser it exists)."""
    if lookups > LOOKUPS_PER_HOUR or failed > FAILED_LOOKUPS_PER_HOUR:
        return "discovery.lookups"
    return None


def rate_refusal(counts: dict[str, int]) -> str | None:
    """``counts``: reports in the last hour by device, address and phone."""
    for kind in ("device", "address", "phone"):
        if counts.get(kind, 0) >= LIMITS[kind]:
            return "discovery.too_many"
    return None


def overdue(status: str, visit_due_at: datetime | None, now: datetime) -> bool:
    """Still waiting for a visit after its deadline."""
    return status in AWAITING_VISIT and visit_due_at is not None and now > visit_due_at


@dataclass(frozen=True)
class Draft:
    """A report as the reporter typed it, checked: what ``service.file_report`` files."""

    situation: str
    name: str | None
    age: int | None
    lat: float | None
    lon: float | None
    place: str | None
    details: str | None
    urgent: bool
    phone: str | None


def age_of(raw: str) -> int | None:
    """The approximate age typed (blank: unknown), 0 to 120."""
    raw = raw.strip()
    if raw and (not raw.isdigit() or int(raw) > 120):
        raise DomainError("discovery.age", Kind.INVALID, field="age")
    return int(raw) if raw else None


def coordinate(raw: str | None, low: float, high: float) -> float | None:
    """A latitude or longitude from the form: None when blank, unreadable or out of range."""
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def check_situation(situation: str) -> str:
    if situation not in SITUATIONS:
        raise DomainError("discovery.situation", Kind.INVALID, field="situation")
    return situation


def check_where(lat: float | None, lon: float | None, place: str | None) -> tuple[float, float] | None:
    """The point of a report, or None when only an address was given; neither is refused."""
    if lat is not None and lon is not None:
        return lat, lon
    if not place:
        raise DomainError("discovery.where", Kind.INVALID, field="place")
    return None


def check_visit(findings: str, decision: str, region_code: str | None) -> None:
    """A visit names what was found and a decision, on a report routed to a community."""
    if not findings.strip():
        raise DomainError("discovery.findings", Kind.INVALID, field="findings")
    if decision not in DECISIONS:
        raise DomainError("discovery.decision", Kind.INVALID, field="decision")
    if not region_code:
        raise DomainError("discovery.unrouted", Kind.CONFLICT)
