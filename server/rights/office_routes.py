"""The back office's queue of data-rights requests: the person's region only, overdue ones
flagged; reading needs PRIVACY_REQUESTS_READ, answering PRIVACY_REQUESTS_HANDLE."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.audit.service import Actor
from server.errors import DomainError
from server.regions.scope import RegionScope
from server.rights import forms, queries, rules, service
from server.web import FormOf, page, status_of


async def _detail(
    request: Request,
    db_session: AsyncSession,
    region_scope: RegionScope,
    request_id: int,
    today: date,
    values: dict | None = None,
    errors: dict | None = None,
    status_code: int = 200,
) -> Template:
    item = await queries.one(db_session, region_scope, request_id)
    return Template(
        "rights/office/detail.html",
        context=dict(
            item=item,
            overdue=rules.is_overdue(item.status, item.due_on, today),
            open=item.status in rules.OPEN,
            about_label=rules.ABOUT_KINDS.get((rules.parse_about(item.about) or ("", ""))[0]),
            fields=forms.HANDLE_FIELDS,
            values=values or {},
            errors=errors or {},
        ),
        status_code=status_code,
        headers={"cache-control": "private, no-store"},
    )


class RightsOfficeController(Controller):
    path = "/office/rights"
    guards = [staff_guard]

    @get("/", name="rights:office", opt={"permission": P.PRIVACY_REQUESTS_READ})
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
        status: str = "",
        overdue: bool = False,
    ) -> Template:
        rows = await queries.queue(db_session, region_scope, today, status, overdue)
        template = page(
            request,
            "rights/office/list.html",
            rows=rows,
            filter_field=forms.STATUS_FILTER,
            filters={"status": status, "overdue": overdue},
        )
        template.headers["cache-control"] = "private, no-store"
        return template

    @get("/{request_id:int}", name="rights:office_request", opt={"permission": P.PRIVACY_REQUESTS_READ})
    async def detail(
        self,
        request: Request,
        request_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
    ) -> Template:
        return await _detail(request, db_session, region_scope, request_id, today)

    @post("/{request_id:int}", name="rights:handle", opt={"permission": P.PRIVACY_REQUESTS_HANDLE})
    async def handle(
        self,
        request: Request,
        request_id: int,
        data: FormOf[forms.HandleForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Template | Redirect:
        item = await queries.one(db_session, region_scope, request_id)
        try:
            await service.handle(db_session, actor, item, data.action, data.answer)
        except DomainError as e:
            await db_session.rollback()
            return await _detail(
                request,
                db_session,
                region_scope,
                request_id,
                today,
                data.values(),
                {e.field or "action": e.code},
                status_of(e),
            )
        target = request.app.route_reverse("rights:office_request", request_id=request_id)
        return Redirect(f"{target}?done=1", status_code=303)
