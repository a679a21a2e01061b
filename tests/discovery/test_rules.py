"""A discovery report's life as a table, and the checks of a report and a visit: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.accounts.permissions import Role, allows
from server.discovery import rules
from server.discovery.rules import Action, Status
from server.errors import DomainError, Kind

EXPECTED = {
    (Status.NEW, Action.MERGE): Status.MERGED,
    (Status.NEW, Action.ASSIGN): Status.ASSIGNED,
    (Status.ASSIGNED, Action.ASSIGN): Status.ASSIGNED,
    (Status.NEW, Action.VISIT): Status.VISITED,
    (Status.ASSIGNED, Action.VISIT): Status.VISITED,
    (Status.VISITED, Action.CLOSE): Status.CLOSED,
    (Status.NEW, Action.SPAM): Status.SPAM,
    (Status.ASSIGNED, Action.SPAM): Status.SPAM,
}


@pytest.mark.parametrize("state", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_and_action_by_the_table(state, action):
    want = EXPECTED.get((state, action))
    if want is None:
        with pytest.raises(DomainError) as refused:
            rules.transition(state, action, Role.COMMUNITY_WORKER)
        assert refused.value.kind == Kind.CONFLICT and refused.value.code == "discovery.closed"
        return
    assert rules.transition(state, action) == want
    _, permission = rules.TRANSITIONS[(state, action)]
    for role in Role:
        if permission is None or allows(role, permission):
            assert rules.transition(state, action, role) == want
        else:
            with pytest.raises(DomainError) as refused:
                rules.transition(state, action, role)
            assert refused.value.kind == Kind.FORBIDDEN


def test_the_table_is_the_whole_truth():
    assert {k: to for k, (to, _) in rules.TRANSITIONS.items()} == EXPECTED
    for state in rules.FINAL:
        assert not [a for (s, a) in rules.TRANSITIONS if s == state], f"{state} is final"
    assert rules.AWAITING_VISIT <= rules.OPEN and not (rules.OPEN & rules.FINAL)
    assert set(rules.LIST_FILTERS) <= set(Status)


def test_unknown_states_and_actions_are_refused():
    for state, action in (("bogus", "assign"), ("new", "bogus"), ("", "")):
        with pytest.raises(DomainError) as refused:
            rules.transition(state, action)
        assert refused.value.kind == Kind.CONFLICT


def test_overdue_only_while_waiting_for_the_visit():
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    past, future = now - timedelta(hours=1), now + timedelta(hours=1)
    assert rules.overdue("new", past, now) and rules.overdue("assigned", past, now)
    assert not rules.overdue("new", future, now) and not rules.overdue("new", None, now)
    for status in ("visited", "closed", "merged", "spam"):
        assert not rules.overdue(status, past, now)


def test_report_checks_name_their_field():
    assert rules.age_of("") is None and rules.age_of(" 80 ") == 80 and rules.age_of("120") == 120
    for bad in ("121", "-1", "八十", "1e3", "inf"):
        with pytest.raises(DomainError) as refused:
            rules.age_of(bad)
        assert refused.value.field == "age" and refused.value.kind == Kind.INVALID
    assert rules.coordinate("28.45", -90, 90) == 28.45
    for bad in ("", None, "91", "nan", "inf", "1e400", "abc"):
        assert rules.coordinate(bad, -90, 90) is None
    with pytest.raises(DomainError) as refused:
        rules.check_situation("nope")
    assert refused.value.field == "situation"
    assert rules.check_where(1.0, 2.0, None) == (1.0, 2.0)
    assert rules.check_where(None, 2.0, "菜市场") is None
    with pytest.raises(DomainError) as refused:
        rules.check_where(1.0, None, None)
    assert refused.value.field == "place"


def test_a_visit_needs_findings_a_decision_and_a_community():
    rules.check_visit("独居", "referral", "331102001001")
    for findings, decision, code, error in (
        (" ", "referral", "331102001001", "discovery.findings"),
        ("独居", "maybe", "331102001001", "discovery.decision"),
        ("独居", "referral", None, "discovery.unrouted"),
    ):
        with pytest.raises(DomainError) as refused:
            rules.check_visit(findings, decision, code)
        assert refused.value.code == error
