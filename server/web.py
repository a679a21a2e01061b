"""Shared web plumbing: templates with translation, htmx-aware page rendering, plain-language
errors in the user's language, security headers."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.config.app import AppConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.params import Body
from litestar.plugins import InitPlugin
from litestar.plugins.htmx import ClientRedirect, HTMXTemplate
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server import clock
from server.accounts.permissions import P, allows
from server.errors import DomainError, Kind
from server.i18n import CODES, ROLE_LABELS, pick_lang, register, translate
from server.settings import ROOT

log = logging.getLogger("huimin")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)


T = TypeVar("T")
FormOf = Annotated[T, Body(media_type=RequestEncodingType.URL_ENCODED)]  # data: FormOf[SomeForm]
UploadOf = Annotated[T, Body(media_type=RequestEncodingType.MULTI_PART)]  # data: UploadOf[SomeUpload]


def provide_today(request: Request) -> date:
    """Today's date, from the application's clock (tests set ``app.state.today`` to fix it)."""
    return request.app.state.today()


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # Chinese text, translated in the template
    permission: str = P.OFFICE_USE  # shown only to the roles that hold it
    order: int = 50
    count_href: str | None = None  # a partial with a number of things waiting, loaded by htmx


@dataclass(frozen=True)
class ServiceTile:
    href: str | None
    title: str
    text: str
    order: int = 50


@dataclass(frozen=True, eq=False)  # one object per domain: hashed by identity
class DomainPlugin(InitPlugin):
    """What one domain adds to the application, declared in its ``plugin.py`` and passed to
    ``create_app`` explicitly: its controllers, its back-office sections, its citizen service tiles
    and its messages. Nothing is registered by importing a module."""

    name: str
    controllers: tuple[type, ...] = ()
    office_nav: tuple[NavItem, ...] = ()
    pwa_services: tuple[ServiceTile, ...] = ()
    codes: Mapping[str, str] = field(default_factory=dict)  # message code -> Chinese text
    en: Mapping[str, str] = field(default_factory=dict)  # Chinese text -> English

    def register_messages(self) -> None:
        register(dict(self.codes), dict(self.en))

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        self.register_messages()
        app_config.route_handlers.extend(self.controllers)
        state = app_config.state
        state.office_nav = sorted([*state.get("office_nav", ()), *self.office_nav], key=lambda i: i.order)
        state.pwa_services = sorted(
            [*state.get("pwa_services", ()), *self.pwa_services], key=lambda t: t.order
        )
        return app_config


def _office_nav(ctx: dict[str, Any], role: str | None) -> list[NavItem]:
    request = ctx.get("request")
    items = request.app.state.get("office_nav", ()) if request else ()
    return [i for i in items if allows(role, i.permission)]


def _pwa_services(ctx: dict[str, Any]) -> list[ServiceTile]:
    request = ctx.get("request")
    return list(request.app.state.get("pwa_services", ())) if request else []


def _can(ctx: dict[str, Any], permission: str) -> bool:
    """In templates: does the signed-in staff member hold ``permission``? (offers only what works)"""
    request = ctx.get("request")
    return bool(request) and allows(session_of(request).get("role"), permission)


def session_of(request: Request) -> dict[str, Any]:
    """The request's session as a plain dict: empty when there is none or it was just cleared."""
    if "session" not in request.scope:
        return {}
    data = request.scope.get("session")
    return data if isinstance(data, dict) else {}


def lang_of(request: Request) -> str:
    return pick_lang(request.cookies.get("lang"))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _t(ctx: dict[str, Any], text: str) -> str:
    request = ctx.get("request")
    return translate(lang_of(request) if request else "zh", text)


def _role_label(ctx: dict[str, Any], role: str) -> str:
    return _t(ctx, ROLE_LABELS.get(role, role))


def _large_text(ctx: dict[str, Any]) -> bool:
    request = ctx.get("request")
    return bool(request and request.cookies.get("text") == "large")


def template_config() -> TemplateConfig:
    def setup(engine: JinjaTemplateEngine) -> None:
        engine.register_template_callable("_", _t)
        engine.register_template_callable("role_label", _role_label)
        engine.register_template_callable("large_text", _large_text)
        engine.register_template_callable("office_nav", _office_nav)
        engine.register_template_callable("can", _can)
        engine.engine.filters["local"] = clock.local
        engine.register_template_callable("pwa_services", _pwa_services)
        engine.engine.globals["lang_of"] = lang_of
        engine.engine.globals["session_of"] = session_of

    return TemplateConfig(directory=ROOT / "templates", engine=JinjaTemplateEngine, engine_callback=setup)


def same_site(url: str) -> str:
    """``/path?query`` of a URL: what a page may hand back to the browser as a location, whatever
    Host header the request came with (absolute URLs come only from HUIMIN_PUBLIC_URL)."""
    parts = urlsplit(url)
    path = "/" + parts.path.lstrip("/")
    return path + (f"?{parts.query}" if parts.query else "")


def page(
    request: Request, template: str, partial: str | None = None, push_url: str | bool = False, **context
) -> Template:
    """A full page, or for an htmx request its partial (pushing the URL when asked). A boosted
    link or form (hx-boost navigation) swaps the whole body, so it gets the full page."""
    htmx = getattr(request, "htmx", None)
    if isinstance(push_url, str):  # the path and query only: never a URL built from the Host header
        push_url = same_site(push_url)
    if partial and htmx and not htmx.boosted:
        return HTMXTemplate(template_name=partial, context=context, push_url=push_url)
    return Template(template_name=template, context=context)


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "*/*" in accept or not accept


