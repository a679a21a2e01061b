"""Benefit status changes: only allowed transitions, always with a reason, always audited."""

import pytest
from sqlalchemy import select

from server.audit.service import SYSTEM
from server.people.enrolments import EnrolmentError, change_status, check_transition
from server.people.models import Enrolment
from tests.support import in_db, sql


def test_transitions_need_a_reason_and_a_path():
    check_transition("active", "suspended", "死亡预警核实")
    with pytest.raises(EnrolmentError, match="enrolment.reason"):
        check_transition("active", "suspended", "  ")
    with pytest.raises(EnrolmentError, match="enrolment.transition"):
        check_transition("stopped", "active", "复核")


def test_suspension_is_recorded_in_the_audit_trail(demo):
    async def go(session):
        enrolment = await session.scalar(select(Enrolment).order_by(Enrolment.id).limit(1))
        await change_status(
            session, SYSTEM, enrolment, "suspended", "生存认证逾期", source="survival.overdue"
        )
        return enrolment.id

    enrolment_id = in_db(demo, go)
    assert sql(demo, "SELECT status, status_reason FROM enrolments WHERE id = :i", i=enrolment_id)[0] == (
        "suspended",
        "生存认证逾期",
    )
    audit = sql(
        demo,
        "SELECT action, opinion FROM audit_records WHERE object_type = 'enrolment' AND object_id = :i",
        i=str(enrolment_id),
    )
    assert audit == [("enrolment.suspended", "生存认证逾期")]
