"""Routing, de-duplication, deadlines and rate limits of reports, as plain functions."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from server.calendar.days import Calendar

SITUATIONS = {
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
