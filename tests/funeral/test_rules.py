"""The funeral workflows as tables, checked pair by pair without a database: every (state, action)
pair the table allows lands where it says; every other pair is refused with the right code and
kind; final states have no way out. Also the typed forms' checks and the grave register's CSV."""

from __future__ import annotations

import itertools
import math

import pytest

from server.accounts.permissions import P
from server.errors import DomainError, Kind
from server.funeral import forms, rules
from server.funeral.rules import (
    BookingAction,
    BookingStatus,
    ComplaintAction,
    ComplaintStatus,
    SubsidyAction,
    SubsidyStatus,
    Waiver,
    WaiverAction,
)

KNOWN_PERMISSIONS = {rules.FAMILY, *P}


@pytest.mark.parametrize("status, action", itertools.product(BookingStatus, BookingAction))
def test_every_booking_move_follows_the_table(status, action):
    move = rules.BOOKING_TRANSITIONS.get((status, action))
    if move is not None:
        assert rules.booking_step(status, action) == move[0]
        return
    with pytest.raises(DomainError) as refused:
        rules.booking_step(status, action)
    assert (refused.value.code, refused.value.kind) == rules.BOOKING_REFUSED[action]
    assert refused.value.kind == Kind.CONFLICT


def test_booking_table_shape():
    table = rules.BOOKING_TRANSITIONS
    assert not any(state == BookingStatus.CANCELLED for state, _ in table), "cancelled is final"
    assert {a for s, a in table if s == BookingStatus.COMPLETED} == {BookingAction.RATE}, "only rated"
    assert all(new == BookingStatus.COMPLETED for (s, _), (new, _p) in table.items() if s == "completed")
    assert table[BookingStatus.BOOKED, BookingAction.CANCEL] == (BookingStatus.CANCELLED, rules.FAMILY)
    assert table[BookingStatus.BOOKED, BookingAction.OPERATOR_CANCEL][1] == P.FUNERAL_OPERATE
    assert table[BookingStatus.BOOKED, BookingAction.COMPLETE] == (BookingStatus.COMPLETED, P.FUNERAL_OPERATE)
    assert {p for _, p in table.values()} <= KNOWN_PERMISSIONS
    assert set(rules.BOOKING_REFUSED) == set(BookingAction), "every action says how it is refused"


@pytest.mark.parametrize(
    "waiver, status, action",
    itertools.product([None, *Waiver], BookingStatus, [*WaiverAction, "x"]),
)
def test_every_waiver_move_follows_the_table(waiver, status, action):
    expected = rules.WAIVER_TRANSITIONS.get((waiver, action))
    got = rules.waiver_step(waiver, status, action)
    if status == BookingStatus.BOOKED and expected is not None:
        assert got == expected[0]
    else:
        assert got is None, "only a pending waiver of an open booking is decided"


def test_waiver_table_shape():
    assert {s for s, _ in rules.WAIVER_TRANSITIONS} == {Waiver.PENDING}, "decided waivers are final"
    assert {p for _, p in rules.WAIVER_TRANSITIONS.values()} == {P.FUNERAL_OPERATE}
    assert set(rules.WAIVERS) == set(Waiver), "every waiver state has its label"
    assert [w for w in Waiver if rules.waiver_applies(w)] == [Waiver.GRANTED, Waiver.CONFIRMED]
    assert not rules.waiver_applies(None)


@pytest.mark.parametrize("status, action", itertools.product(SubsidyStatus, [*SubsidyAction, "x"]))
def test_every_subsidy_move_follows_the_table(status, action):
    move = rules.SUBSIDY_TRANSITIONS.get((status, action))
    if move is not None:
        assert rules.subsidy_step(status, action) == move[0]
        return
    with pytest.raises(DomainError) as refused:
        rules.subsidy_step(status, action)
    assert (refused.value.code, refused.value.kind) == ("funeral.subsidy_step", Kind.CONFLICT)


def test_subsidy_table_shape():
    table = rules.SUBSIDY_TRANSITIONS
    finals = {SubsidyStatus.REJECTED, SubsidyStatus.PAID}
    assert not any(state in finals for state, _ in table), "rejected and paid are final"
    assert table[SubsidyStatus.APPROVED, SubsidyAction.PAY][0] == SubsidyStatus.PAID, (
        "paid only once approved"
    )
    assert {p for _, p in table.values()} == {P.FUNERAL_SUBSIDY_DECIDE}
    assert set(rules.SUBSIDY_OPEN) == set(SubsidyStatus) - finals


