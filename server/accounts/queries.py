"""Reads that the accounts pages share: staff lists, the regions an administrator may assign, the
identity-binding work queue of a region, a citizen's recent disputes and the development SMS outbox.
Region-scoped wherever staff read (``RegionScope``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Citizen, IdentityClaim, IdentityDispute, SmsOutbox, Staff
from server.regions.models import Region
from server.regions.scope import RegionScope

PAGE_SIZE = 50
QUEUE_LIMIT = 200


async def staff_page(
    session: AsyncSession, scope: RegionScope, q: str = "", page_no: int = 1
) -> tuple[list[Any], int]:
    """One page of (staff, region name) rows inside the scope, filtered by name, and the total."""
    stmt = (
        select(Staff, Region.name)
        .join(Region, Region.code == Staff.region_code)
        .where(scope.where(Staff.region_code))
    )
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Staff.username.like(like), Staff.display_name.like(like)))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = (
        await session.execute(
            stmt.order_by(Staff.region_code, Staff.username)
            .limit(PAGE_SIZE)
            .offset((max(page_no, 1) - 1) * PAGE_SIZE)
        )
    ).all()
    return list(rows), total or 0


async def assignable_regions(session: AsyncSession, scope: RegionScope) -> list[Region]:
    """Every region of the scope, in code order: where an administrator may place an account."""
    return list(await session.scalars(select(Region).where(scope.where(Region.code)).order_by(Region.code)))


@dataclass(frozen=True)
class IdentityQueue:
    """The region's open identity work: claims waiting for an in-person check (with the account's
    phone), how many pending claims each number has (rivals), open disputes and the phones of the
    accounts a dispute names."""

    claims: list[Any]
    rivals: dict[str, int]
    disputes: list[IdentityDispute]
    phones: dict[int, str]


async def _rivals(session: AsyncSession, hashes: set[str]) -> dict[str, int]:
    if not hashes:
        return {}
    rows = await session.execute(
        select(IdentityClaim.id_hash, func.count())
        .where(IdentityClaim.status == "pending", IdentityClaim.id_hash.in_(hashes))
        .group_by(IdentityClaim.id_hash)
    )
    return dict(rows.all())


async def _phones(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await session.execute(select(Citizen.id, Citizen.phone).where(Citizen.id.in_(ids)))).all())


async def identity_queue(session: AsyncSession, scope: RegionScope) -> IdentityQueue:
    claims = (
        await session.execute(
            select(IdentityClaim, Citizen.phone)
            .join(Citizen, Citizen.id == IdentityClaim.citizen_id)
            .where(IdentityClaim.status == "pending", scope.where(IdentityClaim.region_code))
            .order_by(IdentityClaim.id)
            .limit(QUEUE_LIMIT)
        )
    ).all()
    disputes = list(
        await session.scalars(
            select(IdentityDispute)
            .where(IdentityDispute.status == "open", scope.where(IdentityDispute.region_code))
            .order_by(IdentityDispute.id)
            .limit(QUEUE_LIMIT)
        )
    )
    ids = {d.citizen_id for d in disputes} | {d.holder_id for d in disputes if d.holder_id}
    return IdentityQueue(
        claims=list(claims),
        rivals=await _rivals(session, {c.id_hash for c, _ in claims}),
        disputes=disputes,
        phones=await _phones(session, ids),
    )


async def recent_disputes(session: AsyncSession, citizen_id: int, limit: int = 5) -> list[IdentityDispute]:
    """The citizen's own latest disputes, newest first (their 我的 page)."""
    return list(
        await session.scalars(
            select(IdentityDispute)
            .where(IdentityDispute.citizen_id == citizen_id)
            .order_by(IdentityDispute.id.desc())
            .limit(limit)
        )
    )


async def outbox(session: AsyncSession, limit: int = 50) -> list[SmsOutbox]:
    """The development SMS outbox, newest first (never served in production)."""
    return list(await session.scalars(select(SmsOutbox).order_by(SmsOutbox.id.desc()).limit(limit)))
