"""Reads of the export requests (the requester's own, the approver's region) and of the people a
file holds, so that each download names every one of them in the trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance.models import PaymentLine
from server.errors import DomainError, Kind
from server.exports.models import ExportRequest
from server.exports.rules import Status
from server.people.models import Household
from server.regions.scope import RegionScope

LIMIT = 200


async def mine(session: AsyncSession, staff_id: str | None) -> list[ExportRequest]:
    rows = await session.scalars(
        select(ExportRequest)
        .where(ExportRequest.requested_by == (staff_id or ""))
        .order_by(ExportRequest.id.desc())
        .limit(LIMIT)
    )
    return list(rows)


async def waiting(session: AsyncSession, scope: RegionScope, staff_id: str | None) -> list[ExportRequest]:
    """Requests of the approver's region waiting for a decision, but never the approver's own."""
    rows = await session.scalars(
        select(ExportRequest)
        .where(
            ExportRequest.status == Status.REQUESTED,
            scope.where(ExportRequest.region_code),
            ExportRequest.requested_by != (staff_id or ""),
        )
        .order_by(ExportRequest.id)
        .limit(LIMIT)
    )
    return list(rows)


async def decided(session: AsyncSession, scope: RegionScope, staff_id: str | None) -> list[ExportRequest]:
    """What this approver decided lately."""
    rows = await session.scalars(
        select(ExportRequest)
        .where(ExportRequest.decided_by == (staff_id or ""), scope.where(ExportRequest.region_code))
        .order_by(ExportRequest.decided_at.desc())
        .limit(50)
    )
    return list(rows)


async def get(session: AsyncSession, export_id: int) -> ExportRequest:
    found = await session.get(ExportRequest, export_id) if -(2**31) <= export_id < 2**31 else None
    if found is None:
        raise DomainError("error.not_found", Kind.NOT_FOUND)
    return found


# ------------------------------------------------------------------ the people in a file


async def payees_of_roll(session: AsyncSession, roll_id: int) -> list[int]:
    rows = await session.scalars(
        select(Household.head_person_id)
        .join(PaymentLine, PaymentLine.household_id == Household.id)
        .where(PaymentLine.roll_id == roll_id)
        .distinct()
    )
    return list(rows)
