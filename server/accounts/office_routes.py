"""The back office's side of accounts: staff sign-in (password, optional TOTP), one's own account, staff
administration, and identity binding (claims waiting for a worker of the person's region to confirm in
person, disputes to resolve; every decision audited, staff see only their region's)."""

from __future__ import annotations

import segno
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts import identity_service, passwords, queries, rules, staff_service
from server.accounts.auth import SETUP_OK, provide_staff, staff_guard, start_session
from server.accounts.citizen_service import mask_phone
from server.accounts.forms import (
    STAFF_FIELDS,
    DecisionForm,
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
    StaffForm,
    TotpForm,
)
from server.accounts.models import IdentityClaim, IdentityDispute, Staff
from server.accounts.permissions import P, allows
from server.audit.service import Actor
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import CLEAR_SITE_DATA, FormOf, client_ip, page, status_of

PUBLIC = {"public": "staff sign-in and sign-out"}  # the only office routes without a permission
LOGIN = "accounts/office/login.html"
ACCOUNT = "accounts/office/account.html"
USER_FORM = "accounts/office/user_form.html"


def _next(target: str | None) -> str:
    target = target or ""
    return target if target.startswith("/office") else "/office"


def _session_data(staff: Staff) -> dict:
    now = clock.now().timestamp()  # the idle timeout and the absolute cap count from here (staff_guard)
    return {
        "kind": "staff",
        "id": staff.id,
        "role": staff.role,
        "region": staff.region_code,
        "name": staff.display_name,
        "ver": staff.session_version,
        "since": now,
        "seen": now,
    }


def _keep_this_session(request: Request, staff: Staff) -> None:
    """After the account holder changed their own password or second factor (which ended the
    account's sessions): this one goes on, under a fresh session id."""
    data = {k: v for k, v in request.session.items() if k != "totp_pending"}
    start_session(request, {**data, "ver": staff.session_version})


def _to(request: Request, name: str, query: str = "", **params) -> Redirect:
    return Redirect(request.app.route_reverse(name, **params) + query, status_code=303)


