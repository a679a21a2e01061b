"""Typed amounts and phone numbers: one reader each, and nothing a person types can break it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server import money
from server.phones import normalise_phone


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("1200", 120000),
        ("1,200.50", 120050),
        ("1,000.5", 100050),
        ("１２", 1200),
        ("１，２００．５", 120050),
        (" 12.3 元", 1230),
        ("¥8", 800),
        ("0", 0),
        ("0.01", 1),
    ],
)
def test_amounts_people_type_are_read(typed, fen):
    assert money.parse_fen(typed) == fen


@pytest.mark.parametrize(
    "typed",
    [
        "inf",
        "-inf",
        "nan",
        "NaN",
        "1e400",
        "1e3",
        "12.345",
        "1,2",
        "12,00",
        "-5",
        "",
        "一千",
        "0x10",
        "1_000",
        ". 5",
    ],
)
def test_what_is_not_an_amount_is_refused_with_the_field_named(typed):
    with pytest.raises(money.MoneyError) as refused:
        money.parse_fen(typed, field="wages")
    assert (refused.value.code, refused.value.kind, refused.value.field) == (
        "form.number",
        "invalid",
        "wages",
    )


def test_amounts_beyond_the_bounds_are_refused():
    assert money.parse_fen("1000000000") == money.MAX_FEN
    with pytest.raises(money.MoneyError):
        money.parse_fen("1000000000.01")
    with pytest.raises(money.MoneyError):
        money.parse_fen("100.01", high=10000)
    assert money.parse_optional_fen("  ") is None


@given(st.text(max_size=30))
def test_any_text_is_an_amount_or_a_plain_refusal(text):
    try:
        fen = money.parse_fen(text)
    except money.MoneyError:
        return
    assert isinstance(fen, int) and 0 <= fen <= money.MAX_FEN


@given(st.integers(min_value=0, max_value=money.MAX_FEN))
def test_formatting_and_reading_back_give_the_same_fen(fen):
    assert money.parse_fen(money.yuan(fen)) == fen
    assert money.parse_fen(money.yuan_plain(fen)) == fen
    assert Decimal(money.yuan_plain(fen)) * 100 == fen


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("13800000001", "13800000001"),
        ("138 0000 0001", "13800000001"),
        ("138-0000-0001", "13800000001"),
        ("+86 138 0000 0001", "13800000001"),
        ("008613800000001", "13800000001"),
        ("１３８０００００００１", "13800000001"),
        ("12000000000", None),
        ("1380000000", None),
        ("138000000012", None),
        ("", None),
        ("phone", None),
    ],
)
def test_phone_numbers_are_read_the_same_way_everywhere(typed, number):
    assert normalise_phone(typed) == number
