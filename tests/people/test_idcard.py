"""Resident ID validation (GB 11643-1999), a pure rule: every kind of error has its own code."""

from datetime import date

import pytest

from server.people import idcard


def make(first17: str) -> str:
    return first17 + idcard.check_char(first17)


def test_known_valid_number_with_x_check_character():
    # The standard's worked example: 11010519491231002X
    rid = idcard.parse("11010519491231002x")
    assert rid.number == "11010519491231002X"
    assert rid.birth == date(1949, 12, 31)
    assert rid.male is False
    assert rid.masked == "110105********002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1101051949123100", "id.length"),
        ("11010519491231002Y", "id.characters"),
        ("1101A519491231002X", "id.characters"),
        (make("99010519491231002"), "id.region"),
        (make("11010519490231002"), "id.birth_date"),  # 31 February
        (make("11010521000101002"), "id.birth_date"),  # in the future
        ("110105194912310021", "id.check_digit"),
    ],
)
def test_each_kind_of_error_is_named(raw, code):
    with pytest.raises(idcard.IdNumberError) as err:
        idcard.parse(raw, today=date(2026, 11, 25))
    assert err.value.code == code


def test_legacy_15_digit_numbers_become_18_digits():
    rid = idcard.parse("110105491231002")
    assert rid.number == "11010519491231002X"


def test_age_counts_birthdays():
    rid = idcard.parse(make("33110219560312001"))
    assert rid.age_on(date(2016, 3, 11)) == 59
    assert rid.age_on(date(2016, 3, 12)) == 60
    assert rid.male is True


def test_mask_shows_only_region_and_last_four():
    assert idcard.mask("330102199001011234") == "330102********1234"
