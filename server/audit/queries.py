"""Reads of the audit trail that pages share: the filtered, region-scoped list and its count."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditRecord
from server.regions.scope import RegionScope

PAGE_SIZE = 50


def day_start(value: str | None) -> datetime | None:
    """The start of an ISO day typed in a filter; None for blank or not a date."""
    try:
        return datetime.combine(date.fromisoformat(value), time.min) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AuditFilters:
    region: str = ""
    action: str = ""  # a prefix: "staff." finds every staff action
    actor: str = ""  # part of the name, or the exact id
    object_type: str = ""
    object_id: str = ""
    since: str = ""
    until: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


async def search(
    session: AsyncSession, scope: RegionScope, f: AuditFilters, page_no: int = 1
) -> tuple[list[AuditRecord], int]:
    """One page of records inside ``scope`` (already narrowed to the chosen region), newest first,
    and how many match."""
    stmt = select(AuditRecord).where(scope.where(AuditRecord.region_code))
    if f.action:
        stmt = stmt.where(AuditRecord.action.like(f"{f.action}%"))
    if f.actor:
        stmt = stmt.where(AuditRecord.actor_name.like(f"%{f.actor}%") | (AuditRecord.actor_id == f.actor))
    if f.object_type:
        stmt = stmt.where(AuditRecord.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditRecord.object_id == f.object_id)
    since, until = day_start(f.since), day_start(f.until)
    if since:
        stmt = stmt.where(AuditRecord.at >= since)
    if until:
        stmt = stmt.where(AuditRecord.at < until + timedelta(days=1))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = await session.scalars(
        stmt.order_by(AuditRecord.seq.desc()).limit(PAGE_SIZE).offset((max(page_no, 1) - 1) * PAGE_SIZE)
    )
    return list(rows), total or 0
