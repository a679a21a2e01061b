"""Reporting a person in need (public, no sign-in needed), following it up, and the staff work."""

from __future__ import annotations

import secrets

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.models import Staff
from server.accounts.permissions import P, Role
from server.audit.service import Actor
from server.db import utcnow
from server.discovery import maps, rules, service
from server.discovery.models import Alert, CommunityArea, Report
from server.errors import DomainError, Kind
from server.images import ImageRefused
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import (
    Form,
    Upload,
    client_ip,
    error_response,
    page,
    session_of,
)

DEVICE = "huimin_device"


class ReportController(Controller):
    path = "/report"

    @get("/")
    async def form(self, request: Request) -> Response:
        template = page(request, "discovery/report.html", situations=rules.SITUATIONS, values={}, error=None)
        if not request.cookies.get(DEVICE):
            template.cookies.append(
                Cookie(
                    key=DEVICE,
                    value=secrets.token_hex(12),
                    max_age=3600 * 24 * 365,
                    httponly=True,
                    samesite="lax",
                )
            )
        return template

    @post("/")
    async def submit(
        self, request: Request, data: Upload, db_session: AsyncSession, settings: Settings, actor: Actor
    ) -> Template | Redirect:
        photo = data.get("photo")
        raw = await photo.read() if hasattr(photo, "read") else b""
        form = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        citizen = session_of(request)
        device = request.cookies.get(DEVICE) or f"ip:{client_ip(request)}"
        try:
            report = await service.file_report(
                db_session,
                actor,
                settings,
                form=form,
                photo=raw or None,
                device=device,
                client_ip=client_ip(request),
                citizen_id=citizen.get("id") if citizen.get("kind") == "citizen" else None,
            )
        except (service.ReportError, ImageRefused) as e:
            await db_session.rollback()
            return Template(
                "discovery/report.html",
                context=dict(situations=rules.SITUATIONS, values=form, error=e.code),
                status_code=getattr(e, "status", 422),
            )
        return Redirect(f"/report/{report.reference}?new=1", status_code=303)

    @get("/{reference:str}")
    async def follow(self, request: Request, reference: str, db_session: AsyncSession) -> Response:
        """Public, by reference only: limited per address (see ``service.limited_follow_up``)."""
        try:
            report = await service.limited_follow_up(db_session, reference, client_ip(request))
        except service.LookupRefused as e:
            refused = error_response(request, 429, e.code)
            refused.headers["retry-after"] = str(e.retry_after)
            return refused
        if report is None:
            raise NotFoundException(detail="error.not_found")
        region = await db_session.get(Region, report.region_code) if report.region_code else None
        template = page(
            request,
            "discovery/follow.html",
            report=report,
            reference=rules.normalise_reference(reference)[:20],
            region=region,
            decisions=rules.DECISIONS,
        )
        template.headers["cache-control"] = "private, no-store"
        return template


