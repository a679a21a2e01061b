"""Reads of the back office's home: the dashboard's counts and the path down the region tree."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Staff
from server.audit.models import AuditRecord
from server.db import utcnow
from server.regions.models import Region
from server.regions.scope import RegionScope


async def dashboard_counts(session: AsyncSession, region_scope: RegionScope) -> dict[str, int]:
    since = utcnow() - timedelta(days=1)
    row = (
        await session.execute(
            select(
                select(func.count())
                .where(region_scope.where(Region.code), Region.code != region_scope.code)
                .scalar_subquery(),
                select(func.count()).where(region_scope.where(Staff.region_code)).scalar_subquery(),
                select(func.count())
                .where(region_scope.where(AuditRecord.region_code), AuditRecord.at >= since)
                .scalar_subquery(),
            )
        )
    ).one()
    return {"regions": row[0], "staff": row[1], "actions_today": row[2]}


async def breadcrumbs(session: AsyncSession, home: RegionScope, code: str) -> list[Region]:
    """The path from the staff member's own region down to ``code``."""
    trail: list[Region] = []
    current: str | None = code
    while current:
        region = await session.get(Region, current)
        if region is None:
            break
        trail.append(region)
        if current == home.code:
            break
        current = region.parent_code
    return list(reversed(trail))
