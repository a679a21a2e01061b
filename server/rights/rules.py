"""A data-rights request's kinds, life and deadline, and what a citizen may ask about, as plain
functions and data (no web, no database)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from server.calendar.days import Calendar
from server.errors import DomainError, Kind

# PIPL article 50 asks for a timely answer; 15 working days is the period the city commits to
# (the same as a government-information request's), counted on the working-day calendar.
DEADLINE_WORKING_DAYS = 15
DESCRIPTION_LIMIT = 2000
ANSWER_LIMIT = 2000


class RequestKind(StrEnum):
    CORRECTION = "correction"  # article 46
    DELETION = "deletion"  # article 47
    EXPLANATION = "explanation"  # articles 24 and 48
    COPY = "copy"  # article 45
    OTHER = "other"


class Status(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    REFUSED = "refused"


class Action(StrEnum):
    START = "start"  # a member of staff takes it up
    ANSWER = "answer"
    REFUSE = "refuse"  # with the reason, which the citizen reads


# (from, action) -> to. Anything not listed is refused: an answered or refused request never moves.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.RECEIVED, Action.START): Status.IN_PROGRESS,
    (Status.RECEIVED, Action.ANSWER): Status.ANSWERED,
    (Status.RECEIVED, Action.REFUSE): Status.REFUSED,
    (Status.IN_PROGRESS, Action.ANSWER): Status.ANSWERED,
    (Status.IN_PROGRESS, Action.REFUSE): Status.REFUSED,
}
OPEN = frozenset({Status.RECEIVED, Status.IN_PROGRESS})
FINAL = frozenset({Status.ANSWERED, Status.REFUSED})


def transition(current: str, action: str) -> Status:
    """The status a request moves to, or ``rights.transition`` (a conflict)."""
    try:
        to = TRANSITIONS.get((Status(current), Action(action)))
    except ValueError:
        to = None
    if to is None:
        raise DomainError("rights.transition", Kind.CONFLICT)
    return to


def needs_text(action: str) -> bool:
    """An answer and a refusal both say something to the citizen: a refusal says why (article 50)."""
    return action in (Action.ANSWER, Action.REFUSE)


def deadline(received_on: date, calendar: Calendar) -> date:
    """The last day to answer: the 15th working day after the day the request arrived."""
    return calendar.add_working_days(received_on, DEADLINE_WORKING_DAYS)


def is_overdue(status: str, due_on: date | None, today: date) -> bool:
    return status in OPEN and due_on is not None and today > due_on


# What an explanation request may be about: one automated decision the citizen was shown.
# about = "<kind>:<key>"; the key is a reference or an id, checked against the citizen's own records.
ABOUT_KINDS = {
    "application": "申请的救助金额计算",
    "enrolment": "待遇金额计算",
    "survival_check": "生存认证的自动判定",
    "warning": "数据核对预警",
}
_ABOUT = re.compile(r"^(application|enrolment|survival_check|warning):([A-Za-z0-9-]{1,24})$")


def parse_about(about: str | None) -> tuple[str, str] | None:
    """``(kind, key)`` of a well-formed ``about``, None for none or anything else."""
    m = _ABOUT.match((about or "").strip())
    return (m.group(1), m.group(2)) if m else None


def reference_of(request_id: int, received_on: date) -> str:
    """The number the citizen quotes: QL (权利) + date + id."""
    return f"QL{received_on:%Y%m%d}{request_id:05d}"


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 and phone.isdigit() else "—"


def cancelled_phone(citizen_id: int) -> str:
    """What a cancelled account's phone column holds instead of the number: never a phone number
    (so the number signs up afresh), unique, 11 characters."""
    return f"x{citizen_id:010d}"[-11:]
