"""Social assistance as plain rules: pre-checks at submission (事前防范), the application workflow
and the payment roll's approvals as state tables, and the time limits. No web, no database.

A newcomer adding a workflow step changes ``TRANSITIONS`` (and ``STEP_DAYS``), the service that
performs it, one template and a test."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from server.accounts.permissions import P, allows
from server.calendar.days import Calendar
from server.errors import DomainError, Kind


class Status(StrEnum):
    """Where an application is."""

    DRAFT = "draft"  # the citizen (or staff) is filling it in
    COMMUNITY = "community"  # 社区受理
    STREET = "street"  # 街道审核, with a home visit
    DISTRICT = "district"  # 区县审批
    NOTICE = "notice"  # 公示, 7 calendar days
    RETURNED = "returned"  # back to the applicant to correct, then to the step that returned it
    ENROLLED = "enrolled"  # final: on the register
    TERMINATED = "terminated"  # final


class Action(StrEnum):
    """What staff do with a case (the button pressed; translated as ``action.<value>``)."""

    APPROVE = "approve"
    RETURN = "return"
    TERMINATE = "terminate"
    OBJECTION = "objection"  # recorded during the notice; the case stays where it is
    ENROL = "enrol"


# the steps staff work, in order; only these have deadlines and can be overdue
STEPS = (Status.COMMUNITY, Status.STREET, Status.DISTRICT, Status.NOTICE)
OVERDUE_STATUSES = frozenset(STEPS)
FINAL = frozenset({Status.ENROLLED, Status.TERMINATED})
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})  # the applicant may still change answers
# what the office work list filters by
WORK_STATUSES = (*STEPS, Status.RETURNED, Status.ENROLLED, Status.TERMINATED)

# step -> the permission that decides it (server/accounts/permissions.py says which roles hold it)
STEP_PERMISSIONS = {
    Status.COMMUNITY: P.ASSISTANCE_ACT_COMMUNITY,
    Status.STREET: P.ASSISTANCE_ACT_STREET,
    Status.DISTRICT: P.ASSISTANCE_ACT_DISTRICT,
    Status.NOTICE: P.ASSISTANCE_ACT_DISTRICT,
}
NEXT_STEP = {
    Status.COMMUNITY: Status.STREET,
    Status.STREET: Status.DISTRICT,
    Status.DISTRICT: Status.NOTICE,
    Status.NOTICE: Status.ENROLLED,
}


def _step_moves(step: Status) -> dict[tuple[Status, Action], tuple[Status, tuple[P, ...]]]:
    who = (STEP_PERMISSIONS[step],)
    return {
        (step, Action.APPROVE): (NEXT_STEP[step], who),
        (step, Action.RETURN): (Status.RETURNED, who),
        (step, Action.TERMINATE): (Status.TERMINATED, who),
    }


# (status, action) -> (new status, the permissions any one of which allows it). The order of the
# entries is the order of the buttons on the case page.
TRANSITIONS: dict[tuple[Status, Action], tuple[Status, tuple[P, ...]]] = {
    **_step_moves(Status.COMMUNITY),
    **_step_moves(Status.STREET),
    **_step_moves(Status.DISTRICT),
    (Status.NOTICE, Action.OBJECTION): (Status.NOTICE, (P.ASSISTANCE_ACT_DISTRICT, P.ASSISTANCE_OBJECTION)),
    (Status.NOTICE, Action.TERMINATE): (Status.TERMINATED, (P.ASSISTANCE_ACT_DISTRICT,)),
    (Status.NOTICE, Action.ENROL): (Status.ENROLLED, (P.ASSISTANCE_ACT_DISTRICT,)),
}
# moves that need a record of the home visit (入户调查) in their details
VISIT_REQUIRED = frozenset({(Status.STREET, Action.APPROVE)})
VISIT_FIELDS = ("visit_date", "visitors", "findings")
# moves that need every household member's consent to the economic-status check (server/privacy):
# the community step does not pass, and the check does not run, without them
CONSENT_REQUIRED = frozenset({(Status.COMMUNITY, Action.APPROVE)})
# moves possible only once the notice period is over
AFTER_NOTICE = frozenset({(Status.NOTICE, Action.ENROL)})

STEP_LABELS = {
    "draft": "填写中",
    "community": "社区受理",
    "street": "街道审核",
    "district": "区县审批",
    "notice": "公示",
    "enrolled": "已纳入救助",
    "returned": "退回修改",
    "terminated": "已终止",
    "paid": "已发放",
}
# working days allowed per step; notice is counted in calendar days
STEP_DAYS = {"community": 5, "street": 10, "district": 7}
NOTICE_DAYS = 7
TOTAL_DAYS = {"dibao": 25, "tekun": 25, "linshi": 10, "yiliao": 15}


def member(enum: type[StrEnum], value: str | None):
    """The enum member with this value, or None (a typed value from a form may be anything)."""
    try:
        return enum(value)
    except ValueError:
        return None


class Case(Protocol):
    """What the rules read of an application (the model, or anything shaped like it)."""

    status: str
    step_due_on: date | None


def _may(status: str, action: Action, role: str | None, today: date, step_due_on: date | None) -> bool:
    move = TRANSITIONS.get((member(Status, status), action))
    if move is None or not any(allows(role, p) for p in move[1]):
        return False
    if (status, action) in AFTER_NOTICE:
        return bool(step_due_on) and today >= step_due_on
    return True


def allowed_actions(app: Case, role: str | None, today: date) -> list[Action]:
    """What this role may do with the case now, in button order."""
    return [
        action
        for (status, action) in TRANSITIONS
        if status == app.status and _may(app.status, action, role, today, app.step_due_on)
    ]


def works_current_step(app: Case, role: str | None, today: date) -> bool:
    """The role that decides the case's current step (it may also attach documents to it, such as
    the household verification report)."""
    return Action.APPROVE in allowed_actions(app, role, today)


def visit_of(fields: Mapping[str, str]) -> dict[str, str] | None:
    """A home visit is recorded only with its date, its visitors and what they found."""
    visit = {k: (fields.get(k) or "").strip() for k in VISIT_FIELDS}
    return visit if all(visit.values()) else None


def action_details(status: str, action: str, fields: Mapping[str, str]) -> dict | None:
    """What an action carries besides the opinion: the home visit when the street approves, the
    objector's name for an objection."""
    if (status, action) in VISIT_REQUIRED:
        visit = visit_of(fields)
        return {"visit": visit} if visit else None
    if action == Action.OBJECTION:
        return {"objection": (fields.get("objection_from") or "").strip()}
    return None


