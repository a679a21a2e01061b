"""Region codes, as plain functions.

City and district codes are 6 digits in the GB/T 2260 style (a city ends in ``00``); a street
(township) adds 3 digits and a community (village) 3 more. A region's subtree is every code
that starts with its *scope prefix*, so "is this record mine?" is one string comparison in
Python and one ``LIKE 'prefix%'`` in SQL.
"""

from __future__ import annotations

LEVELS = ("city", "district", "street", "community")
LEVEL_LABELS = {
    "zh": {"city": "市", "district": "区县", "street": "街道（乡镇）", "community": "社区（村）"},
    "en": {"city": "City", "district": "District", "street": "Street", "community": "Community"},
}


class RegionCodeError(ValueError):
    pass


def level_of(code: str) -> str:
    if not code.isdigit():
        raise RegionCodeError("region code must be digits")
    if len(code) == 6:
        return "city" if code.endswith("00") else "district"
    if len(code) == 9:
        return "street"
    if len(code) == 12:
        return "community"
    raise RegionCodeError("region code must have 6, 9 or 12 digits")


def scope_prefix(code: str) -> str:
    """The prefix shared by the codes of this region and everything below it."""
    return code[:4] if level_of(code) == "city" else code


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level == "city":
        return None
    if level == "district":
        return code[:4] + "00"
    return code[:-3]


def in_subtree(ancestor: str, code: str) -> bool:
    return code.startswith(scope_prefix(ancestor))


def child_level(level: str) -> str | None:
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None
