"""Resident ID numbers (GB 11643-1999), as plain functions.

18 characters: 6-digit region code, 8-digit birth date, 3-digit sequence (odd for men),
one check character. Legacy 15-digit numbers have a 2-digit year and no check character.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260 (11 Beijing ... 82 Macao).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


class IdNumberError(ValueError):
    """``code`` names the kind of error, for a message in the user's language."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def upgrade_15(number: str) -> str:
    """A legacy 15-digit number as its 18-digit form (century 19, computed check character)."""
    if len(number) != 15 or not number.isdigit():
        raise IdNumberError("id.length")
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_char(first17)


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth: date
    male: bool

    @property
    def region(self) -> str:
        return self.number[:6]

    @property
    def masked(self) -> str:
        return mask(self.number)

    def age_on(self, day: date) -> int:
        return day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))


def parse(raw: str, today: date | None = None) -> ResidentId:
    """Validate and normalise; raise ``IdNumberError`` with the first problem found."""
    number, birth = check_number(raw.strip().replace(" ", "").upper(), today or date.today())
    return ResidentId(number=number, birth=birth, male=int(number[16]) % 2 == 1)


_SUM_ZERO = 48 * sum(WEIGHTS)  # the weighted sum of seventeen ASCII "0"s


@lru_cache(maxsize=65536)
def _birth(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def check_number(number: str, today: date) -> tuple[str, date]:
    """The checks of ``parse`` on an upper-case number without spaces, fast enough for bulk
    imports (millions of rows): returns the 18-digit number and the birth date."""
    if len(number) == 15:
        number = upgrade_15(number)
    if len(number) != 18:
        raise IdNumberError("id.length")
    raw = number.encode("ascii", "replace")
    if not raw[:17].isdigit() or raw[17] not in b"0123456789X":
        raise IdNumberError("id.characters")
    if number[:2] not in PROVINCES or number[2:6] == "0000":
        raise IdNumberError("id.region")
    birth = _birth(number[6:14])
    if birth is None or birth.year < 1890 or birth > today:
        raise IdNumberError("id.birth_date")
    if CHECK_CHARS[(sum(map(mul, raw[:17], WEIGHTS)) - _SUM_ZERO) % 11] != number[17]:
        raise IdNumberError("id.check_digit")
    return number, birth


def mask(number: str) -> str:
    """Shown everywhere instead of the number: ``330102********1234``."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