def check_move(
    app: Case, action: str, role: str | None, today: date, opinion: str, details: dict | None
) -> Status:
    """The status the case moves to, or the refusal: not this role's step (or not now), no opinion,
    no home visit where one is required."""
    if member(Action, action) not in allowed_actions(app, role, today):
        raise DomainError("assistance.not_your_step", Kind.FORBIDDEN)
    if not (opinion or "").strip():
        raise DomainError("assistance.opinion", Kind.INVALID)
    if (app.status, action) in VISIT_REQUIRED and not (details or {}).get("visit"):
        raise DomainError("assistance.visit_required", Kind.INVALID)
    return TRANSITIONS[(Status(app.status), Action(action))][0]


def submitted_to(status: str, returned_from: str | None) -> Status:
    """Where a submission goes: a new application to the community, a returned one back to the step
    that returned it. Only a draft or a returned application can be submitted."""
    if status not in EDITABLE:
        raise DomainError("assistance.already_submitted")
    if status == Status.RETURNED and returned_from:
        return Status(returned_from)
    return Status.COMMUNITY


def can_be_overdue(status: str) -> bool:
    return status in OVERDUE_STATUSES


# ---------------------------------------------------------------- payment rolls


class RollStatus(StrEnum):
    DRAFT = "draft"  # generated; may be generated again
    DISTRICT_APPROVED = "district_approved"
    LOCKED = "locked"  # final: approved by the city


class RollAction(StrEnum):
    GENERATE = "generate"
    APPROVE = "approve"


# the district approves first, the city then locks: two levels, never the same role
ROLL_TRANSITIONS: dict[tuple[RollStatus, RollAction], tuple[RollStatus, P]] = {
    (RollStatus.DRAFT, RollAction.GENERATE): (RollStatus.DRAFT, P.PAYMENTS_GENERATE),
    (RollStatus.DRAFT, RollAction.APPROVE): (RollStatus.DISTRICT_APPROVED, P.PAYMENTS_APPROVE_DISTRICT),
    (RollStatus.DISTRICT_APPROVED, RollAction.APPROVE): (RollStatus.LOCKED, P.PAYMENTS_APPROVE_CITY),
}
ROLL_FINAL = frozenset({RollStatus.LOCKED})


def roll_approver(status: str) -> P | None:
    """The permission that approves a roll in this status (None once it is locked)."""
    move = ROLL_TRANSITIONS.get((member(RollStatus, status), RollAction.APPROVE))
    return move[1] if move else None


def roll_move(status: str, action: str, role: str | None) -> RollStatus:
    """The roll's next status, or the refusal (a roll past draft cannot be generated again)."""
    move = ROLL_TRANSITIONS.get((member(RollStatus, status), member(RollAction, action)))
    if move is None and action == RollAction.GENERATE:
        raise DomainError("payment.locked")
    if move is None or not allows(role, move[1]):
        raise DomainError("payment.not_your_step", Kind.FORBIDDEN)
    return move[0]


# ---------------------------------------------------------------- pre-checks and time limits


@dataclass(frozen=True)
class Finding:
    code: str
    detail: str = ""


def prechecks(
    *,
    benefit: str,
    hukou_in_city: bool,
    applicant_age: int,
    applicant_disability: int | None,
    already_receiving: list[str],
) -> list[Finding]:
    """What the applicant is told before submitting, and staff see on the case."""
    found = []
    if not hukou_in_city:
        found.append(Finding("precheck.hukou"))
    if benefit == "tekun" and not (
        applicant_age >= 60 or applicant_age < 16 or applicant_disability in (1, 2)
    ):
        found.append(Finding("precheck.age_tekun", str(applicant_age)))
    for name in already_receiving:
        found.append(Finding("precheck.duplicate", name))
    return found


def step_due(calendar: Calendar, step: str, started: date) -> date:
    if step == Status.NOTICE:
        return started + timedelta(days=NOTICE_DAYS)
    return calendar.add_working_days(started, STEP_DAYS.get(step, 5))


def total_due(calendar: Calendar, benefit: str, submitted: date) -> date:
    return calendar.add_working_days(submitted, TOTAL_DAYS.get(benefit, 25))


def overdue(today: date, step_due_on: date | None, total_due_on: date | None) -> bool:
    return bool((step_due_on and today > step_due_on) or (total_due_on and today > total_due_on))


def is_late(status: str, today: date, step_due_on: date | None, total_due_on: date | None) -> bool:
    """A case at a step staff work (not returned, not final) past its step's or its total deadline."""
    return can_be_overdue(status) and overdue(today, step_due_on, total_due_on)


def mask_name(name: str) -> str:
    """For the public notice: 张建国 -> 张*国, 李丽 -> 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
