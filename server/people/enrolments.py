"""Suspending, stopping and resuming a benefit: the one path every service uses (a verification
warning, an overdue survival check, a change request), always with a reason and an audit record."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.audit.service import Actor, record
from server.people.models import Enrolment

TRANSITIONS = {
    "active": {"suspended", "stopped"},
    "suspended": {"active", "stopped"},
    "stopped": set(),
}


class EnrolmentError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_transition(current: str, new: str, reason: str) -> None:
    """Pure rule: which status changes are allowed, and that a reason is given."""
    if new not in TRANSITIONS.get(current, set()):
        raise EnrolmentError("enrolment.transition")
    if not reason or not reason.strip():
        raise EnrolmentError("enrolment.reason")


async def change_status(
    session: AsyncSession,
    actor: Actor,
    enrolment: Enrolment,
    new_status: str,
    reason: str,
    *,
    source: str,
    effective: date | None = None,
) -> Enrolment:
    """``source`` names what caused it, e.g. ``verification.warning:42`` or ``survival.overdue``."""
    check_transition(enrolment.status, new_status, reason)
    before = {"status": enrolment.status, "reason": enrolment.status_reason}
    enrolment.status, enrolment.status_reason = new_status, reason.strip()
    enrolment.status_source = source[:64]  # what made it: a pass resumes only what survival suspended
    if new_status == "stopped":
        enrolment.end_date = effective or clock.today()
    await session.flush()
    await record(
        session,
        actor,
        f"enrolment.{new_status}",
        "enrolment",
        enrolment.id,
        before=before,
        after={"status": new_status, "reason": enrolment.status_reason, "source": source},
        opinion=reason,
        region_code=enrolment.region_code,
    )
    return enrolment
