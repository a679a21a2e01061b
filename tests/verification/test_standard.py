"""The written standard and its JSON Schemas are the ones the checks use, and every field the
standard calls required is refused when missing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from server.settings import ROOT
from server.verification import standard
from server.verification.sources import SOURCES, RowChecker, normalise_name


def test_docs_are_the_generated_standard():
    assert (ROOT / "docs" / "verification-data-standard.md").read_text(
        encoding="utf-8"
    ) == standard.markdown(), "run `huimin verification standard` and commit docs/"
    for code, text in standard.schemas().items():
        assert (ROOT / "docs" / "schemas" / f"{code}.json").read_text(encoding="utf-8") == text
    assert len(SOURCES) >= 11


@pytest.mark.parametrize("code", list(SOURCES))
def test_each_required_field_is_checked(code):
    schema = json.loads(standard.schemas()[code])
    checker = RowChecker(SOURCES[code], b"k" * 32, 1, date(2026, 11, 25))
    sample = {
        "year": "2025",
        "region": "331102",
        "date": "2026-01-01",
        "money": "100",
        "area": "50",
        "text": "x",
    }
    row = {"id_number": "331102197005060115", "name": "张三"}
    for name in schema["required"]:
        f = SOURCES[code].field_by_name[name]
        row.setdefault(name, f.choices[0] if f.choices else sample[f.type])
    assert checker.check(2, row).record is not None, checker.check(2, row).errors
    for name in schema["required"]:
        missing = {k: v for k, v in row.items() if k != name}
        assert checker.check(2, missing).record is None


def test_names_are_normalised_for_matching_without_an_id():
    assert normalise_name(" 张 三 ") == normalise_name("张三") == normalise_name("张·三")
    assert normalise_name("ＡＢＣ") == "abc"
