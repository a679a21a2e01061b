"""The verification center's workflows as tables (no database): every (state, action) pair of each
table lands where the table says or is refused as a conflict; final states have no way out; the
clerk's decisions on warnings and the bulk choices of a review refuse what they should."""

from __future__ import annotations

import itertools

import pytest

from server.errors import DomainError, Kind
from server.verification import forms, rules
from server.verification.rules import (
    IMPORTS,
    MATCHES,
    REVIEWS,
    WARNINGS,
    ImportAction,
    ImportStatus,
    MatchDecision,
    MatchStatus,
    ReviewAction,
    ReviewStatus,
    WarningDecision,
    WarningStatus,
)

TABLES = [
    (WARNINGS, WarningStatus, WarningDecision, {WarningStatus.OPEN}),
    (MATCHES, MatchStatus, MatchDecision, {MatchStatus.PENDING}),
    (
        IMPORTS,
        ImportStatus,
        ImportAction,
        {ImportStatus.LOADING, ImportStatus.ACTIVE, ImportStatus.SUPERSEDED},
    ),
    (REVIEWS, ReviewStatus, ReviewAction, {ReviewStatus.RUNNING, ReviewStatus.OPEN}),
]
PAIRS = [
    pytest.param(table, state, action, id=f"{table.name}:{state}:{action}")
    for table, states, actions, _ in TABLES
    for state, action in itertools.product(states, actions)
]


@pytest.mark.parametrize(("table", "state", "action"), PAIRS)
def test_every_move_lands_where_the_table_says_or_is_a_conflict(table, state, action):
    expected = table.transitions.get((state, action))
    if expected is not None:
        assert table.move(state, action) == expected
        assert state in table.sources(action) and table.target(action) == expected
    else:
        with pytest.raises(DomainError) as refused:
            table.move(state, action)
        assert refused.value.kind == Kind.CONFLICT and refused.value.code == table.refused
        assert state not in table.sources(action)


@pytest.mark.parametrize(("table", "states", "actions", "moving"), TABLES, ids=[t[0].name for t in TABLES])
def test_the_tables_name_only_their_enums_and_final_states_have_no_way_out(table, states, actions, moving):
    assert table.states() == {str(s) for s in states}
    assert {a for _, a in table.transitions} <= set(actions)
    assert table.final() == {str(s) for s in states} - {str(s) for s in moving}
    for state in table.final():
        for action in actions:
            with pytest.raises(DomainError):
                table.move(state, action)


def test_the_moves_the_services_rely_on():
    assert WARNINGS.sources(WarningDecision.WITHDRAW) == ("open",)  # a rollback withdraws open warnings only
    assert WARNINGS.target(WarningDecision.WITHDRAW) == "withdrawn"
    assert IMPORTS.sources(ImportAction.ROLL_BACK) == ("active", "superseded")
    assert IMPORTS.sources(ImportAction.FAIL) == ("loading",)
    assert IMPORTS.move("superseded", ImportAction.RESTORE) == "active"
    assert REVIEWS.move("open", ReviewAction.PROCESS) == "open"
    with pytest.raises(DomainError) as closed:
        REVIEWS.move("closed", ReviewAction.PROCESS)
    assert closed.value.code == "verification.review_closed"
    with pytest.raises(DomainError) as twice:
        MATCHES.move("confirmed", MatchDecision.REJECT)
    assert twice.value.code == "verification.handled"


@pytest.mark.parametrize(
    ("status", "decision", "action", "reason", "expected"),
    [
        ("open", "confirm", "suspend", "查实", ("confirmed", "suspend")),
        ("open", "confirm", "none", "查实", ("confirmed", "none")),
        ("open", "dismiss", "stop", "不属实", ("dismissed", None)),
        ("open", "confirm", "explode", "查实", ("verification.action", Kind.INVALID)),
        ("open", "withdraw", "", "查实", ("verification.action", Kind.INVALID)),  # only a rollback withdraws
        ("open", "confirm", "stop", "  ", ("verification.reason", Kind.INVALID)),
        ("confirmed", "dismiss", "", "", ("verification.handled", Kind.CONFLICT)),  # handled before reason
        ("withdrawn", "confirm", "stop", "查实", ("verification.handled", Kind.CONFLICT)),
    ],
)
def test_a_clerks_decision_on_a_warning(status, decision, action, reason, expected):
    if expected[0].startswith("verification."):
        with pytest.raises(DomainError) as refused:
            rules.warning_decision(status, decision, action, reason)
        assert (refused.value.code, refused.value.kind) == expected
    else:
        assert rules.warning_decision(status, decision, action, reason) == expected


def test_bulk_choices_of_a_review_confirm_or_dismiss_the_households_warnings():
    for outcome, choice in rules.BULK_CHOICES.items():
        assert WARNINGS.move("open", choice.decision) in ("confirmed", "dismissed")
        assert rules.bulk_choice(outcome, "理由") is choice
    assert rules.BULK_CHOICES["keep"].decision == WarningDecision.DISMISS
    for outcome, reason, code in [
        ("cancel", " ", "verification.reason"),
        ("delete", "x", "verification.action"),
    ]:
        with pytest.raises(DomainError) as refused:
            rules.bulk_choice(outcome, reason)
        assert (refused.value.code, refused.value.kind) == (code, Kind.INVALID)


def test_only_the_city_center_handles_department_files():
    assert rules.is_city_region("331100")
    for code in ("331102", "331102001", "", None, "3311"):
        assert not rules.is_city_region(code)
        with pytest.raises(DomainError) as refused:
            rules.ensure_city(code)
        assert refused.value.kind == Kind.FORBIDDEN


def test_the_import_mode_is_the_chosen_one_or_the_sources_default():
    assert rules.import_mode("append") == "append" and rules.import_mode("replace") == "replace"
    for other in ("", "REPLACE", None, 1, ["append"]):
        assert rules.import_mode(other) is None


def test_the_forms_options_come_from_the_rules():
    assert set(forms.DECISION.options) == {"confirm", "dismiss"}
    assert set(forms.MODE.options) == {"append", "replace"}
    assert set(forms.STATUS_FILTER.options) == set(WarningStatus)
    assert set(forms.action_options(True)) == set(rules.WarningAction)
    assert set(forms.action_options(False)) == {"none"}
    assert set(forms.outcome_options("adjust")) == {"adjust", "keep"} <= set(rules.BULK_CHOICES)
    with pytest.raises(DomainError):
        forms.ProcessForm(item=["x", ""]).item_ids()
    assert forms.ProcessForm(item="12").item_ids() == [12]
    assert forms.ProcessForm(item=["1", "2"]).item_ids() == [1, 2]
    with pytest.raises(DomainError) as refused:
        forms.MatchForm("maybe").confirm()
    assert refused.value.kind == Kind.INVALID
    assert forms.MatchForm("confirm").confirm() and not forms.MatchForm("reject").confirm()
