"""CSRF tokens bound to the session.

Litestar's own CSRF check is double-submit only: any valid cookie and token pair passes, so a
pair an attacker got from their own visit works with the victim's session once the attacker can
put a cookie in the victim's browser. Here the token belongs to the server-side session:

- a visitor without a session gets a signed random token in a cookie and must send it back
  (header ``x-csrftoken`` or the ``_csrf_token`` form field); this covers the sign-in forms;
- once a session exists it remembers its token (``SESSION_KEY``) and only that token is
  accepted with it, whatever the cookie says; a session written without one takes the token
  the request carried;
- signing in (a session marked for rotation, see ``auth.start_session``) issues a new token, so
  a token known before sign-in is worthless after it.

Pages get the token through ``csrf_token()`` and ``csrf_input`` as before, and the cookie is kept
equal to the session's token so scripts that read the page keep working."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.cookie import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from server.accounts.auth import ROTATE

SESSION_KEY = "_csrf"
HEADER = "x-csrftoken"
FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def new_token(secret: str) -> str:
    nonce = secrets.token_hex(32)
    return nonce + _sign(secret, nonce)


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), ("csrf:" + nonce).encode(), hashlib.sha256).hexdigest()


def well_formed(secret: str, token: str | None) -> bool:
    """A token this server issued (so a made-up cookie is never taken as a token)."""
    if not token or len(token) != 128:
        return False
    return hmac.compare_digest(token[64:], _sign(secret, token[:64]))


def expected_token(secret: str, session: dict[str, Any] | None, cookie: str | None) -> str | None:
    """The one token an unsafe request may carry: the session's, else (no session yet) the cookie's."""
    bound = (session or {}).get(SESSION_KEY)
    if isinstance(bound, str) and well_formed(secret, bound):
        return bound
    return cookie if well_formed(secret, cookie) else None


def accepted(secret: str, session: dict[str, Any] | None, cookie: str | None, sent: str | None) -> bool:
    expected = expected_token(secret, session, cookie)
    return bool(expected and sent) and hmac.compare_digest(expected, sent)  # type: ignore[arg-type]


class SessionBoundCSRF:
    """ASGI middleware; must sit inside the session middleware (it reads and writes ``scope["session"]``)."""

    def __init__(
        self, app: ASGIApp, secret: str, cookie_name: str, secure: bool, exclude: tuple[str, ...] = ()
    ) -> None:
        self.app, self.secret, self.cookie_name, self.secure, self.exclude = (
            app,
            secret,
            cookie_name,
            secure,
            exclude,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exclude):
            await self.app(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        session = scope.get("session")
        session = session if isinstance(session, dict) else None
        cookie = request.cookies.get(self.cookie_name)
        if request.method in SAFE_METHODS:
            token = expected_token(self.secret, session, cookie) or new_token(self.secret)
        else:
            sent = request.headers.get(HEADER)
            content_type, _ = request.content_type
            if not sent and content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
                try:
                    sent = (await request.form()).get(FIELD)
                except UnicodeDecodeError:  # a text field that is not text: no token in it
                    sent = None
            if not accepted(self.secret, session, cookie, sent if isinstance(sent, str) else None):
                raise PermissionDeniedException(detail="error.csrf")
            token = sent
        ScopeState.from_scope(scope).csrf_token = token

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                final = self._bind(scope, token)
                if final != cookie:
                    headers = MutableScopeHeaders.from_message(message)
                    headers.add("set-cookie", self._cookie(final).to_header(header=""))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _bind(self, scope: Scope, token: str) -> str:
        """The token the browser keeps after this response, written into the session if it has one."""
        session = scope.get("session")
        if not isinstance(session, dict) or not session:
            return token
        if session.get(ROTATE):  # sign-in: a new session, a new token
            session[SESSION_KEY] = new_token(self.secret)
        elif not well_formed(self.secret, session.get(SESSION_KEY)):
            session[SESSION_KEY] = token
        return session[SESSION_KEY]

    def _cookie(self, value: str) -> Cookie:
        # readable by the page's scripts (they send it as a header); __Host- names need Secure and Path=/
        return Cookie(
            key=self.cookie_name, value=value, path="/", secure=self.secure, httponly=False, samesite="lax"
        )
