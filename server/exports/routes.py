"""The back office of bulk exports: ask for one (from the page of what it holds), my exports with
their download button, and the exports of the region waiting for a second person's decision.
Thin: reads through ``queries``, writes (audited) through ``service``."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.audit.service import Actor
from server.exports import forms, queries, rules, service
from server.exports.models import ExportRequest
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import FormOf, page

PRIVATE = {"cache-control": "private, no-store"}


def _to(request: Request, name: str, **params) -> Redirect:
    return Redirect(request.app.route_reverse(f"exports:{name}", **params), status_code=303)


def _labels() -> dict:
    return {
        "kinds": rules.KINDS,
        "statuses": rules.STATUS_LABELS,
        "formats": rules.FORMAT_LABELS,
    }


class ExportsOfficeController(Controller):
    path = "/office/exports"
    guards = [staff_guard]

    @get("/", name="exports:mine", opt={"permission": P.OFFICE_USE})
    async def mine(self, request: Request, db_session: AsyncSession, actor: Actor) -> Template:
        return page(
            request, "exports/office/mine.html", rows=await queries.mine(db_session, actor.id), **_labels()
        )

    @post("/", name="exports:ask", opt={"permission": P.OFFICE_USE})
    async def ask(
        self,
        request: Request,
        data: FormOf[forms.AskForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
    ) -> Redirect:
        await service.ask(
            db_session,
            actor,
            region_scope,
            settings,
            kind=data.kind,
            subject=data.subject,
            fmt=data.format,
            reason=data.reason,
        )
        return _to(request, "mine")

    @get("/approvals", name="exports:approvals", opt={"permission": P.EXPORTS_APPROVE})
    async def approvals(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Template:
        return page(
            request,
            "exports/office/approvals.html",
            rows=await queries.waiting(db_session, region_scope, actor.id),
            done=await queries.decided(db_session, region_scope, actor.id),
            fields=(forms.DECISION_FIELD, forms.OPINION_FIELD),
            **_labels(),
        )

    @post("/{export_id:int}/decide", name="exports:decide", opt={"permission": P.EXPORTS_APPROVE})
    async def decide(
        self,
        request: Request,
        export_id: int,
        data: FormOf[forms.DecisionForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
    ) -> Redirect:
        export = await region_scope.get(db_session, ExportRequest, export_id)
        await service.decide(
            db_session, actor, region_scope, settings, export, approve=data.approve, opinion=data.opinion
        )
        return _to(request, "approvals")

    @post("/{export_id:int}/cancel", name="exports:cancel", opt={"permission": P.OFFICE_USE})
    async def cancel(
        self, request: Request, export_id: int, db_session: AsyncSession, actor: Actor
    ) -> Redirect:
        await service.cancel(db_session, actor, await queries.get(db_session, export_id))
        return _to(request, "mine")

    @post(
        "/{export_id:int}/download",
        name="exports:download",
        status_code=200,
        opt={"permission": P.OFFICE_USE},
    )
    async def download(
        self,
        export_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Response:
        export = await queries.get(db_session, export_id)
        built = await service.download(db_session, actor, region_scope, settings, export, today)
        return Response(
            built.data,
            media_type=built.media_type,
            headers={**PRIVATE, "content-disposition": f'attachment; filename="{built.filename}"'},
        )
