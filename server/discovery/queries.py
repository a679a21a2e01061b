"""Reads the discovery pages share: the office list and its counts, the map, a report's detail, and
what a reporter may see. Every staff read is region-scoped; an unrouted report belongs to the
district and city levels until someone routes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Staff
from server.accounts.permissions import Role
from server.discovery import rules
from server.discovery.models import Alert, CommunityArea, Report
from server.errors import DomainError, Kind
from server.regions import queries as regions
from server.regions.models import Region
from server.regions.scope import RegionScope


def _sees_unrouted(scope: RegionScope) -> bool:
    return len(scope.code) == 6


async def scoped(session: AsyncSession, scope: RegionScope, report_id: int) -> Report:
    """A report the officer may see, or not found."""
    report = await session.get(Report, report_id) if 0 < report_id < 2**63 else None
    if report is None or not (
        scope.contains(report.region_code) or (report.region_code is None and _sees_unrouted(scope))
    ):
        raise DomainError("error.not_found", Kind.NOT_FOUND)
    return report


@dataclass(frozen=True)
class OfficeList:
    rows: list[Report]
    alerts: list[Alert]
    late: int


async def office_list(
    session: AsyncSession, scope: RegionScope, now: datetime, status: str = "", overdue: bool = False
) -> OfficeList:
    """The reports of the region (urgent first, then by deadline), its latest urgent alerts and how
    many visits are late."""
    stmt = select(Report).where(
        or_(
            scope.where(Report.region_code), Report.region_code.is_(None) if _sees_unrouted(scope) else False
        ),
        Report.status != rules.Status.MERGED,
    )
    if status:
        stmt = stmt.where(Report.status == status)
    if overdue:
        stmt = stmt.where(Report.status.in_(tuple(rules.AWAITING_VISIT)), Report.visit_due_at < now)
    rows = await session.scalars(stmt.order_by(Report.urgent.desc(), Report.visit_due_at).limit(200))
    alerts = await session.scalars(
        select(Alert).where(scope.where(Alert.region_code)).order_by(Alert.id.desc()).limit(20)
    )
    late = await session.scalar(
        select(func.count()).where(
            scope.where(Report.region_code),
            Report.status.in_(tuple(rules.AWAITING_VISIT)),
            Report.visit_due_at < now,
        )
    )
    return OfficeList(list(rows), list(alerts), late or 0)


async def map_data(
    session: AsyncSession, scope: RegionScope
) -> tuple[list[CommunityArea], list[Report], dict[str, str]]:
    """The region's community outlines, its placed reports and the region names."""
    areas = await session.scalars(select(CommunityArea).where(scope.where(CommunityArea.region_code)))
    reports = await session.scalars(
        select(Report).where(
            scope.where(Report.region_code), Report.status != rules.Status.MERGED, Report.lat.is_not(None)
        )
    )
    names = {r.code: r.name for r in await regions.regions(session, scope=scope)}
    return list(areas), list(reports), names


async def visitors(session: AsyncSession, scope: RegionScope) -> list[Staff]:
    """Who is sent on a visit: the active community workers of the region."""
    return list(
        await session.scalars(
            select(Staff).where(
                scope.where(Staff.region_code),
                Staff.role == Role.COMMUNITY_WORKER,
                Staff.active.is_(True),
            )
        )
    )


async def communities(session: AsyncSession, scope: RegionScope) -> list[Region]:
    return await regions.regions(session, level="community", scope=scope)


async def merged_into(session: AsyncSession, report: Report) -> list[Report]:
    return list(await session.scalars(select(Report).where(Report.merged_into_id == report.id)))


async def region_name(session: AsyncSession, code: str | None) -> str | None:
    return (await regions.names(session, [code])).get(code) if code else None
