"""Money as integer fen: the one place a typed amount becomes a number.

People type amounts in many ways: ``1200``, ``1,200.50``, full-width ``１２００``, with ``元`` or ``¥``.
``parse_fen`` accepts those and nothing else: no exponent (``1e400``), no ``inf`` or ``nan``, no more
than two decimals (an amount is never silently rounded), within bounds. Arithmetic is on ``int`` fen
(``server/assistance/calc.py``); ``yuan`` formats fen for people.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from server.errors import DomainError, Kind

MAX_FEN = 10**11  # 10 亿元: beyond any amount this platform handles; anything larger is a typing slip

_PLAIN = re.compile(r"\d+(\.\d{1,2})?")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d{1,2})?")  # 1,200 or 12,345.50: commas only as thousands


class MoneyError(DomainError):
    """An amount that is not one: the field says which and what was typed stays."""

    def __init__(self, code: str = "form.number", field: str | None = None):
        super().__init__(code, Kind.INVALID, field)


def normalise(raw: str | None) -> str:
    """The typed amount in plain ASCII: full-width digits and punctuation folded (NFKC), spaces,
    a currency sign and a trailing 元 dropped."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = re.sub(r"\s+", "", text).removeprefix("¥").removeprefix("￥").removesuffix("元")
    return text.replace("。", ".")


def parse_fen(raw: str | None, *, field: str | None = None, low: int = 0, high: int = MAX_FEN) -> int:
    """Integer fen of a typed yuan amount, or MoneyError (``form.number``) naming ``field``."""
    text = normalise(raw)
    if not (_PLAIN.fullmatch(text) or _GROUPED.fullmatch(text)):
        raise MoneyError(field=field)
    fen = int(Decimal(text.replace(",", "")) * 100)
    if not low <= fen <= high:
        raise MoneyError(field=field)
    return fen


def parse_optional_fen(raw: str | None, *, field: str | None = None, high: int = MAX_FEN) -> int | None:
    """As ``parse_fen``, with a blank field meaning "not given" (None)."""
    return None if not normalise(raw) else parse_fen(raw, field=field, high=high)


def yuan(fen: int) -> str:
    """Fen as yuan for people: ``123450`` → ``1,234.50``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{part:02d}"


def yuan_plain(fen: int) -> str:
    """Fen as yuan without grouping, for exports and form values: ``123450`` → ``1234.50``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"
