"""The back office's front page (工作台) and the region pages."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.office.queries import breadcrumbs, dashboard_counts
from server.regions.scope import RegionScope
from server.web import page


class OfficeController(Controller):
    path = "/office"
    guards = [staff_guard]

    @get("/", opt={"permission": P.OFFICE_USE}, name="office:dashboard")
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

    @get("/regions/{code:str}", opt={"permission": P.OFFICE_USE}, name="office:region")
    async def region(
        self, request: Request, code: str, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        region = await region_scope.region(db_session, code)
        return page(
            request,
            "accounts/office/region.html",
            region=region,
            children=await RegionScope(code).children(db_session),
            trail=await breadcrumbs(db_session, region_scope, code),
        )
