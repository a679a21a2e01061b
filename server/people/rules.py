"""A second person before money stops: the pure rules of a status proposal.

Suspending or stopping a household's benefit, or recording that a member died, is proposed by one
person (or by the system: a department's death record, an overdue survival check) and decided by
another. ``TRANSITIONS`` is the whole workflow; the checks below say who may decide what. Resuming
a benefit (back to active) stays one step and is no proposal."""

from __future__ import annotations

from enum import StrEnum

from server.errors import DomainError, Kind


class Status(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUSPEND = "suspend"
    STOP = "stop"
    DEATH = "death"  # a member died: marked deceased and the amount recalculated on approval


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"  # the proposer takes it back, or the cause is gone (the check was passed)


class Origin(StrEnum):
    FORM = "form"  # the household page (status form, or a death in the change form)
    WARNING = "warning"  # a confirmed verification warning
    REVIEW = "review"  # the semiannual review's cancellation
    DEATH_RECORD = "death_record"  # a department's death record (the import, as the system)
    SURVIVAL = "survival"  # the survival check lapsed after the grace period (the worker)


class Approver(StrEnum):
    """Who decides: a district approver, or for a survival lapse the street reviewer who knows the
    family (he confirms the suspension or lifts it: the person is in hospital)."""

    DISTRICT = "district"
    STREET = "street"


TRANSITIONS: dict[Status, dict[Decision, Status]] = {
    Status.PROPOSED: {
        Decision.APPROVE: Status.APPROVED,
        Decision.REJECT: Status.REJECTED,
        Decision.WITHDRAW: Status.WITHDRAWN,
    },
    Status.APPROVED: {},
    Status.REJECTED: {},
    Status.WITHDRAWN: {},
}

# what an approved proposal does to the enrolment's status (a death recalculates, or stops the
# benefit when nobody of the household is left)
ENROLMENT_STATUS = {Action.SUSPEND: "suspended", Action.STOP: "stopped"}
# the statuses an enrolment may have for each action to make sense
ACTS_ON = {
    Action.SUSPEND: {"active"},
    Action.STOP: {"active", "suspended"},
    Action.DEATH: {"active", "suspended"},
}

LABELS = {
    Action.SUSPEND: "暂停待遇",
    Action.STOP: "停止待遇",
    Action.DEATH: "登记死亡",
    Status.PROPOSED: "待审批",
    Status.APPROVED: "已批准",
    Status.REJECTED: "已驳回",
    Status.WITHDRAWN: "已撤回",
    Origin.FORM: "家庭变更登记",
    Origin.WARNING: "核对预警",
    Origin.REVIEW: "定期复核",
    Origin.DEATH_RECORD: "部门死亡信息",
    Origin.SURVIVAL: "生存认证逾期",
}


def approver_of(origin: str) -> Approver:
    return Approver.STREET if origin == Origin.SURVIVAL else Approver.DISTRICT


def move(status: str, decision: str) -> Status:
    """The status after ``decision``; refuses any step the table does not list."""
    try:
        return TRANSITIONS[Status(status)][Decision(decision)]
    except (KeyError, ValueError):
        raise DomainError("proposal.transition", Kind.CONFLICT) from None


def check_proposal(action: str, enrolment_status: str, reason: str, member_id: int | None) -> Action:
    """A proposal names an action that fits the benefit's status, a reason, and for a death the
    member who died."""
    try:
        act = Action(action)
    except ValueError:
        raise DomainError("proposal.action", Kind.INVALID, field="action") from None
    if enrolment_status not in ACTS_ON[act]:
        raise DomainError("enrolment.transition", Kind.CONFLICT)
    if not (reason or "").strip():
        raise DomainError("enrolment.reason", Kind.INVALID, field="reason")
    if act == Action.DEATH and member_id is None:
        raise DomainError("proposal.member", Kind.INVALID, field="member_died")
    return act


def check_decision(
    status: str,
    decision: str,
    *,
    origin: str,
    proposer_id: str | None,
    decider_id: str | None,
    decider_can: frozenset[Approver],
    opinion: str,
) -> Status:
    """Approving or rejecting: not by the proposer, by the approver the origin needs, with an
    opinion. Withdrawing: by the proposer (or the system when the cause is gone)."""
    if decision not in set(Decision):
        raise DomainError("proposal.decision", Kind.INVALID, field="decision")
    target = move(status, decision)
    if Decision(decision) == Decision.WITHDRAW:
        if decider_id is not None and decider_id != proposer_id:
            raise DomainError("proposal.not_yours", Kind.FORBIDDEN)
        return target
    if decider_id is None or decider_id == proposer_id:
        raise DomainError("proposal.own", Kind.FORBIDDEN)
    if approver_of(origin) not in decider_can:
        raise DomainError("error.forbidden", Kind.FORBIDDEN)
    if not (opinion or "").strip():
        raise DomainError("proposal.opinion", Kind.INVALID, field="opinion")
    return target
