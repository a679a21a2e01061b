"""The back office's side of accounts: staff sign-in (password, optional TOTP), one's own account, staff
administration, and identity binding (claims waiting for a worker of the person's region to confirm in
person, disputes to resolve; every decision audited, staff see only their region's)."""

from __future__ import annotations

from typing import Any

import pyotp
import segno
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import identity_service, passwords, staff_service
from server.accounts.auth import provide_staff, staff_guard, start_session
from server.accounts.citizen_service import CitizenError, mask_phone
from server.accounts.models import ROLES, Citizen, IdentityClaim, IdentityDispute, Staff
from server.accounts.permissions import P, allows
from server.audit.service import Actor, record
from server.errors import DomainError
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import Form, page, status_of

PAGE_SIZE = 50
PUBLIC = {"public": "staff sign-in and sign-out"}  # the only office routes without a permission


def _next(target: Any) -> str:
    target = str(target or "")
    return target if target.startswith("/office") else "/office"


def _session_data(staff: Staff) -> dict:
    return {
        "kind": "staff",
        "id": staff.id,
        "role": staff.role,
        "region": staff.region_code,
        "name": staff.display_name,
        "ver": staff.session_version,
    }


def _end_other_sessions(request: Request, staff: Staff) -> None:
    """After the account holder changed their own password or second factor: the other
    sessions end, this one goes on under a fresh session id."""
    staff_service.end_sessions(staff)
    data = {k: v for k, v in request.session.items() if k != "totp_pending"}
    start_session(request, {**data, "ver": staff.session_version})


class StaffLoginController(Controller):
    path = "/office"
    tags = ["staff accounts"]

    @get("/login", opt=PUBLIC)
    async def login_form(self, request: Request, next: str | None = None) -> Template:
        return page(request, "office/login.html", step="password", next=_next(next))

    @post("/login", opt=PUBLIC)
    async def login(
        self, request: Request, data: Form, db_session: AsyncSession, settings: Settings, actor: Actor
    ) -> Template | Redirect:
        username, nxt = str(data.get("username", "")).strip(), _next(data.get("next"))
        try:
            staff = await staff_service.authenticate(
                db_session, settings.secret_key, username, str(data.get("password", "")), actor
            )
        except staff_service.StaffError as e:
            await db_session.commit()  # the failure counts toward the lockout
            ctx = dict(step="password", next=nxt, username=username, error=e.code)
            return Template("office/login.html", context=ctx, status_code=status_of(e))
        if staff.totp_enabled:
            request.set_session({"kind": "pending_totp", "id": staff.id})
            return page(request, "office/login.html", step="totp", next=nxt)
        await staff_service.signed_in(db_session, staff, actor)
        start_session(request, _session_data(staff))
        return Redirect(nxt, status_code=303)

    @post("/login/totp", opt=PUBLIC)
    async def login_totp(
        self, request: Request, data: Form, db_session: AsyncSession, settings: Settings, actor: Actor
    ) -> Template | Redirect:
        nxt = _next(data.get("next"))
        pending = request.session.get("kind") == "pending_totp" and isinstance(request.session.get("id"), int)
        staff = await db_session.get(Staff, request.session["id"]) if pending else None
        claim = await staff_service.claim_attempt(db_session, staff) if staff is not None else None
        if staff is None or claim is None:
            request.clear_session()
            code = "login.locked" if staff else "error.sign_in"
            return Template(
                "office/login.html",
                context=dict(step="password", next=nxt, error=code),
                status_code=429 if staff else 401,
            )
        code_ok = staff.active and await staff_service.use_totp(  # disabled meanwhile: like a wrong code
            db_session, settings.secret_key, staff, str(data.get("code", ""))
        )
        if not code_ok:
            await staff_service.attempt_failed(db_session, staff, claim, "staff.totp_failed", actor)
            await db_session.commit()
            if claim.locks:
                request.clear_session()
                return Template(
                    "office/login.html",
                    context=dict(step="password", next=nxt, error="login.locked"),
                    status_code=429,
                )
            return Template(
                "office/login.html",
                context=dict(step="totp", next=nxt, error="login.totp_bad"),
                status_code=401,
            )
        await staff_service.signed_in(db_session, staff, actor)
        start_session(request, _session_data(staff))
        return Redirect(nxt, status_code=303)

    @post("/logout", opt=PUBLIC)
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/office/login", status_code=303)