class StaffLoginController(Controller):
    path = "/office"
    tags = ["staff accounts"]

    @get("/login", opt=PUBLIC, name="accounts:login")
    async def login_form(self, request: Request, next: str | None = None, expired: bool = False) -> Template:
        notice = "session.expired" if expired else None
        return page(request, LOGIN, step="password", next=_next(next), notice=notice)

    @post("/login", opt=PUBLIC)
    async def login(
        self,
        request: Request,
        data: FormOf[LoginForm],
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        username, nxt = data.username.strip(), _next(data.next)
        try:
            await staff_service.count_sign_in_step(db_session, client_ip(request))
            staff = await staff_service.authenticate(
                db_session, settings.secret_key, username, data.password, actor
            )
        except staff_service.StaffError as e:
            await db_session.commit()  # the failure counts toward the lockout
            ctx = dict(step="password", next=nxt, username=username, error=e.code)
            return Template(LOGIN, context=ctx, status_code=status_of(e))
        await staff_service.sign_in_step_passed(db_session, client_ip(request))
        if staff.totp_enabled:
            request.set_session({"kind": "pending_totp", "id": staff.id})
            return page(request, LOGIN, step="totp", next=nxt)
        await staff_service.signed_in(db_session, staff, actor)
        start_session(request, _session_data(staff))
        return Redirect(nxt, status_code=303)

    @post("/login/totp", opt=PUBLIC, name="accounts:login_totp")
    async def login_totp(
        self,
        request: Request,
        data: FormOf[TotpForm],
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        nxt = _next(data.next)
        pending = request.session.get("kind") == "pending_totp" and isinstance(request.session.get("id"), int)
        try:
            await staff_service.count_sign_in_step(db_session, client_ip(request))
            staff = await staff_service.second_step(
                db_session, settings.secret_key, request.session["id"] if pending else None, data.code, actor
            )
        except staff_service.StaffError as e:
            again = e.code == "login.totp_bad"  # a wrong code: the person may try again
            if not again:
                request.clear_session()
            ctx = dict(step="totp" if again else "password", next=nxt, error=e.code)
            return Template(LOGIN, context=ctx, status_code=status_of(e))
        await staff_service.sign_in_step_passed(db_session, client_ip(request))
        await staff_service.signed_in(db_session, staff, actor)
        start_session(request, _session_data(staff))
        return Redirect(nxt, status_code=303)

    @post("/logout", opt=PUBLIC, name="accounts:logout")
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        response = _to(request, "accounts:login")
        response.headers.update(CLEAR_SITE_DATA)  # nothing of the session left in the browser
        return response


SETUP = {"permission": P.OFFICE_USE, SETUP_OK: True}  # usable before the account is set up


class AccountController(Controller):
    """The signed-in staff member's own account: two-step verification, password. Its routes are the
    only ones open to someone who must first change their password or enrol a second factor."""

    path = "/office/account"
    guards = [staff_guard]
    dependencies = {"me": provide_staff}

    @staticmethod
    def _context(me: Staff, settings: Settings, **more) -> dict:
        expired = rules.password_expired(me.role, me.password_changed_at, clock.now())
        setup = rules.setup_needed(
            must_change=me.password_must_change,
            expired=expired,
            second_factor_required=settings.staff_2fa_required,
            second_factor=me.totp_enabled,
        )
        return dict(me=me, setup=setup, expired=expired, **more)

    @get("/", opt=SETUP, name="accounts:account")
    async def show(self, request: Request, me: Staff, settings: Settings, saved: bool = False) -> Template:
        return page(request, ACCOUNT, **self._context(me, settings, saved=saved))

    @post("/totp/start", opt=SETUP, name="accounts:totp_start")
    async def totp_start(self, request: Request, me: Staff, settings: Settings) -> Template:
        enrolment = passwords.SECOND_FACTOR.start(me.username)
        request.session["totp_pending"] = enrolment.secret
        qr = segno.make(enrolment.provisioning_uri, error="m").svg_data_uri(scale=5)
        return page(request, ACCOUNT, **self._context(me, settings, totp_secret=enrolment.secret, totp_qr=qr))

    @post("/totp/confirm", opt=SETUP, name="accounts:totp_confirm")
    async def totp_confirm(
        self,
        request: Request,
        data: FormOf[TotpForm],
        me: Staff,
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        secret = request.session.get("totp_pending")
        if not secret or not passwords.SECOND_FACTOR.confirm(secret, data.code, clock.now()):
            ctx = self._context(me, settings, error="login.totp_bad")
            return Template(ACCOUNT, context=ctx, status_code=422)
        await staff_service.enable_totp(db_session, actor, settings.secret_key, me, secret)
        _keep_this_session(request, me)
        return _to(request, "accounts:account", "?saved=1")

    @post("/password", opt=SETUP, name="accounts:password")
    async def change_password(
        self,
        request: Request,
        data: FormOf[PasswordForm],
        me: Staff,
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
    ) -> Template | Redirect:
        try:
            await staff_service.change_password(
                db_session, actor, me, data.current_password, data.new_password
            )
        except staff_service.StaffError as e:
            ctx = self._context(me, settings, error=e.code)
            return Template(ACCOUNT, context=ctx, status_code=status_of(e))
        _keep_this_session(request, me)
        return _to(request, "accounts:account", "?saved=1")


class StaffAdminController(Controller):
    """Administrators manage staff inside their own region's subtree."""

    path = "/office/users"
    guards = [staff_guard]

    @get("/", opt={"permission": P.STAFF_MANAGE}, name="accounts:users")
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        q: str = "",
        page_no: int = 1,
    ) -> Template:
        rows, total = await queries.staff_page(db_session, region_scope, q, page_no)
        return page(
            request,
            "accounts/office/users.html",
            "accounts/office/_users_table.html",
            push_url=str(request.url),
            rows=rows,
            q=q,
            total=total,
            page_no=page_no,
            page_size=queries.PAGE_SIZE,
        )

    async def _form(
        self,
        db_session: AsyncSession,
        region_scope: RegionScope,
        user: Staff | None,
        values: dict,
        error: str | None = None,
    ) -> dict:
        regions = await queries.assignable_regions(db_session, region_scope)
        choices = {
            "region_code": {r.code: "　" * (len(r.code) // 3 - 2) + f"{r.name} ({r.code})" for r in regions}
        }
        return dict(user=user, fields=STAFF_FIELDS, values=values, choices=choices, error=error)

    @staticmethod
    def _values_of(user: Staff) -> dict:
        return {
            "display_name": user.display_name,
            "role": user.role,
            "region_code": user.region_code,
            "active": "on" if user.active else "",
        }

    @get("/new", opt={"permission": P.STAFF_MANAGE}, name="accounts:user_new")
    async def new(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        return page(request, USER_FORM, **await self._form(db_session, region_scope, None, {}))

    @post("/", opt={"permission": P.STAFF_MANAGE}, name="accounts:user_create")
    async def create(
        self,
        request: Request,
        data: FormOf[StaffForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Template | Redirect:
        region = region_scope.ensure(data.region_code or "")
        try:
            staff = await staff_service.create_staff(
                db_session,
                actor,
                username=data.username.strip(),
                display_name=data.display_name or "",
                role=data.role or "",
                region_code=region,
                password=data.password,
            )
        except staff_service.StaffError as e:
            ctx = await self._form(db_session, region_scope, None, data.values(), e.code)
            return Template(USER_FORM, context=ctx, status_code=status_of(e))
        return _to(request, "accounts:user", user_id=staff.id)

    @get("/{user_id:int}", opt={"permission": P.STAFF_MANAGE}, name="accounts:user")
    async def detail(
        self, request: Request, user_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        user = await region_scope.get(db_session, Staff, user_id)
        return page(
            request, USER_FORM, **await self._form(db_session, region_scope, user, self._values_of(user))
        )

    @post("/{user_id:int}", opt={"permission": P.STAFF_MANAGE}, name="accounts:user_update")
    async def update(
        self,
        request: Request,
        user_id: int,
        data: FormOf[StaffForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Template | Redirect:
        user = await region_scope.get(db_session, Staff, user_id)
        region = region_scope.ensure(user.region_code if data.region_code is None else data.region_code)
        try:
            await staff_service.update_staff(
                db_session,
                actor,
                user,
                display_name=user.display_name if data.display_name is None else data.display_name,
                role=user.role if data.role is None else data.role,
                region_code=region,
                active=data.active == "on",
            )
        except staff_service.StaffError as e:
            ctx = await self._form(db_session, region_scope, user, data.values(), e.code)
            return Template(USER_FORM, context=ctx, status_code=status_of(e))
        return _to(request, "accounts:user", "?saved=1", user_id=user.id)

    @post("/{user_id:int}/unlock", opt={"permission": P.STAFF_MANAGE}, name="accounts:user_unlock")
    async def unlock(
        self,
        request: Request,
        user_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        user = await region_scope.get(db_session, Staff, user_id)
        await staff_service.unlock(db_session, actor, user)
        return _to(request, "accounts:user", "?saved=1", user_id=user.id)

    @post("/{user_id:int}/password", opt={"permission": P.STAFF_MANAGE}, name="accounts:user_password")
    async def reset_password(
        self,
        request: Request,
        user_id: int,
        data: FormOf[ResetPasswordForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Template | Redirect:
        user = await region_scope.get(db_session, Staff, user_id)
        try:
            await staff_service.reset_password(db_session, actor, user, data.reset_password)
        except staff_service.StaffError as e:
            ctx = await self._form(db_session, region_scope, user, self._values_of(user), e.code)
            return Template(USER_FORM, context=ctx, status_code=status_of(e))
        return _to(request, "accounts:user", "?saved=1", user_id=user.id)

    @post("/{user_id:int}/totp-reset", opt={"permission": P.STAFF_MANAGE}, name="accounts:user_totp_reset")
    async def reset_second_factor(
        self,
        request: Request,
        user_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        user = await region_scope.get(db_session, Staff, user_id)
        await staff_service.reset_second_factor(db_session, actor, user)
        return _to(request, "accounts:user", "?saved=1", user_id=user.id)


class IdentityOfficeController(Controller):
    path = "/office/identity"
    guards = [staff_guard]
    opt = {"permission": P.IDENTITY_VIEW}

    @get("/", name="accounts:identity")
    async def index(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        queue = await queries.identity_queue(db_session, region_scope)
        role = request.session.get("role")
        return page(
            request,
            "accounts/office/identity.html",
            claims=queue.claims,
            rivals=queue.rivals,
            disputes=queue.disputes,
            phones=queue.phones,
            mask_phone=mask_phone,
            may_confirm=allows(role, P.IDENTITY_CONFIRM),
            may_resolve=allows(role, P.IDENTITY_DISPUTE_RESOLVE),
            error=request.query_params.get("error"),
        )

    @post("/claims/{claim_id:int}", opt={"permission": P.IDENTITY_CONFIRM}, name="accounts:claim_decide")
    async def decide_claim(
        self,
        request: Request,
        claim_id: int,
        data: FormOf[DecisionForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        claim = await region_scope.get(db_session, IdentityClaim, claim_id)
        await identity_service.decide_claim(db_session, actor, claim, data.verdict, data.note)
        return _to(request, "accounts:identity")

    @post(
        "/disputes/{dispute_id:int}",
        opt={"permission": P.IDENTITY_DISPUTE_RESOLVE},
        name="accounts:dispute_decide",
    )
    async def decide_dispute(
        self,
        request: Request,
        dispute_id: int,
        data: FormOf[DecisionForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        dispute = await region_scope.get(db_session, IdentityDispute, dispute_id)
        await identity_service.decide_dispute(db_session, actor, dispute, data.verdict, data.note)
        return _to(request, "accounts:identity")
