"""The citizen's side: ``/me/data`` (what the platform holds, who looked at it, downloads), requests
about their information, and cancelling the account. Only the signed-in account's own records."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import citizen_guard, provide_citizen
from server.accounts.models import Citizen
from server.assistance.calc import BENEFITS
from server.audit.service import Actor
from server.db import utcnow
from server.errors import DomainError
from server.forms import ticked
from server.rights import export_service, forms, i18n, rules, service
from server.web import FormOf, page, status_of


async def _download(session: AsyncSession, citizen: Citizen, actor: Actor, today: date, fmt: str) -> Response:
    """The citizen's copy of everything held about them, as JSON or PDF; the download is audited."""
    data = await export_service.everything(session, citizen, today)
    body = export_service.as_json(data, utcnow()) if fmt == "json" else export_service.as_pdf(data, utcnow())
    await export_service.record_download(session, actor, citizen, fmt)
    return Response(
        body,
        media_type="application/json" if fmt == "json" else "application/pdf",
        headers={"content-disposition": f'attachment; filename="huimin-my-data.{fmt}"'},
    )


def _request_page(
    request: Request, values: dict, errors: dict, about_label: str | None, status_code: int = 200
) -> Template:
    return Template(
        "rights/request.html",
        context=dict(fields=forms.REQUEST_FIELDS, values=values, errors=errors, about_label=about_label),
        status_code=status_code,
    )


def _about_label(about: str | None) -> str | None:
    parsed = rules.parse_about(about)
    return rules.ABOUT_KINDS[parsed[0]] if parsed else None


class RightsController(Controller):
    path = "/me"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/data", name="rights:data")
    async def data(
        self, request: Request, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template:
        held = await export_service.everything(db_session, citizen, today)
        template = page(
            request,
            "rights/data.html",
            data=held,
            sections=i18n.SECTIONS,
            benefits=BENEFITS,
            today=today,
            is_overdue=rules.is_overdue,
            proven=held["person"] is not None,
            what_labels=i18n.WHAT,
            actor_labels=i18n.ACTOR_KINDS,
        )
        return template

    @get("/data/download.json", name="rights:json")
    async def download_json(
        self, db_session: AsyncSession, citizen: Citizen, actor: Actor, today: date
    ) -> Response:
        return await _download(db_session, citizen, actor, today, "json")

    @get("/data/download.pdf", name="rights:pdf")
    async def download_pdf(
        self, db_session: AsyncSession, citizen: Citizen, actor: Actor, today: date
    ) -> Response:
        return await _download(db_session, citizen, actor, today, "pdf")

    @get("/data/requests/new", name="rights:new_request")
    async def new_request(self, request: Request, kind: str = "", about: str = "") -> Template:
        about = about if rules.parse_about(about) else ""
        kind = kind if kind in set(rules.RequestKind) else ("explanation" if about else "")
        values = {"kind": kind, "description": "", "about": about}
        return _request_page(request, values, {}, _about_label(about))

    @post("/data/requests", name="rights:request")
    async def make_request(
        self,
        request: Request,
        data: FormOf[forms.RequestForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Template | Redirect:
        try:
            made = await service.file_request(
                db_session,
                actor,
                citizen,
                kind=data.kind,
                description=data.description,
                about=data.about or None,
                today=today,
            )
        except DomainError as e:
            await db_session.rollback()
            return _request_page(
                request, data.values(), {e.field or "": e.code}, _about_label(data.about), status_of(e)
            )
        target = request.app.route_reverse("rights:data")
        return Redirect(f"{target}?sent={made.reference}#requests", status_code=303)

    @get("/cancel", name="rights:cancel_form")
    async def cancel_form(self, request: Request) -> Template:
        return Template("rights/cancel.html", context=dict(field=forms.CONFIRM, errors={}))

    @post("/cancel", name="rights:cancel")
    async def cancel(
        self,
        request: Request,
        data: FormOf[forms.CancelForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
    ) -> Template | Redirect:
        if not ticked(data.confirm):
            return Template(
                "rights/cancel.html",
                context=dict(field=forms.CONFIRM, errors={"confirm": "rights.confirm"}),
                status_code=422,
            )
        await service.cancel_account(db_session, actor, citizen)
        request.clear_session()
        return Redirect("/?cancelled=1", status_code=303)
