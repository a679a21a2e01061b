"""Reporting a person in need (public, no sign-in needed), following it up, and the staff work."""

from __future__ import annotations

import secrets

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.models import Staff
from server.accounts.permissions import P
from server.audit.service import Actor
from server.db import utcnow
from server.discovery import forms, maps, queries, rules, service
from server.discovery.forms import AssignForm, ReportForm, SpamForm, VisitForm
from server.errors import DomainError, Kind
from server.images import ImageRefused
from server.privacy import notice as privacy_notice
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import FormOf, UploadOf, client_ip, error_response, page, session_of, status_of

DEVICE = "huimin_device"
PHOTO_ATTRS = {"accept": forms.PHOTO_TYPES}


def _report_page(values: dict, errors: dict, status_code: int = 200) -> Template:
    return Template(
        "discovery/report.html",
        context=dict(
            fields=forms.REPORT_FIELDS,
            values=values,
            errors=errors,
            photo_attrs=PHOTO_ATTRS,
            notice=privacy_notice,
        ),
        status_code=status_code,
    )


class ReportController(Controller):
    path = "/report"

    @get("/", name="discovery:report")
    async def form(self, request: Request) -> Response:
        template = _report_page({}, {})
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

    @post("/", name="discovery:submit")
    async def submit(
        self,
        request: Request,
        data: UploadOf[ReportForm],
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        raw = await data.photo.read() if data.photo else b""
        citizen = session_of(request)
        try:
            report = await service.file_report(
                db_session,
                actor,
                settings,
                draft=data.clean(),
                photo=raw or None,
                device=request.cookies.get(DEVICE) or f"ip:{client_ip(request)}",
                client_ip=client_ip(request),
                citizen_id=citizen.get("id") if citizen.get("kind") == "citizen" else None,
                notice_version=privacy_notice.read_version(data.notice),
            )
        except DomainError as e:
            await db_session.rollback()
            return _report_page(data.values(), {e.field or "": e.code}, status_of(e))
        except ImageRefused as e:
            await db_session.rollback()
            return _report_page(data.values(), {"photo": e.code}, 422)
        target = request.app.route_reverse("discovery:follow", reference=report.reference)
        return Redirect(f"{target}?new=1", status_code=303)

    @get("/{reference:str}", name="discovery:follow")
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
        template = page(
            request,
            "discovery/follow.html",
            report=report,
            reference=rules.normalise_reference(reference)[:20],
            region_name=await queries.region_name(db_session, report.region_code),
            decisions=rules.DECISIONS,
        )
        template.headers["cache-control"] = "private, no-store"
        return template


class DiscoveryOfficeController(Controller):
    path = "/office/discovery"
    guards = [staff_guard]

    @get("/", opt={"permission": P.DISCOVERY_READ}, name="discovery:office")
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        status: str = "",
        overdue: bool = False,
    ) -> Template:
        now = utcnow()
        found = await queries.office_list(db_session, region_scope, now, status, overdue)
        return page(
            request,
            "discovery/office/list.html",
            "discovery/office/_table.html",
            push_url=str(request.url),
            rows=found.rows,
            alerts=found.alerts,
            late=found.late,
            now=now,
            situations=rules.SITUATIONS,
            statuses=rules.LIST_FILTERS,
            is_overdue=service.overdue,
            filters={"status": status, "overdue": overdue},
        )

    @get("/map", opt={"permission": P.DISCOVERY_READ}, name="discovery:map")
    async def map(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        areas, reports, names = await queries.map_data(db_session, region_scope)
        return page(
            request, "discovery/office/map.html", svg=maps.svg(areas, reports, names), reports=reports
        )

    @get("/{report_id:int}", opt={"permission": P.DISCOVERY_READ}, name="discovery:detail")
    async def detail(
        self, request: Request, report_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        report = await queries.scoped(db_session, region_scope, report_id)
        workers = {str(w.id): w.display_name for w in await queries.visitors(db_session, region_scope)}
        communities = {c.code: c.name for c in await queries.communities(db_session, region_scope)}
        # the pickers start at the report's community and worker, else at the first of each
        assign_values = {
            "region_code": report.region_code or next(iter(communities), ""),
            "assignee_id": str(report.assignee_id or next(iter(workers), "")),
        }
        return page(
            request,
            "discovery/office/detail.html",
            report=report,
            workers=workers,
            communities=communities,
            assign_values=assign_values,
            visit_values={"decision": "application", "benefit": "dibao", "address": report.place or ""},
            merged=await queries.merged_into(db_session, report),
            situations=rules.SITUATIONS,
            decisions=rules.DECISIONS,
            awaiting_visit=report.status in rules.AWAITING_VISIT,
            overdue=service.overdue(report, utcnow()),
            forms=forms,
            photo_attrs=PHOTO_ATTRS,
        )

    @get("/{report_id:int}/photo", opt={"permission": P.DISCOVERY_READ}, name="discovery:photo")
    async def photo(
        self, report_id: int, db_session: AsyncSession, region_scope: RegionScope, settings: Settings
    ) -> Response:
        report = await queries.scoped(db_session, region_scope, report_id)
        if not report.photo_name:
            raise NotFoundException(detail="error.not_found")
        return _jpeg(service.photo_bytes(settings, report.photo_name))

    @post("/{report_id:int}/assign", opt={"permission": P.DISCOVERY_ASSIGN}, name="discovery:assign")
    async def assign(
        self,
        request: Request,
        report_id: int,
        data: FormOf[AssignForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        report = await queries.scoped(db_session, region_scope, report_id)
        region = data.region_code or None
        if region:
            region_scope.ensure(region)
        assignee = data.assignee_id
        worker = await region_scope.get(db_session, Staff, int(assignee) if assignee.isdigit() else 0)
        await service.assign(db_session, actor, report, worker.id, region)
        return _to_detail(request, report_id)

    @post("/{report_id:int}/visit", opt={"permission": P.DISCOVERY_VISIT}, name="discovery:visit")
    async def visit(
        self,
        request: Request,
        report_id: int,
        data: UploadOf[VisitForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
    ) -> Redirect:
        report = await queries.scoped(db_session, region_scope, report_id)
        raw = await data.photo.read() if data.photo else b""
        if raw:
            try:
                service.add_visit_photo(settings, report, raw)
            except ImageRefused as e:
                raise DomainError(e.code, Kind.INVALID, field="photo") from None
        await service.record_visit(
            db_session,
            actor,
            settings.secret_key,
            report,
            findings=data.findings,
            decision=data.decision,
            note=data.note,
            benefit=data.benefit or "dibao",
            id_number=data.id_number or None,
            address=data.address or None,
            phone=data.phone or None,
        )
        return _to_detail(request, report_id)

    @get(
        "/{report_id:int}/visit-photo/{n:int}",
        opt={"permission": P.DISCOVERY_READ},
        name="discovery:visit_photo",
    )
    async def visit_photo(
        self, report_id: int, n: int, db_session: AsyncSession, region_scope: RegionScope, settings: Settings
    ) -> Response:
        report = await queries.scoped(db_session, region_scope, report_id)
        names = report.visit_photos or []
        if not 0 <= n < len(names):
            raise NotFoundException(detail="error.not_found")
        return _jpeg(service.photo_bytes(settings, names[n]))

    @post("/{report_id:int}/spam", opt={"permission": P.DISCOVERY_SPAM}, name="discovery:spam")
    async def spam(
        self,
        request: Request,
        report_id: int,
        data: FormOf[SpamForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        report = await queries.scoped(db_session, region_scope, report_id)
        await service.flag_spam(db_session, actor, report, data.reason)
        return Redirect(request.app.route_reverse("discovery:office"), status_code=303)


def _to_detail(request: Request, report_id: int) -> Redirect:
    return Redirect(request.app.route_reverse("discovery:detail", report_id=report_id), status_code=303)


def _jpeg(data: bytes) -> Response:
    return Response(data, media_type="image/jpeg", headers={"cache-control": "private, no-store"})
