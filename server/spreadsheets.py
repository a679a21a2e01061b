"""Spreadsheets the platform hands out (payment rolls, import error files): every cell goes through
``safe_cell``, so that text people typed (a name, a rejected row) can never become a live formula
in Excel, WPS or LibreOffice (CSV/formula injection), and can never break the file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

# a cell starting with one of these is read as a formula (or a DDE call) by spreadsheet programs;
# the full-width forms are turned into the ASCII ones by some of them (WPS, Excel's IME input)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
# control characters no spreadsheet file may hold (openpyxl refuses them, which would fail the export)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def safe_cell(value: Any) -> Any:
    """The value as it may go into a CSV or XLSX cell: numbers (and text that is just a number)
    unchanged, other text that would start a formula prefixed with an apostrophe, stray control
    characters dropped."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = _CONTROL.sub("", str(value))
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 CSV with a BOM (Excel then reads the Chinese right), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(safe_row(row))
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_bytes(title: str, rows: Iterable[Iterable[Any]]) -> bytes:
    """A one-sheet workbook, every cell made safe; strings are written as strings, never formulas."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=safe_cell(title)[:31] or "Sheet1")
    for row in rows:
        sheet.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class SafeCsvWriter:
    """``csv.writer`` for a file, every cell made safe."""

    def __init__(self, fh):
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(row))
