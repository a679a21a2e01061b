"""The data-rights request's life, deadline and what an explanation may be about (pure rules)."""

from __future__ import annotations

from datetime import date

import pytest

from server.calendar.days import Calendar
from server.errors import DomainError
from server.rights import rules

# the 2026 National Day holidays: 10-01..10-07 off (the 1st, 2nd, 5th, 6th, 7th on weekdays), the
# 25th of September (Mid-Autumn) off, Sunday 20 September and Saturday 10 October worked
CALENDAR_2026 = Calendar(
    holidays=frozenset(
        date.fromisoformat(d)
        for d in ("2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07")
    ),
    workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
)


def test_the_deadline_is_fifteen_working_days_skipping_weekends_and_holidays():
    # an ordinary fortnight: 15 working days after Monday 2 November is Monday 23 November
    assert rules.deadline(date(2026, 11, 2), Calendar()) == date(2026, 11, 23)
    # across Mid-Autumn and National Day, with the make-up Saturday counted
    assert rules.deadline(date(2026, 9, 24), CALENDAR_2026) == date(2026, 10, 22)


def test_overdue_only_while_open_and_past_the_deadline():
    due = date(2026, 10, 22)
    assert not rules.is_overdue("received", due, date(2026, 10, 22))
    assert rules.is_overdue("received", due, date(2026, 10, 23))
    assert rules.is_overdue("in_progress", due, date(2026, 11, 1))
    assert not rules.is_overdue("answered", due, date(2026, 11, 1))
    assert not rules.is_overdue("refused", due, date(2026, 11, 1))


@pytest.mark.parametrize(
    "current,action,to",
    [
        ("received", "start", "in_progress"),
        ("received", "answer", "answered"),
        ("in_progress", "answer", "answered"),
        ("in_progress", "refuse", "refused"),
    ],
)
def test_allowed_moves(current, action, to):
    assert rules.transition(current, action) == to


@pytest.mark.parametrize(
    "current,action",
    [("answered", "answer"), ("refused", "start"), ("in_progress", "start"), ("received", "delete")],
)
def test_a_closed_request_never_moves_and_unknown_actions_are_refused(current, action):
    with pytest.raises(DomainError) as e:
        rules.transition(current, action)
    assert e.value.code == "rights.transition"


def test_only_well_formed_decisions_can_be_asked_about():
    assert rules.parse_about("application:SQ2026000001") == ("application", "SQ2026000001")
    assert rules.parse_about("survival_check:12") == ("survival_check", "12")
    assert rules.parse_about("person:1") is None
    assert rules.parse_about("enrolment:1 OR 1=1") is None
    assert rules.parse_about("") is None


def test_a_cancelled_account_holds_no_phone_number():
    placeholder = rules.cancelled_phone(42)
    assert len(placeholder) == 11 and not placeholder.isdigit()
    assert rules.mask_phone(placeholder) == "—"
    assert rules.mask_phone("13800000001") == "138****0001"