def error_response(request: Request, status: int, code: str, extra: dict | None = None) -> Response:
    lang = lang_of(request)
    message = translate(lang, code)
    if not wants_html(request):
        return Response(
            {"error": code, "message": message, **(extra or {})},
            status_code=status,
            media_type=MediaType.JSON,
        )
    office = request.url.path.startswith("/office")
    template = "errors/_error.html" if getattr(request, "htmx", False) else "errors/error.html"
    return Template(
        template_name=template,
        context={"status": status, "message": message, "office": office},
        status_code=status,
    )


_STATUS_CODES = {
    400: "error.bad_request",
    401: "error.sign_in",
    403: "error.forbidden",
    404: "error.not_found",
    409: "error.conflict",
    413: "error.too_large",
    429: "error.too_many",
}


class Detour(HTTPException):
    """Raised by a guard to send the person elsewhere first (a staff member who must set up their
    account before any work): a redirect for pages, a refusal for anything else."""

    status_code = 303

    def __init__(self, location: str, detail: str = ""):
        super().__init__(detail=detail)
        self.location = location


def _come_back_to(request: Request) -> str | None:
    """Where sign-in should bring the person back: the page they asked for (GET only; for an htmx
    request, the page it was made from)."""
    if request.method != "GET":
        return None
    current = request.headers.get("hx-current-url") if getattr(request, "htmx", False) else None
    if current:
        return same_site(current)
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    office = request.url.path.startswith("/office")
    htmx = getattr(request, "htmx", False)
    if isinstance(exc, Detour):
        if not wants_html(request):
            return error_response(request, 403, "error.forbidden")
        return ClientRedirect(exc.location) if htmx else Redirect(exc.location, status_code=303)
    if (
        isinstance(exc, NotAuthorizedException)
        and wants_html(request)
        and (office or request.method == "GET")
    ):
        # a page behind sign-in: take the person to the right sign-in page and back again (GET)
        login = "/office/login" if office else "/login"
        back = _come_back_to(request)
        params = [f"next={quote(back, safe='/')}"] if back else []
        if exc.detail == "session.expired":
            params.append("expired=1")
        target = login + ("?" + "&".join(params) if params else "")
        return ClientRedirect(target) if htmx else Redirect(target)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if exc.status_code == 403 and "CSRF" in detail:
        detail = "error.csrf"
    if isinstance(exc, ValidationException) or detail not in CODES:
        detail = _STATUS_CODES.get(
            exc.status_code, "error.bad_request" if exc.status_code < 500 else "error.server"
        )
    return error_response(request, exc.status_code, detail)


def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "error.server")


STATUS_OF_KIND = {
    Kind.INVALID: 422,
    Kind.BAD_REQUEST: 400,
    Kind.CONFLICT: 409,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.TOO_LARGE: 413,
    Kind.TOO_MANY: 429,
    Kind.BROKEN: 500,
}


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain refusal: the one place kinds meet the web."""
    return STATUS_OF_KIND[error.kind]


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    return error_response(request, status_of(exc), exc.code)


def undecodable_body_handler(request: Request, exc: UnicodeDecodeError) -> Response:
    """A form part that is not text in its charset (Litestar's multipart reader decodes the parts of
    a typed upload and raises this): a malformed request, not our fault. Raised anywhere else, it
    is a server error as before."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace("\\", "/").endswith("litestar/_multipart.py"):
            return error_response(request, 400, "error.bad_request")
        tb = tb.tb_next
    return server_error_handler(request, exc)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    DomainError: domain_error_handler,
    UnicodeDecodeError: undecodable_body_handler,
    Exception: server_error_handler,
}


# Paths whose answers hold nothing personal and may be cached: the static assets, the PWA's files.
# Every other answer (citizen and office pages, downloads, the API) is sent with no-store unless its
# route says otherwise (the manifest and the service worker: no-cache), so no personal page stays in
# a shared phone's or a proxy's cache.
CACHEABLE_PREFIXES = ("/static/", "/pwa/")
CLEAR_SITE_DATA = {"clear-site-data": '"cache", "storage"'}  # at sign-out: drafts, caches, workers


def cacheable(path: str) -> bool:
    return path.startswith(CACHEABLE_PREFIXES)


class SecurityHeaders:
    """Adds the security headers to every response, static files included, and a Server-Timing
    header with the time the application took (read by the load benchmark and browser tools)."""

    def __init__(self, app: ASGIApp, hsts: bool = False):
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append(
                    (b"server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode())
                )
                present = {k.lower() for k, _ in headers}
                if b"cache-control" not in present and not cacheable(scope.get("path", "")):
                    headers.append((b"cache-control", b"no-store"))
                for name, value in self.headers():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def headers(self) -> list[tuple[str, str]]:
        h = [
            ("content-security-policy", CSP),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),
            ("permissions-policy", "camera=(self), geolocation=(self), microphone=()"),
            ("cross-origin-opener-policy", "same-origin"),
        ]
        if self.hsts:
            h.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
        return h