class DiscoveryOfficeController(Controller):
    path = "/office/discovery"
    guards = [staff_guard]

    @get("/", opt={"permission": P.DISCOVERY_READ})
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        status: str = "",
        overdue: bool = False,
    ) -> Template:
        now = utcnow()
        stmt = select(Report).where(
            or_(
                region_scope.where(Report.region_code),
                Report.region_code.is_(None) if len(region_scope.code) == 6 else False,
            )
        )
        stmt = stmt.where(Report.status != "merged")
        if status:
            stmt = stmt.where(Report.status == status)
        if overdue:
            stmt = stmt.where(Report.status.in_(("new", "assigned")), Report.visit_due_at < now)
        rows = list(
            await db_session.scalars(stmt.order_by(Report.urgent.desc(), Report.visit_due_at).limit(200))
        )
        alerts = list(
            await db_session.scalars(
                select(Alert).where(region_scope.where(Alert.region_code)).order_by(Alert.id.desc()).limit(20)
            )
        )
        late = await db_session.scalar(
            select(func.count()).where(
                region_scope.where(Report.region_code),
                Report.status.in_(("new", "assigned")),
                Report.visit_due_at < now,
            )
        )
        return page(
            request,
            "discovery/office_list.html",
            "discovery/_office_table.html",
            push_url=str(request.url),
            rows=rows,
            alerts=alerts,
            late=late,
            now=now,
            situations=rules.SITUATIONS,
            is_overdue=service.overdue,
            filters={"status": status, "overdue": overdue},
        )

    @get("/map", opt={"permission": P.DISCOVERY_READ})
    async def map(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        areas = list(
            await db_session.scalars(
                select(CommunityArea).where(region_scope.where(CommunityArea.region_code))
            )
        )
        reports = list(
            await db_session.scalars(
                select(Report).where(
                    region_scope.where(Report.region_code), Report.status != "merged", Report.lat.is_not(None)
                )
            )
        )
        names = {
            r.code: r.name
            for r in await db_session.scalars(select(Region).where(region_scope.where(Region.code)))
        }
        return page(request, "discovery/map.html", svg=maps.svg(areas, reports, names), reports=reports)

    @get("/{report_id:int}", opt={"permission": P.DISCOVERY_READ})
    async def detail(
        self, request: Request, report_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        report = await _scoped(db_session, region_scope, report_id)
        workers = list(
            await db_session.scalars(
                select(Staff).where(
                    region_scope.where(Staff.region_code),
                    Staff.role == Role.COMMUNITY_WORKER,
                    Staff.active.is_(True),
                )
            )
        )
        communities = list(
            await db_session.scalars(
                select(Region).where(region_scope.where(Region.code), Region.level == "community")
            )
        )
        merged = list(await db_session.scalars(select(Report).where(Report.merged_into_id == report.id)))
        return page(
            request,
            "discovery/office_detail.html",
            report=report,
            workers=workers,
            communities=communities,
            merged=merged,
            situations=rules.SITUATIONS,
            decisions=rules.DECISIONS,
            overdue=service.overdue(report, utcnow()),
        )

    @get("/{report_id:int}/photo", opt={"permission": P.DISCOVERY_READ})
    async def photo(
        self, report_id: int, db_session: AsyncSession, region_scope: RegionScope, settings: Settings
    ) -> Response:
        report = await _scoped(db_session, region_scope, report_id)
        if not report.photo_name:
            raise NotFoundException(detail="error.not_found")
        data = (settings.var_dir / "uploads" / "discovery" / report.photo_name).read_bytes()
        return Response(data, media_type="image/jpeg", headers={"cache-control": "private, no-store"})

    @post("/{report_id:int}/assign", opt={"permission": P.DISCOVERY_ASSIGN})
    async def assign(
        self, report_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        report = await _scoped(db_session, region_scope, report_id)
        region = str(data.get("region_code") or "") or None
        if region:
            region_scope.ensure(region)
        assignee = str(data.get("assignee_id") or "")
        worker = await region_scope.get(db_session, Staff, int(assignee) if assignee.isdigit() else 0)
        await service.assign(db_session, actor, report, worker.id, region)
        return Redirect(f"/office/discovery/{report_id}", status_code=303)

    @post("/{report_id:int}/visit", opt={"permission": P.DISCOVERY_VISIT})
    async def visit(
        self,
        report_id: int,
        data: Upload,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
    ) -> Redirect:
        report = await _scoped(db_session, region_scope, report_id)
        photo = data.get("photo")
        raw = await photo.read() if hasattr(photo, "read") else b""
        if raw:
            try:
                service.add_visit_photo(settings, report, raw)
            except ImageRefused as e:
                raise DomainError(e.code, Kind.INVALID) from None
        data = {k: v for k, v in data.items() if isinstance(v, str)}
        await service.record_visit(
            db_session,
            actor,
            settings.secret_key,
            report,
            findings=str(data.get("findings", "")),
            decision=str(data.get("decision", "")),
            note=str(data.get("note", "")),
            benefit=str(data.get("benefit") or "dibao"),
            id_number=str(data.get("id_number") or "") or None,
            address=str(data.get("address") or "") or None,
            phone=str(data.get("phone") or "") or None,
        )
        return Redirect(f"/office/discovery/{report_id}", status_code=303)

    @get("/{report_id:int}/visit-photo/{n:int}", opt={"permission": P.DISCOVERY_READ})
    async def visit_photo(
        self, report_id: int, n: int, db_session: AsyncSession, region_scope: RegionScope, settings: Settings
    ) -> Response:
        report = await _scoped(db_session, region_scope, report_id)
        names = report.visit_photos or []
        if not 0 <= n < len(names):
            raise NotFoundException(detail="error.not_found")
        data = (settings.var_dir / "uploads" / "discovery" / names[n]).read_bytes()
        return Response(data, media_type="image/jpeg", headers={"cache-control": "private, no-store"})

    @post("/{report_id:int}/spam", opt={"permission": P.DISCOVERY_SPAM})
    async def spam(
        self, report_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        report = await _scoped(db_session, region_scope, report_id)
        await service.flag_spam(db_session, actor, report, str(data.get("reason", "")))
        return Redirect("/office/discovery", status_code=303)


async def _scoped(session: AsyncSession, region_scope: RegionScope, report_id: int) -> Report:
    report = await session.get(Report, report_id) if 0 < report_id < 2**63 else None
    # an unrouted report belongs to the district and city level until someone routes it
    if report is None or not (
        region_scope.contains(report.region_code)
        or (report.region_code is None and len(region_scope.code) == 6)
    ):
        raise NotFoundException(detail="error.not_found")
    return report
