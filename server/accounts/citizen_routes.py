"""Citizen sign-in (mobile number + one-time code), real-name binding (checked against the register,
finished by a face match or a worker; disputes), the dev SMS outbox."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import citizen_service, identity_service, queries
from server.accounts.auth import citizen_guard, provide_citizen, start_session
from server.accounts.forms import BindForm, CodeForm, DisputeForm, PhoneForm
from server.accounts.models import Citizen
from server.audit.service import Actor
from server.errors import DomainError, Kind
from server.phones import normalise_phone
from server.settings import Settings
from server.survival.capture import challenge_json, frames_of
from server.survival.forms import CaptureUpload
from server.web import CLEAR_SITE_DATA, FormOf, UploadOf, client_ip, page, status_of


async def _me_page(
    request: Request,
    session: AsyncSession,
    citizen: Citizen,
    *,
    error: str | None = None,
    form_name: str = "",
    form_id: str = "",
    dispute_open: bool = False,
    status: int = 200,
) -> Template:
    claim = await identity_service.pending_claim(session, citizen)
    disputes = await queries.recent_disputes(session, citizen.id)
    return Template(
        "accounts/me.html",
        status_code=status,
        context=dict(
            citizen=citizen,
            phone=citizen_service.mask_phone(citizen.phone),
            claim=claim,
            disputes=disputes,
            face_ready=bool(claim and await identity_service.has_reference(session, claim.person_id)),
            error=error,
            form_name=form_name,
            form_id=form_id,
            dispute_open=dispute_open,
        ),
    )


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/me"


class CitizenAccountController(Controller):
    path = "/"
    tags = ["citizen accounts"]

    @get("/login", name="accounts:citizen_login")
    async def login_form(self, request: Request, next: str | None = None) -> Template:
        return page(request, "accounts/login.html", step="phone", next=_safe_next(next), phone="")

    @post("/login/code", name="accounts:send_code")
    async def send_code(
        self, request: Request, data: FormOf[PhoneForm], db_session: AsyncSession, settings: Settings
    ) -> Template:
        raw, nxt = data.phone, _safe_next(data.next)
        phone = normalise_phone(raw)
        if phone is None:
            return Template(
                "accounts/login.html",
                context=dict(step="phone", next=nxt, phone=raw, error="otp.phone"),
                status_code=422,
            )
        try:
            await citizen_service.request_code(
                db_session, request.app.state.sms, settings.secret_key, phone, client_ip(request)
            )
        except citizen_service.CitizenError as e:
            # "wait" still lets the person type the code they already have
            step = "code" if e.code == "otp.wait" else "phone"
            return Template(
                "accounts/login.html",
                context=dict(step=step, next=nxt, phone=phone, error=e.code),
                status_code=status_of(e),
            )
        return page(request, "accounts/login.html", step="code", next=nxt, phone=phone)

    @post("/login/verify", name="accounts:verify_code")
    async def verify(
        self,
        request: Request,
        data: FormOf[CodeForm],
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        phone, code, nxt = normalise_phone(data.phone), data.code.strip(), _safe_next(data.next)
        ctx = dict(step="code", next=nxt, phone=phone or "")
        if phone is None:
            return Template(
                "accounts/login.html", context={**ctx, "step": "phone", "error": "otp.phone"}, status_code=422
            )
        if not (len(code) == 6 and code.isdigit()):
            return Template("accounts/login.html", context={**ctx, "error": "otp.format"}, status_code=422)
        try:
            citizen = await citizen_service.verify_code(db_session, settings.secret_key, phone, code, actor)
        except citizen_service.CitizenError as e:
            await db_session.commit()  # the failed attempt must count
            return Template("accounts/login.html", context={**ctx, "error": e.code}, status_code=status_of(e))
        start_session(request, {"kind": "citizen", "id": citizen.id})
        return Redirect(nxt, status_code=303)

    @post("/logout", name="accounts:citizen_logout")
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/", status_code=303, headers=CLEAR_SITE_DATA)  # drafts and caches off the phone

    @get("/me", name="accounts:me", guards=[citizen_guard], dependencies={"citizen": provide_citizen})
    async def me(self, request: Request, citizen: Citizen, db_session: AsyncSession) -> Template:
        return await _me_page(
            request, db_session, citizen, dispute_open=bool(request.query_params.get("dispute"))
        )

    @post(
        "/me/identity",
        name="accounts:bind",
        guards=[citizen_guard],
        dependencies={"citizen": provide_citizen},
    )
    async def bind(
        self,
        request: Request,
        data: FormOf[BindForm],
        citizen: Citizen,
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        name, raw_id = data.name, data.id_number
        try:
            outcome, _ = await identity_service.bind(
                db_session, settings.secret_key, citizen, name, raw_id, actor
            )
        except citizen_service.CitizenError as e:
            await db_session.commit()  # the attempt counts against the daily limit
            # a number bound to another account: the real person goes straight to the dispute form
            return await _me_page(
                request,
                db_session,
                citizen,
                error=e.code,
                form_name=name,
                form_id=raw_id,
                dispute_open=e.code == "id.taken",
                status=status_of(e),
            )
        target = {"face": "/me/identity/face", "pending": "/me?pending=1"}.get(outcome, "/me?bound=1")
        return Redirect(target, status_code=303)

    @get(
        "/me/identity/face",
        name="accounts:face",
        guards=[citizen_guard],
        dependencies={"citizen": provide_citizen},
    )
    async def face(self, request: Request, citizen: Citizen, db_session: AsyncSession) -> Template:
        claim = await identity_service.pending_claim(db_session, citizen)
        if claim is None or not await identity_service.has_reference(db_session, claim.person_id):
            raise DomainError("identity.no_face", Kind.CONFLICT)
        return page(
            request,
            "survival/capture.html",
            layout="pwa/layout.html",
            person=None,
            challenge_url="/me/identity/challenge",
            check_url="/me/identity/check",
            back="/me",
        )

    @post("/me/identity/challenge", guards=[citizen_guard], dependencies={"citizen": provide_citizen})
    async def face_challenge(
        self, request: Request, citizen: Citizen, db_session: AsyncSession
    ) -> dict[str, Any]:
        nonce, actions = await identity_service.face_challenge(db_session, citizen)
        return challenge_json(request, nonce, actions)

    @post("/me/identity/check", guards=[citizen_guard], dependencies={"citizen": provide_citizen})
    async def face_check(
        self,
        request: Request,
        data: UploadOf[CaptureUpload],
        citizen: Citizen,
        db_session: AsyncSession,
        actor: Actor,
    ) -> dict[str, Any]:
        nonce, frames = await frames_of(data)
        outcome = await identity_service.face_submit(
            db_session,
            actor,
            citizen,
            nonce,
            frames,
            policy=getattr(request.app.state, "survival_policy", None),
        )
        url = "/me?bound=1" if outcome == "pass" else f"/me?face={outcome}"
        return {"decision": outcome, "status": "verified" if outcome == "pass" else "pending", "url": url}

    @post(
        "/me/identity/dispute",
        name="accounts:dispute",
        guards=[citizen_guard],
        dependencies={"citizen": provide_citizen},
    )
    async def dispute(
        self,
        request: Request,
        data: FormOf[DisputeForm],
        citizen: Citizen,
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        name, raw_id = data.name, data.id_number
        try:
            await identity_service.open_dispute(
                db_session, settings.secret_key, citizen, name, raw_id, data.statement, actor
            )
        except citizen_service.CitizenError as e:
            return await _me_page(
                request,
                db_session,
                citizen,
                error=e.code,
                form_name=name,
                form_id=raw_id,
                dispute_open=True,
                status=status_of(e),
            )
        return Redirect("/me?disputed=1", status_code=303)

    @get("/dev/outbox")
    async def outbox(self, request: Request, db_session: AsyncSession, settings: Settings) -> Template:
        if not settings.development:  # only with HUIMIN_ENV=development set explicitly
            raise NotFoundException(detail="error.not_found")
        return page(request, "accounts/outbox.html", messages=await queries.outbox(db_session))
