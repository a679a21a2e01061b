"""Who is asking: server-side sessions (rotated at sign-in), guards for staff roles,
and the dependencies that hand routes the signed-in person, their region scope and the
audit actor."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts import rules
from server.accounts.models import Citizen, Staff
from server.accounts.permissions import P, allows
from server.audit.service import Actor
from server.regions.scope import RegionScope
from server.web import Detour, client_ip, session_of

ROTATE = "_rotate"


class RotatingSessionBackend(ServerSideSessionBackend):
    """Issues a fresh session id whenever a handler marks the session for rotation (at
    sign-in), so an id planted before sign-in is worthless after it (session fixation)."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        fresh = connection.scope.get("huimin.session_id")
        return fresh or super().get_session_id(connection)  # type: ignore[return-value]

    async def store_in_message(self, scope_session, message: Message, connection: ASGIConnection) -> None:
        if scope_session is Empty or not scope_session:
            # Nothing to keep: no store entry, and no cookie unless one must be cleared, so
            # anonymous visitors cost nothing.
            if connection.cookies.get(self.config.key) not in (None, "null"):
                await super().store_in_message(Empty, message, connection)
            return
        if scope_session.pop(ROTATE, None):
            old = connection.cookies.get(self.config.key)
            if old and old != "null":
                await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
            fresh = self.generate_session_id()
            connection.scope["huimin.session_id"] = fresh  # type: ignore[typeddict-unknown-key]
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def start_session(request: Request, data: dict[str, Any]) -> None:
    request.set_session({**data, ROTATE: True})


SETUP_OK = "setup"  # opt of the routes a staff member may use before setting up (their own account page)


async def staff_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Signed-in staff whose account still is what the session says, holding the permission
    the handler declares (``opt={"permission": P.X}``). A handler that declares none is refused:
    nothing is allowed by default.

    The account is read on every request (one primary-key look-up), so deactivating it, or
    changing its role, region, password or second factor (which bumps ``session_version``),
    ends its open sessions at their next request.

    The session also ends after ``staff_idle_minutes`` without a request, and ``session_hours``
    after sign-in whatever was done (``session.expired``: the sign-in page says so and brings the
    person back). A staff member whose password an administrator set, or whose privileged password
    is too old, or who has no second factor where one is required, is sent to their account page
    by every route but that page's own (``opt={"setup": True}``) until it is done."""
    session = connection.session if "session" in connection.scope else {}
    if session.get("kind") != "staff" or not isinstance(session.get("id"), int):
        raise NotAuthorizedException(detail="error.sign_in")
    settings = connection.app.state.settings
    now = clock.now()
    ended = rules.session_end(
        now.timestamp(),
        session.get("since"),
        session.get("seen"),
        settings.staff_idle_minutes,
        settings.session_hours,
    )
    if ended:
        connection.clear_session()
        raise NotAuthorizedException(detail="session.expired")
    engine = connection.app.state.engine
    c = Staff.__table__.c
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    c.active,
                    c.role,
                    c.region_code,
                    c.session_version,
                    c.totp_enabled,
                    c.password_must_change,
                    c.password_changed_at,
                ).where(c.id == session["id"])
            )
        ).first()
    if (
        row is None
        or not row.active
        or row.role != session.get("role")
        or row.region_code != session.get("region")
        or row.session_version != session.get("ver")
    ):
        connection.clear_session()  # the stored session goes too
        raise NotAuthorizedException(detail="error.sign_in")
    session["seen"] = now.timestamp()
    setup = rules.setup_needed(
        must_change=row.password_must_change,
        expired=rules.password_expired(row.role, row.password_changed_at, now),
        second_factor_required=settings.staff_2fa_required,
        second_factor=row.totp_enabled,
    )
    if setup is not None and not handler.opt.get(SETUP_OK):
        raise Detour(connection.app.route_reverse("accounts:account"), detail=f"setup.{setup}")
    permission = handler.opt.get("permission")
    if not permission or not allows(row.role, permission):
        raise PermissionDeniedException(detail="error.forbidden")


async def citizen_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """A signed-in citizen whose account still exists and is not cancelled (注销): cancelling ends
    every open session of the account at its next request."""
    session = connection.session if "session" in connection.scope else {}
    if session.get("kind") != "citizen" or not isinstance(session.get("id"), int):
        raise NotAuthorizedException(detail="error.sign_in")
    async with connection.app.state.engine.connect() as conn:
        row = (await conn.execute(select(Citizen.cancelled_at).where(Citizen.id == session["id"]))).first()
    if row is None or row.cancelled_at is not None:
        connection.clear_session()
        raise NotAuthorizedException(detail="error.sign_in")


def check_route_permissions(app: Litestar) -> None:
    """At start-up: every office route either declares a known permission behind ``staff_guard``
    or says it is public (sign-in). A route added without one stops the app from starting."""
    problems = []
    for route in app.routes:
        if not route.path.startswith("/office"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if "OPTIONS" in handler.http_methods and len(handler.http_methods) == 1:
                continue
            guarded = any(getattr(g, "ref", g) is staff_guard for g in handler.resolve_guards())
            permission = handler.opt.get("permission")
            if handler.opt.get("public") and not guarded:
                continue
            if not guarded or permission not in set(P):
                problems.append(f"{sorted(handler.http_methods)} {route.path}: permission {permission!r}")
    if problems:
        raise RuntimeError("Office routes without a declared permission:\n- " + "\n- ".join(problems))


async def provide_staff(request: Request, db_session: AsyncSession) -> Staff:
    """The signed-in staff member (``staff_guard`` has already checked the account is current)."""
    staff = await db_session.get(Staff, request.session.get("id"))
    if staff is None or not staff.active or staff.session_version != request.session.get("ver"):
        request.clear_session()
        raise NotAuthorizedException(detail="error.sign_in")
    return staff


async def provide_citizen(request: Request, db_session: AsyncSession) -> Citizen:
    citizen = await db_session.get(Citizen, request.session.get("id"))
    if citizen is None or citizen.cancelled_at is not None:
        request.clear_session()
        raise NotAuthorizedException(detail="error.sign_in")
    return citizen


def provide_scope(request: Request) -> RegionScope:
    """The signed-in staff member's whole region; the only source of region scope."""
    region = request.session.get("region")
    if request.session.get("kind") != "staff" or not region:
        raise NotAuthorizedException(detail="error.sign_in")
    return RegionScope(region)


def provide_actor(request: Request) -> Actor:
    s = session_of(request)
    if s.get("kind") == "staff":
        return Actor("staff", str(s["id"]), s.get("name"), s.get("role"), s.get("region"), client_ip(request))
    if s.get("kind") == "citizen":
        return Actor("citizen", str(s["id"]), None, "citizen", None, client_ip(request))
    return Actor("anonymous", None, None, None, None, client_ip(request))