class AccountController(Controller):
    """The signed-in staff member's own account: two-step verification, password."""

    path = "/office/account"
    guards = [staff_guard]
    dependencies = {"me": provide_staff}

    @get("/", opt={"permission": P.OFFICE_USE})
    async def show(self, request: Request, me: Staff, saved: bool = False) -> Template:
        return page(request, "office/account.html", me=me, saved=saved)

    @post("/totp/start", opt={"permission": P.OFFICE_USE})
    async def totp_start(self, request: Request, me: Staff) -> Template:
        secret = pyotp.random_base32()
        request.session["totp_pending"] = secret
        uri = pyotp.TOTP(secret).provisioning_uri(name=me.username, issuer_name="Huimin")
        qr = segno.make(uri, error="m").svg_data_uri(scale=5)
        return page(request, "office/account.html", me=me, totp_secret=secret, totp_qr=qr)

    @post("/totp/confirm", opt={"permission": P.OFFICE_USE})
    async def totp_confirm(
        self,
        request: Request,
        data: Form,
        me: Staff,
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        secret = request.session.get("totp_pending")
        if not secret or not pyotp.TOTP(secret).verify(str(data.get("code", "")).strip(), valid_window=1):
            return Template(
                "office/account.html", context=dict(me=me, error="login.totp_bad"), status_code=422
            )
        staff_service.enable_totp(settings.secret_key, me, secret)
        _end_other_sessions(request, me)
        await record(db_session, actor, "staff.totp_enable", "staff", me.id, region_code=me.region_code)
        return Redirect("/office/account?saved=1", status_code=303)

    @post("/password", opt={"permission": P.OFFICE_USE})
    async def change_password(
        self, request: Request, data: Form, me: Staff, db_session: AsyncSession, actor: Actor
    ) -> Template | Redirect:
        new = str(data.get("new_password", ""))
        claim = await staff_service.claim_attempt(db_session, me)  # counted before the check, like sign-in
        if claim is None:
            return Template("office/account.html", context=dict(me=me, error="login.locked"), status_code=429)
        if not passwords.verify_password(me.password_hash, str(data.get("current_password", ""))):
            await staff_service.attempt_failed(db_session, me, claim, "staff.password_failed", actor)
            await db_session.commit()
            error, status = ("login.locked", 429) if claim.locks else ("login.bad", 422)
            return Template("office/account.html", context=dict(me=me, error=error), status_code=status)
        await staff_service.clear_failures(db_session, me)
        await db_session.commit()
        problem = passwords.password_problem(new)
        if problem:
            return Template("office/account.html", context=dict(me=me, error=problem), status_code=422)
        me.password_hash = passwords.hash_password(new)
        _end_other_sessions(request, me)
        await record(db_session, actor, "staff.password_change", "staff", me.id, region_code=me.region_code)
        return Redirect("/office/account?saved=1", status_code=303)


class StaffAdminController(Controller):
    """Administrators manage staff inside their own region's subtree."""

    path = "/office/users"
    guards = [staff_guard]

    @get("/", opt={"permission": P.STAFF_MANAGE})
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        q: str = "",
        page_no: int = 1,
    ) -> Template:
        stmt = (
            select(Staff, Region.name)
            .join(Region, Region.code == Staff.region_code)
            .where(region_scope.where(Staff.region_code))
        )
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.where(or_(Staff.username.like(like), Staff.display_name.like(like)))
        total = await db_session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = (
            await db_session.execute(
                stmt.order_by(Staff.region_code, Staff.username)
                .limit(PAGE_SIZE)
                .offset((max(page_no, 1) - 1) * PAGE_SIZE)
            )
        ).all()
        return page(
            request,
            "office/users.html",
            "office/_users_table.html",
            push_url=str(request.url),
            rows=rows,
            q=q,
            total=total,
            page_no=page_no,
            page_size=PAGE_SIZE,
        )

    async def _regions(self, db_session: AsyncSession, region_scope: RegionScope) -> list[Region]:
        return list(
            await db_session.scalars(
                select(Region).where(region_scope.where(Region.code)).order_by(Region.code)
            )
        )

    @get("/new", opt={"permission": P.STAFF_MANAGE})
    async def new(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        return page(
            request,
            "office/user_form.html",
            user=None,
            roles=ROLES,
            regions=await self._regions(db_session, region_scope),
            form={},
        )

    @post("/", opt={"permission": P.STAFF_MANAGE})
    async def create(
        self, request: Request, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Template | Redirect:
        region = region_scope.ensure(str(data.get("region_code", "")))
        try:
            staff = await staff_service.create_staff(
                db_session,
                actor,
                username=str(data.get("username", "")).strip(),
                display_name=str(data.get("display_name", "")),
                role=str(data.get("role", "")),
                region_code=region,
                password=str(data.get("password", "")),
            )
        except staff_service.StaffError as e:
            ctx = dict(
                user=None,
                roles=ROLES,
                regions=await self._regions(db_session, region_scope),
                form=data,
                error=e.code,
            )
            return Template("office/user_form.html", context=ctx, status_code=status_of(e))
        return Redirect(f"/office/users/{staff.id}", status_code=303)

    @get("/{user_id:int}", opt={"permission": P.STAFF_MANAGE})
    async def detail(
        self, request: Request, user_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        user = await region_scope.get(db_session, Staff, user_id)
        return page(
            request,
            "office/user_form.html",
            user=user,
            roles=ROLES,
            regions=await self._regions(db_session, region_scope),
            form={},
        )

    @post("/{user_id:int}", opt={"permission": P.STAFF_MANAGE})
    async def update(
        self,
        request: Request,
        user_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Template | Redirect:
        user = await region_scope.get(db_session, Staff, user_id)
        region = region_scope.ensure(str(data.get("region_code", user.region_code)))
        role, name = (
            str(data.get("role", user.role)),
            str(data.get("display_name", user.display_name)).strip(),
        )
        problem = staff_service.role_problem(role, region) or (None if name else "user.name")
        if problem:
            ctx = dict(
                user=user,
                roles=ROLES,
                regions=await self._regions(db_session, region_scope),
                form=data,
                error=problem,
            )
            return Template("office/user_form.html", context=ctx, status_code=422)
        before = staff_service.snapshot(user)
        user.display_name, user.role, user.region_code = name, role, region
        user.active = data.get("active") == "on"
        if staff_service.snapshot(user) != before:
            staff_service.end_sessions(user)  # what open sessions relied on has changed
        await record(
            db_session,
            actor,
            "staff.update",
            "staff",
            user.id,
            before=before,
            after=staff_service.snapshot(user),
            region_code=region,
        )
        return Redirect(f"/office/users/{user.id}?saved=1", status_code=303)

    @post("/{user_id:int}/unlock", opt={"permission": P.STAFF_MANAGE})
    async def unlock(
        self, user_id: int, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        user = await region_scope.get(db_session, Staff, user_id)
        user.failed_logins, user.locked_until = 0, None
        await record(db_session, actor, "staff.unlock", "staff", user.id, region_code=user.region_code)
        return Redirect(f"/office/users/{user.id}?saved=1", status_code=303)


class IdentityOfficeController(Controller):
    path = "/office/identity"
    guards = [staff_guard]
    opt = {"permission": P.IDENTITY_VIEW}

    @get("/")
    async def index(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        claims = (
            await db_session.execute(
                select(IdentityClaim, Citizen.phone)
                .join(Citizen, Citizen.id == IdentityClaim.citizen_id)
                .where(IdentityClaim.status == "pending", region_scope.where(IdentityClaim.region_code))
                .order_by(IdentityClaim.id)
                .limit(200)
            )
        ).all()
        hashes = {c.id_hash for c, _ in claims}
        rivals = (
            dict(
                (
                    await db_session.execute(
                        select(IdentityClaim.id_hash, func.count())
                        .where(IdentityClaim.status == "pending", IdentityClaim.id_hash.in_(hashes))
                        .group_by(IdentityClaim.id_hash)
                    )
                ).all()
            )
            if hashes
            else {}
        )
        disputes = list(
            await db_session.scalars(
                select(IdentityDispute)
                .where(IdentityDispute.status == "open", region_scope.where(IdentityDispute.region_code))
                .order_by(IdentityDispute.id)
                .limit(200)
            )
        )
        ids = {d.citizen_id for d in disputes} | {d.holder_id for d in disputes if d.holder_id}
        phones = (
            dict(
                (await db_session.execute(select(Citizen.id, Citizen.phone).where(Citizen.id.in_(ids)))).all()
            )
            if ids
            else {}
        )
        role = request.session.get("role")
        return page(
            request,
            "office/identity.html",
            claims=claims,
            rivals=rivals,
            disputes=disputes,
            phones=phones,
            mask_phone=mask_phone,
            may_confirm=allows(role, P.IDENTITY_CONFIRM),
            may_resolve=allows(role, P.IDENTITY_DISPUTE_RESOLVE),
            error=request.query_params.get("error"),
        )

    @post("/claims/{claim_id:int}", opt={"permission": P.IDENTITY_CONFIRM})
    async def decide_claim(
        self, claim_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        claim = await region_scope.get(db_session, IdentityClaim, claim_id)
        try:
            await identity_service.decide_claim(
                db_session, actor, claim, str(data.get("verdict", "")), str(data.get("note", ""))
            )
        except CitizenError as e:
            raise DomainError(e.code, e.kind) from None
        return Redirect("/office/identity", status_code=303)

    @post("/disputes/{dispute_id:int}", opt={"permission": P.IDENTITY_DISPUTE_RESOLVE})
    async def decide_dispute(
        self, dispute_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        dispute = await region_scope.get(db_session, IdentityDispute, dispute_id)
        try:
            await identity_service.decide_dispute(
                db_session, actor, dispute, str(data.get("verdict", "")), str(data.get("note", ""))
            )
        except CitizenError as e:
            raise DomainError(e.code, e.kind) from None
        return Redirect("/office/identity", status_code=303)
