"""The survival check's workflow as data (rules.TRANSITIONS): every (status, action) pair either
lands where the table says or is refused with a conflict; final statuses have no way out; the
machine's outcomes map onto the table; the reviewer's verdict and note; the challenge's and the
schedule's states. Pure: no database."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from server.accounts.permissions import P
from server.errors import DomainError, Kind
from server.survival import rules
from server.survival.rules import CheckAction, CheckStatus, ScheduleState

PAIRS = list(itertools.product(CheckStatus, CheckAction))
FINAL = {CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.CONFIRMED, CheckStatus.REJECTED}


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_status_and_action(status, action):
    if (status, action) in rules.TRANSITIONS:
        new, permission = rules.TRANSITIONS[(status, action)]
        assert rules.move(status, action) == (new, permission)
        assert rules.move(str(status), str(action)) == (new, permission)  # as stored and as posted
    else:
        with pytest.raises(DomainError) as refused:
            rules.move(status, action)
        assert refused.value.kind == Kind.CONFLICT
        reviewing = action in (CheckAction.CONFIRM, CheckAction.REJECT)
        assert refused.value.code == ("survival.not_in_review" if reviewing else "survival.transition")


def test_the_table_says_what_the_workflow_is():
    assert rules.TRANSITIONS == {
        (CheckStatus.SUBMITTED, CheckAction.PASS): (CheckStatus.PASSED, None),
        (CheckStatus.SUBMITTED, CheckAction.FAIL): (CheckStatus.FAILED, None),
        (CheckStatus.SUBMITTED, CheckAction.REFER): (CheckStatus.REVIEW, None),
        (CheckStatus.FAILED, CheckAction.REQUEST): (CheckStatus.REVIEW, None),  # 申请人工复核
        (CheckStatus.REVIEW, CheckAction.CONFIRM): (CheckStatus.CONFIRMED, P.SURVIVAL_REVIEW),
        (CheckStatus.REVIEW, CheckAction.REJECT): (CheckStatus.REJECTED, P.SURVIVAL_REVIEW),
    }


@pytest.mark.parametrize("status", sorted(FINAL))
def test_final_statuses_have_no_way_out(status):
    """A failed check's only way out is the recipient's request for a person to review it; a
    reviewed one (confirmed or rejected) is never decided again."""
    ways = [a for (s, a) in rules.TRANSITIONS if s == status]
    assert ways == ([CheckAction.REQUEST] if status == CheckStatus.FAILED else [])
    if ways:
        return
    for action in CheckAction:
        with pytest.raises(DomainError):
            rules.move(status, action)


def test_every_status_is_reached_and_only_submitted_and_review_are_open():
    reached = {new for new, _ in rules.TRANSITIONS.values()}
    assert reached == set(CheckStatus) - {CheckStatus.SUBMITTED}
    assert rules.OPEN == {CheckStatus.SUBMITTED, CheckStatus.REVIEW}
    assert rules.PASSING == {CheckStatus.PASSED, CheckStatus.CONFIRMED}
    assert not (rules.OPEN & FINAL) and rules.PASSING <= FINAL


@pytest.mark.parametrize("outcome", list(rules.Outcome))
def test_each_machine_outcome_moves_a_submitted_check(outcome):
    status, permission = rules.move(CheckStatus.SUBMITTED, outcome)
    assert permission is None  # the capture itself moves it
    assert status == {"pass": "passed", "fail": "failed", "review": "review"}[outcome]


def test_reviewer_verdict_and_note():
    assert rules.review_action("confirm") == CheckAction.CONFIRM
    assert rules.review_action("reject") == CheckAction.REJECT
    for bad in ("", "pass", "review", "CONFIRM", "confirm "):
        with pytest.raises(DomainError) as refused:
            rules.review_action(bad)
        assert (refused.value.code, refused.value.kind, refused.value.field) == (
            "form.choose",
            Kind.INVALID,
            "verdict",
        )
    rules.check_review_note(CheckAction.CONFIRM, "")  # confirming needs no note
    rules.check_review_note(CheckAction.REJECT, "照片模糊")
    with pytest.raises(DomainError) as refused:
        rules.check_review_note(CheckAction.REJECT, "  \n")
    assert (refused.value.code, refused.value.kind, refused.value.field) == (
        "survival.note",
        Kind.INVALID,
        "note",
    )


def test_challenge_states():
    now = datetime(2026, 5, 1, 9, 0)
    expires = now + timedelta(seconds=rules.CHALLENGE_SECONDS)
    assert rules.challenge_state(None, expires, now) == rules.ChallengeState.ISSUED
    assert rules.challenge_state(None, expires, expires) == rules.ChallengeState.ISSUED
    assert (
        rules.challenge_state(None, expires, expires + timedelta(seconds=1)) == rules.ChallengeState.EXPIRED
    )
    assert rules.challenge_state(now, expires, now) == rules.ChallengeState.USED
    assert rules.challenge_state(now, expires, expires + timedelta(days=1)) == rules.ChallengeState.USED


@pytest.mark.parametrize("grace", [0, 1, 30])
@pytest.mark.parametrize("remind", [0, 14])
def test_as_days_pass_a_schedule_moves_only_along_the_flow(grace, remind):
    due = date(2026, 6, 1)
    day, state = due - timedelta(days=60), ScheduleState.NONE
    seen = [state]
    while day < due + timedelta(days=grace + 5):
        day += timedelta(days=1)
        new = rules.schedule_state(due, day, grace, remind)
        assert new == state or new in rules.SCHEDULE_FLOW[state], (state, new, day)
        if new != state:
            seen.append(new)
        state = new
    assert seen[-1] == ScheduleState.LAPSED and rules.SCHEDULE_FLOW[ScheduleState.LAPSED] == set()
    assert rules.schedule_state(None, day, grace, remind) == ScheduleState.NONE  # nothing due
