"""Helpers for the tests of status proposals: the demo's deciders, and deciding what waits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.accounts.sms import OutboxSender
from server.assistance import proposals_service
from server.audit.service import Actor
from server.people.models import StatusProposal
from tests.support import in_db, sql

DISTRICT = Actor("staff", "district-test", "莲都区审批员 李强", "district_approver", "331102")
STREET = Actor("staff", "street-test", "紫金街道审核员 张丽", "street_reviewer", "331102001")


def decide_waiting(
    settings, actor: Actor = DISTRICT, decision: str = "approve", today: date = date(2026, 12, 5)
) -> int:
    """Decide every proposal waiting that ``actor`` decides (as the service does for the pages)."""

    async def go(session):
        origins = {"survival"} if actor.role == "street_reviewer" else None
        query = select(StatusProposal).where(StatusProposal.status == "proposed").order_by(StatusProposal.id)
        waiting = [
            p for p in await session.scalars(query) if (p.origin == "survival") == (origins is not None)
        ]
        decided = 0
        for proposal in waiting:
            if proposal.status != "proposed":  # withdrawn meanwhile: the benefit was stopped
                continue
            decided += 1
            await proposals_service.decide(
                session, actor, proposal, decision, "已核实", today, OutboxSender()
            )
        return decided

    return in_db(settings, go)


def waiting(settings) -> list[tuple]:
    return sql(
        settings,
        "SELECT enrolment_id, action, origin, proposed_by FROM status_proposals "
        "WHERE status = 'proposed' ORDER BY id",
    )
