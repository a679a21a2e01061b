"""Citizen sign-in (mobile number + one-time code), real-name binding, the dev SMS outbox."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import citizens
from server.accounts.auth import citizen_guard, provide_citizen, start_session
from server.accounts.models import Citizen, SmsOutbox
from server.accounts.otp import normalise_phone
from server.audit.service import Actor
from server.settings import Settings
from server.web import Form, client_ip, page


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/me"


class CitizenAccountController(Controller):
    path = "/"
    tags = ["citizen accounts"]

    @get("/login")
    async def login_form(self, request: Request, next: str | None = None) -> Template:
        return page(request, "pwa/login.html", step="phone", next=_safe_next(next), phone="")

    @post("/login/code")
    async def send_code(
        self, request: Request, data: Form, db_session: AsyncSession, settings: Settings
    ) -> Template:
        raw, nxt = str(data.get("phone", "")), _safe_next(data.get("next"))
        phone = normalise_phone(raw)
        if phone is None:
            return Template(
                "pwa/login.html",
                context=dict(step="phone", next=nxt, phone=raw, error="otp.phone"),
                status_code=422,
            )
        try:
            await citizens.request_code(
                db_session, request.app.state.sms, settings.secret_key, phone, client_ip(request)
            )
        except citizens.CitizenError as e:
            # "wait" still lets the person type the code they already have
            step = "code" if e.code == "otp.wait" else "phone"
            return Template(
                "pwa/login.html",
                context=dict(step=step, next=nxt, phone=phone, error=e.code),
                status_code=e.status,
            )
        return page(request, "pwa/login.html", step="code", next=nxt, phone=phone)

    @post("/login/verify")
    async def verify(
        self, request: Request, data: Form, db_session: AsyncSession, settings: Settings, actor: Actor
    ) -> Template | Redirect:
        phone, code, nxt = (
            normalise_phone(str(data.get("phone", ""))),
            str(data.get("code", "")).strip(),
            _safe_next(data.get("next")),
        )
        ctx = dict(step="code", next=nxt, phone=phone or "")
        if phone is None:
            return Template(
                "pwa/login.html", context={**ctx, "step": "phone", "error": "otp.phone"}, status_code=422
            )
        if not (len(code) == 6 and code.isdigit()):
            return Template("pwa/login.html", context={**ctx, "error": "otp.format"}, status_code=422)
        try:
            citizen = await citizens.verify_code(db_session, settings.secret_key, phone, code, actor)
        except citizens.CitizenError as e:
            await db_session.commit()  # the failed attempt must count
            return Template("pwa/login.html", context={**ctx, "error": e.code}, status_code=e.status)
        start_session(request, {"kind": "citizen", "id": citizen.id})
        return Redirect(nxt, status_code=303)

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/", status_code=303)

    @get("/me", guards=[citizen_guard], dependencies={"citizen": provide_citizen})
    async def me(self, request: Request, citizen: Citizen) -> Template:
        return page(request, "pwa/me.html", citizen=citizen, phone=citizens.mask_phone(citizen.phone))

    @post("/me/identity", guards=[citizen_guard], dependencies={"citizen": provide_citizen})
    async def bind(
        self,
        request: Request,
        data: Form,
        citizen: Citizen,
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        name, raw_id = str(data.get("name", "")), str(data.get("id_number", ""))
        try:
            await citizens.bind_identity(db_session, settings.secret_key, citizen, name, raw_id, actor)
        except citizens.CitizenError as e:
            return Template(
                "pwa/me.html",
                context=dict(
                    citizen=citizen,
                    phone=citizens.mask_phone(citizen.phone),
                    error=e.code,
                    form_name=name,
                    form_id=raw_id,
                ),
                status_code=e.status,
            )
        return Redirect("/me?bound=1", status_code=303)

    @get("/dev/outbox")
    async def outbox(self, request: Request, db_session: AsyncSession, settings: Settings) -> Template:
        if settings.production:
            raise NotFoundException(detail="error.not_found")
        rows = await db_session.scalars(select(SmsOutbox).order_by(SmsOutbox.id.desc()).limit(50))
        return page(request, "pwa/outbox.html", messages=list(rows))
