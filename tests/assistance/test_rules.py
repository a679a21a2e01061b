"""The social-assistance workflows as tables, tested without a database: every (state, action)
pair of the application workflow and of the payment roll, for every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from server.accounts.permissions import Role
from server.assistance import rules
from server.assistance.rules import Action, RollAction, RollStatus, Status
from server.errors import DomainError, Kind

TODAY = date(2026, 3, 10)
VISIT = {"visit": {"visit_date": "2026-03-09", "visitors": "张丽", "findings": "属实"}}
WORKER = {
    Status.COMMUNITY: Role.COMMUNITY_WORKER,
    Status.STREET: Role.STREET_REVIEWER,
    Status.DISTRICT: Role.DISTRICT_APPROVER,
    Status.NOTICE: Role.DISTRICT_APPROVER,
}


@dataclass
class Case:
    status: str
    step_due_on: date | None = TODAY - timedelta(days=1)  # the notice period is over


def details_for(status, action):
    return VISIT if (status, action) in rules.VISIT_REQUIRED else None


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [*Role, None])
def test_every_move_lands_where_the_table_says_or_is_refused(status, action, role):
    case = Case(status)
    move = rules.TRANSITIONS.get((status, action))
    allowed = move is not None and any(rules.allows(role, p) for p in move[1])
    if allowed:
        assert rules.check_move(case, action, role, TODAY, "意见", details_for(status, action)) == move[0]
        assert action in rules.allowed_actions(case, role, TODAY)
    else:
        with pytest.raises(DomainError) as refused:
            rules.check_move(case, action, role, TODAY, "意见", details_for(status, action))
        assert (refused.value.code, refused.value.kind) == ("assistance.not_your_step", Kind.FORBIDDEN)
        assert action not in rules.allowed_actions(case, role, TODAY)


def test_each_step_is_worked_by_its_level_in_order():
    order = []
    status = Status.COMMUNITY
    while status not in rules.FINAL:
        order.append(status)
        action = Action.ENROL if status == Status.NOTICE else Action.APPROVE
        status = rules.check_move(
            Case(status), action, WORKER[status], TODAY, "同意", details_for(status, action)
        )
    assert order == list(rules.STEPS) and status == Status.ENROLLED


def test_final_states_and_the_draft_have_no_way_out_for_anyone():
    for status in (*rules.FINAL, Status.DRAFT, Status.RETURNED):
        for role in Role:
            assert rules.allowed_actions(Case(status), role, TODAY) == []


def test_the_buttons_keep_their_order():
    assert rules.allowed_actions(Case(Status.STREET), Role.STREET_REVIEWER, TODAY) == [
        Action.APPROVE,
        Action.RETURN,
        Action.TERMINATE,
    ]
    assert rules.allowed_actions(Case(Status.NOTICE), Role.DISTRICT_APPROVER, TODAY) == [
        Action.OBJECTION,
        Action.TERMINATE,
        Action.ENROL,
    ]
    assert rules.allowed_actions(Case(Status.NOTICE), Role.COMMUNITY_WORKER, TODAY) == [Action.OBJECTION]


def test_enrolment_waits_for_the_end_of_the_notice():
    during = Case(Status.NOTICE, step_due_on=TODAY + timedelta(days=1))
    assert Action.ENROL not in rules.allowed_actions(during, Role.DISTRICT_APPROVER, TODAY)
    assert Action.ENROL in rules.allowed_actions(during, Role.DISTRICT_APPROVER, TODAY + timedelta(days=1))
    assert Action.ENROL not in rules.allowed_actions(Case(Status.NOTICE, None), Role.DISTRICT_APPROVER, TODAY)


def test_an_opinion_is_always_needed_and_the_street_needs_a_home_visit():
    with pytest.raises(DomainError) as e:
        rules.check_move(Case(Status.COMMUNITY), "approve", Role.COMMUNITY_WORKER, TODAY, "  ", None)
    assert (e.value.code, e.value.kind) == ("assistance.opinion", Kind.INVALID)
    with pytest.raises(DomainError) as e:
        rules.check_move(Case(Status.STREET), "approve", Role.STREET_REVIEWER, TODAY, "同意", None)
    assert (e.value.code, e.value.kind) == ("assistance.visit_required", Kind.INVALID)
    assert rules.check_move(Case(Status.STREET), "return", Role.STREET_REVIEWER, TODAY, "补材料", None) == (
        Status.RETURNED
    )


def test_what_a_home_visit_is():
    full = {"visit_date": "2026-03-09", "visitors": " 张丽 ", "findings": "属实"}
    assert rules.action_details("street", "approve", full) == {
        "visit": {"visit_date": "2026-03-09", "visitors": "张丽", "findings": "属实"}
    }
    assert rules.action_details("street", "approve", {**full, "findings": " "}) is None
    assert rules.action_details("community", "approve", full) is None
    assert rules.action_details("notice", "objection", {"objection_from": " 王某 "}) == {"objection": "王某"}


def test_an_unknown_action_or_status_is_refused_not_an_error():
    for status, action in (("street", "delete"), ("nonsense", "approve"), ("street", "")):
        with pytest.raises(DomainError) as e:
            rules.check_move(Case(status), action, Role.STREET_REVIEWER, TODAY, "x", VISIT)
        assert e.value.kind == Kind.FORBIDDEN


def test_a_submission_goes_to_the_community_or_back_to_the_step_that_returned_it():
    assert rules.submitted_to("draft", None) == Status.COMMUNITY
    assert rules.submitted_to("returned", "street") == Status.STREET
    assert rules.submitted_to("returned", None) == Status.COMMUNITY
    for status in (*rules.STEPS, *rules.FINAL):
        with pytest.raises(DomainError) as e:
            rules.submitted_to(status, None)
        assert (e.value.code, e.value.kind) == ("assistance.already_submitted", Kind.CONFLICT)


def test_only_the_steps_staff_work_can_be_overdue():
    late = TODAY - timedelta(days=1)
    for status in Status:
        assert rules.is_late(status, TODAY, late, None) == (status in rules.STEPS)
    assert not rules.is_late(Status.STREET, TODAY, TODAY, TODAY)
    assert rules.is_late(Status.STREET, TODAY, None, late), "the total limit counts too"


# ---------------------------------------------------------------- payment rolls


@pytest.mark.parametrize("status", list(RollStatus))
@pytest.mark.parametrize("action", list(RollAction))
@pytest.mark.parametrize("role", [*Role, None])
def test_every_roll_move_lands_where_the_table_says_or_is_refused(status, action, role):
    move = rules.ROLL_TRANSITIONS.get((status, action))
    if move is not None and rules.allows(role, move[1]):
        assert rules.roll_move(status, action, role) == move[0]
        return
    with pytest.raises(DomainError) as refused:
        rules.roll_move(status, action, role)
    if move is None and action == RollAction.GENERATE:
        assert (refused.value.code, refused.value.kind) == ("payment.locked", Kind.CONFLICT)
    else:
        assert (refused.value.code, refused.value.kind) == ("payment.not_your_step", Kind.FORBIDDEN)


def test_a_roll_is_approved_by_the_district_then_locked_by_the_city_never_the_same_role():
    status = rules.roll_move("draft", "approve", Role.DISTRICT_APPROVER)
    assert status == RollStatus.DISTRICT_APPROVED
    with pytest.raises(DomainError):
        rules.roll_move(status, "approve", Role.DISTRICT_APPROVER)
    assert rules.roll_move(status, "approve", Role.CITY_SUPERVISOR) == RollStatus.LOCKED
    assert rules.roll_approver("draft") == rules.P.PAYMENTS_APPROVE_DISTRICT
    assert rules.roll_approver("district_approved") == rules.P.PAYMENTS_APPROVE_CITY
    assert rules.roll_approver("locked") is None


def test_a_locked_roll_has_no_way_out():
    for action in RollAction:
        for role in Role:
            with pytest.raises(DomainError):
                rules.roll_move(RollStatus.LOCKED, action, role)
