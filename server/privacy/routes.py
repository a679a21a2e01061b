"""The privacy notice (public), a citizen's consents (tasks and withdrawals), and a community
worker's page to record signed paper consent forms and withdrawals. Thin: reads through ``queries``,
writes through ``service``."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import citizen_guard, provide_citizen, staff_guard
from server.accounts.models import Citizen
from server.accounts.permissions import P
from server.audit.service import Actor
from server.errors import DomainError, Kind
from server.forms import ticked
from server.images import ImageRefused
from server.privacy import forms as f
from server.privacy import notice, queries, rules, service
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import FormOf, UploadOf, page


def _to(request: Request, name: str, query: str = "", **params) -> Redirect:
    return Redirect(request.app.route_reverse(name, **params) + query, status_code=303)


def notice_context(settings: Settings) -> dict:
    """What the notice templates read (the full notice and each service's short one)."""
    return dict(notice=notice, contact=settings.privacy_contact, retention=notice.RETENTION)


class NoticeController(Controller):
    path = "/privacy"

    @get("/", name="privacy:notice")
    async def show(self, request: Request, settings: Settings) -> Template:
        return page(request, "privacy/notice.html", **notice_context(settings))


class ConsentController(Controller):
    """A member's tasks: consent to the check of a family member's application, or withdraw it."""

    path = "/me/consents"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/", name="privacy:consents")
    async def tasks(
        self,
        request: Request,
        db_session: AsyncSession,
        citizen: Citizen,
        settings: Settings,
        today: date,
        done: str = "",
    ) -> Template:
        template = page(
            request,
            "privacy/consents.html",
            tasks=await queries.tasks_of(db_session, citizen.id_hash, today),
            bound=bool(citizen.id_hash),
            done=done,
            agree_field=f.MEMBER_AGREE_FIELD,
            withdraw_field=f.WITHDRAW_FIELD,
            basis_labels=rules.BASIS_LABELS,
            **notice_context(settings),
        )
        template.headers["cache-control"] = "private, no-store"
        return template

    @post("/{request_id:int}/agree", name="privacy:agree")
    async def agree(
        self,
        request: Request,
        request_id: int,
        data: FormOf[f.AgreeForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Redirect:
        if not ticked(data.agree):
            raise DomainError("privacy.tick", Kind.INVALID, field="agree")
        await service.consent_as_member(db_session, actor, citizen, request_id, today)
        return _to(request, "privacy:consents", "?done=agreed")

    @post("/{request_id:int}/withdraw", name="privacy:withdraw")
    async def withdraw(
        self,
        request: Request,
        request_id: int,
        data: FormOf[f.WithdrawForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
    ) -> Redirect:
        if not ticked(data.confirm):
            raise DomainError("privacy.tick", Kind.INVALID, field="confirm")
        await service.withdraw_own(db_session, actor, citizen, request_id)
        return _to(request, "privacy:consents", "?done=withdrawn")


class PaperConsentController(Controller):
    """A community worker records signed paper forms (consent or withdrawal) for one application."""

    path = "/office/privacy/consents"
    guards = [staff_guard]

    @get("/{reference:str}", name="privacy:office_consents", opt={"permission": P.CONSENT_RECORD})
    async def show(
        self,
        request: Request,
        reference: str,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
    ) -> Template:
        requests = await queries.requests_for(db_session, region_scope, reference)
        if not requests:
            raise NotFoundException(detail="error.not_found")
        return self._page(
            request, reference, requests, await queries.state_of_requests(db_session, requests, today)
        )

    def _page(
        self,
        request: Request,
        reference: str,
        requests: list,
        state: queries.ConsentState,
        errors: dict | None = None,
        failed: int = 0,
        status: int = 200,
    ) -> Template:
        return Template(
            "privacy/office_consents.html",
            context=dict(
                reference=reference,
                requests=requests,
                state=state,
                missing_roles={
                    m.id_hash: [r for mm, r in state.missing if mm.id_hash == m.id_hash]
                    for m in state.members
                },
                role_labels=rules.ROLE_LABELS,
                basis_labels=rules.BASIS_LABELS,
                scan_field=f.SCAN_FIELD,
                paper_field=f.PAPER_FIELD,
                errors=errors or {},
                failed=failed,
            ),
            status_code=status,
        )

    @post(
        "/{reference:str}/{request_id:int}/paper",
        name="privacy:record_paper",
        opt={"permission": P.CONSENT_RECORD},
    )
    async def paper(
        self,
        request: Request,
        reference: str,
        request_id: int,
        data: UploadOf[f.PaperForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Template | Redirect:
        raw = await data.scan.read() if data.scan is not None else b""
        errors = {}
        if not ticked(data.agree):
            errors["agree"] = "privacy.tick"
        if not raw:
            errors["scan"] = "privacy.scan"
        if not errors:
            try:
                await service.record_paper(db_session, actor, settings, region_scope, request_id, raw)
                return _to(request, "privacy:office_consents", reference=reference)
            except ImageRefused as e:
                errors["scan"] = e.code
        requests = await queries.requests_for(db_session, region_scope, reference)
        if not requests:
            raise NotFoundException(detail="error.not_found")
        state = await queries.state_of_requests(db_session, requests, today)
        return self._page(request, reference, requests, state, errors, request_id, 422)

    @post(
        "/{reference:str}/{request_id:int}/withdraw",
        name="privacy:record_withdrawal",
        opt={"permission": P.CONSENT_RECORD},
    )
    async def withdraw(
        self,
        request: Request,
        reference: str,
        request_id: int,
        data: FormOf[f.WithdrawForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        if not ticked(data.confirm):
            raise DomainError("privacy.tick", Kind.INVALID, field="confirm")
        await service.record_paper_withdrawal(db_session, actor, region_scope, request_id)
        return _to(request, "privacy:office_consents", reference=reference)
