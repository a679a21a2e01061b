"""Mainland mobile numbers: the one place a typed phone number is read.

People type ``138 0000 0001``, ``138-0000-0001``, ``+86 13800000001`` or full-width digits; all mean
the same number. A number is 11 digits starting 13–19 (``12000000000`` is not a mobile number).
"""

from __future__ import annotations

import re
import unicodedata

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(raw: str | None) -> str | None:
    """The 11-digit number, or None when it is not a mainland mobile number."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits if PHONE_RE.match(digits) else None