@pytest.mark.parametrize("response", [None, "已处理"])
def test_a_complaint_is_answered_once(response):
    if response is None:
        assert rules.complaint_step(response, ComplaintAction.RESPOND) == ComplaintStatus.ANSWERED
        return
    with pytest.raises(DomainError) as refused:
        rules.complaint_step(response, ComplaintAction.RESPOND)
    assert (refused.value.code, refused.value.kind) == ("funeral.complaint_answered", Kind.CONFLICT)
    assert not any(s == ComplaintStatus.ANSWERED for s, _ in rules.COMPLAINT_TRANSITIONS)


@pytest.mark.parametrize(
    "death, relationship, before, expected",
    [
        (True, "child", False, None),
        (False, "child", False, ("subsidy.no_death_record", Kind.INVALID)),
        (True, "friend", False, ("subsidy.relationship", Kind.INVALID)),
        (True, "child", True, ("subsidy.paid_before", Kind.CONFLICT)),
    ],
)
def test_a_refused_subsidy_says_why_with_the_right_kind(death, relationship, before, expected):
    """It was a 500 before: the refusal carried an HTTP status where the kind belongs."""
    refusal = rules.subsidy_refusal(death_recorded=death, relationship=relationship, paid_before=before)
    assert (refusal and (refusal.code, refusal.kind)) == (expected or None)


@pytest.mark.parametrize(
    "raw, expected",
    [("12", 12), (" 7 ", 7), ("0", None), ("-1", None), ("", None), ("1e3", None), ("１２", None)]
    + [(str(2**63), None), ("9" * 40, None), (None, None)],
)
def test_record_ids_are_positive_and_fit_a_column(raw, expected):
    assert rules.record_id(raw) == expected


@pytest.mark.parametrize(
    "year, expected",
    [
        ("", None),
        ("  ", None),
        ("2020", 2020),
        ("0", "bad"),
        ("20200", "bad"),
        ("abc", "bad"),
        ("２０２０", "bad"),
    ],
)
def test_grave_search_year_is_optional(year, expected):
    search = forms.GraveSearch(name=" 王德顺 ", year=year)
    if expected == "bad":
        with pytest.raises(DomainError) as refused:
            search.clean()
        assert (refused.value.kind, refused.value.field) == (Kind.INVALID, "year")
    else:
        assert search.clean() == ("王德顺", expected)


@pytest.mark.parametrize("raw", ["north", "inf", "-inf", "nan", "1e400", None, "91"])
def test_a_device_position_that_is_not_one_is_invalid(raw):
    with pytest.raises(DomainError) as refused:
        forms.PositionIn(lat=raw, lon=119.9).point()
    assert refused.value.kind == Kind.INVALID
    assert forms.PositionIn(lat="28.46", lon=119.9).point() == (28.46, 119.9)
    assert not math.isnan(forms.PositionIn(lat=0, lon=0).point()[0])


@pytest.mark.parametrize("amount", ["inf", "1e400", "nan", "-1", "12.345"])
def test_hostile_amounts_are_plain_field_errors(amount):
    for parse in (forms.PaymentForm(amount=amount).fen, forms.FeeForm(price=amount).fen):
        with pytest.raises(DomainError) as refused:
            parse()
        assert refused.value.kind == Kind.INVALID


def test_booking_form_takes_one_slot_per_kind_and_ignores_blank_or_forged_ids():
    form = forms.BookingForm(slot_hall="12", slot_cremation="", slot_pickup="9" * 30, slot_niche="0")
    assert form.slot_ids() == [12]


def test_plot_register_rows_all_or_nothing():
    header = "facility_id,section,row,number,deceased_name,death_year\n"
    rows = rules.plot_rows(header + "3,竹园,1,2, 钱某 ,2025\n3,竹园,1,3,孙某,\n", {3})
    assert rows[0] == dict(
        facility_id=3, section="竹园", row=1, number=2, deceased_name="钱某", death_year=2025
    )
    assert rows[1]["death_year"] is None
    for bad in ["4,竹园,1,2,钱某,2025\n", "3,竹园,x,2,钱某,2025\n", "3,竹园,1,99999999999,钱某,\n", ""]:
        with pytest.raises(DomainError) as refused:
            rules.plot_rows(header + bad, {3})
        assert (refused.value.code, refused.value.kind) == ("funeral.plots_csv", Kind.INVALID)
