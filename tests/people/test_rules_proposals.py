"""The rules of a status proposal, every state against every decision (pure: no database)."""

from __future__ import annotations

import pytest

from server.errors import DomainError, Kind
from server.people import rules
from server.people.rules import Action, Approver, Decision, Origin, Status

DISTRICT = frozenset({Approver.DISTRICT})
STREET = frozenset({Approver.STREET})


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("decision", list(Decision))
def test_every_state_and_decision(status, decision):
    expected = {
        Decision.APPROVE: Status.APPROVED,
        Decision.REJECT: Status.REJECTED,
        Decision.WITHDRAW: Status.WITHDRAWN,
    }
    if status == Status.PROPOSED:
        assert rules.move(status, decision) == expected[decision]
    else:  # a decided proposal is final: nobody decides it twice
        with pytest.raises(DomainError) as refused:
            rules.move(status, decision)
        assert (refused.value.code, refused.value.kind) == ("proposal.transition", Kind.CONFLICT)


def test_unknown_status_or_decision_is_refused():
    for status, decision in (("proposed", "approve!"), ("nonsense", "approve")):
        with pytest.raises(DomainError):
            rules.move(status, decision)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("enrolment_status", ["active", "suspended", "stopped"])
def test_what_may_be_proposed_for_each_benefit_status(action, enrolment_status):
    member = 7 if action == Action.DEATH else None
    allowed = {
        Action.SUSPEND: {"active"},
        Action.STOP: {"active", "suspended"},
        Action.DEATH: {"active", "suspended"},
    }[action]
    if enrolment_status in allowed:
        assert rules.check_proposal(action, enrolment_status, "核实属实", member) == action
    else:
        with pytest.raises(DomainError) as refused:
            rules.check_proposal(action, enrolment_status, "核实属实", member)
        assert refused.value.code == "enrolment.transition"


def test_a_proposal_needs_a_reason_and_a_death_names_the_member():
    with pytest.raises(DomainError) as no_reason:
        rules.check_proposal("suspend", "active", "  ", None)
    assert no_reason.value.code == "enrolment.reason"
    with pytest.raises(DomainError) as no_member:
        rules.check_proposal("death", "active", "已去世", None)
    assert no_member.value.code == "proposal.member"
    with pytest.raises(DomainError) as unknown:
        rules.check_proposal("resume", "suspended", "恢复", None)
    assert unknown.value.code == "proposal.action"


def _decide(decision="approve", origin=Origin.FORM, proposer="1", decider="2", can=DISTRICT, opinion="同意"):
    return rules.check_decision(
        "proposed",
        decision,
        origin=origin,
        proposer_id=proposer,
        decider_id=decider,
        decider_can=can,
        opinion=opinion,
    )


def test_the_proposer_cannot_decide_their_own_proposal():
    for decision in ("approve", "reject"):
        with pytest.raises(DomainError) as own:
            _decide(decision, proposer="5", decider="5")
        assert (own.value.code, own.value.kind) == ("proposal.own", Kind.FORBIDDEN)
    assert _decide(proposer="5", decider="6") == Status.APPROVED


def test_the_system_decides_nothing_but_withdraws_its_own():
    with pytest.raises(DomainError):
        _decide(proposer=None, decider=None)
    assert _decide("withdraw", proposer=None, decider=None) == Status.WITHDRAWN


def test_only_the_proposer_withdraws():
    assert _decide("withdraw", proposer="5", decider="5", opinion="") == Status.WITHDRAWN
    with pytest.raises(DomainError) as other:
        _decide("withdraw", proposer="5", decider="6")
    assert other.value.code == "proposal.not_yours"


@pytest.mark.parametrize("origin", list(Origin))
def test_the_approver_fits_the_origin(origin):
    """A survival lapse is the street reviewer's; everything else the district approver's."""
    right, wrong = (STREET, DISTRICT) if origin == Origin.SURVIVAL else (DISTRICT, STREET)
    assert _decide(origin=origin, can=right) == Status.APPROVED
    assert _decide("reject", origin=origin, can=right) == Status.REJECTED
    for can in (wrong, frozenset()):
        with pytest.raises(DomainError) as refused:
            _decide(origin=origin, can=can)
        assert refused.value.kind == Kind.FORBIDDEN


def test_a_decision_needs_an_opinion():
    for decision in ("approve", "reject"):
        with pytest.raises(DomainError) as refused:
            _decide(decision, opinion=" ")
        assert refused.value.code == "proposal.opinion"


def test_a_decision_must_be_one_of_the_three():
    with pytest.raises(DomainError) as refused:
        _decide("")
    assert (refused.value.code, refused.value.kind) == ("proposal.decision", Kind.INVALID)
