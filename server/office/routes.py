from __future__ import annotations

from datetime import timedelta

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.models import Staff
from server.accounts.permissions import P
from server.audit.models import AuditRecord
from server.db import utcnow
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.web import page


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


class OfficeController(Controller):
    path = "/office"
    guards = [staff_guard]

    @get("/", opt={"permission": P.OFFICE_USE})
    async def dashboard(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, region: str | None = None
    ) -> Template:
        current = await region_scope.narrow(db_session, region)
        return page(
            request,
            "office/dashboard.html",
            "office/_dashboard.html",
            push_url=str(request.url),
            region=await current.region(db_session, current.code),
            children=await current.children(db_session),
            trail=await breadcrumbs(db_session, region_scope, current.code),
            counts=await dashboard_counts(db_session, current),
        )

    @get("/regions/{code:str}", opt={"permission": P.OFFICE_USE})
    async def region(
        self, request: Request, code: str, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        region = await region_scope.region(db_session, code)
        return page(
            request,
            "office/region.html",
            region=region,
            children=await RegionScope(code).children(db_session),
            trail=await breadcrumbs(db_session, region_scope, code),
        )
