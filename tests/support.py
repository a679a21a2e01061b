"""Helpers the tests share: run SQL outside the app, post forms with the CSRF token, sign in."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import session_scope
from server.settings import Settings

T = TypeVar("T")
DEMO_PASSWORD = "huimin-demo-2026"


def run(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion, also from inside Playwright's running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


def in_db(settings: Settings, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``fn(session)`` in one committed transaction, outside the app."""

    async def go() -> T:
        async with session_scope(settings.database_url) as session:
            return await fn(session)

    return run(go())


def _bind(settings: Settings, value: Any) -> Any:
    """Raw SQL on SQLite needs datetimes as SQLAlchemy stores them (naive UTC text)."""
    if isinstance(value, datetime) and settings.database_url.startswith("sqlite"):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def sql(settings: Settings, statement: str, **params) -> list[Any]:
    """Raw SQL in one committed transaction; datetime parameters work on both databases."""
    params = {k: _bind(settings, v) for k, v in params.items()}

    async def go(session: AsyncSession):
        result = await session.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []

    return in_db(settings, go)


CSRF_RE = re.compile(r'name="_csrf_token" value="([0-9a-f]+)"')


def _csrf_cookie(client: TestClient) -> str | None:
    # __Host-huimin_csrf when the app runs with Secure cookies
    return client.cookies.get("huimin_csrf") or client.cookies.get("__Host-huimin_csrf")


def csrf_token(client: TestClient) -> str:
    """The session's CSRF token (the cookie carries the same value the pages do)."""
    token = _csrf_cookie(client)
    if not token:
        client.get("/login")
        token = _csrf_cookie(client)
    return token  # type: ignore[return-value]


def post_form(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw):
    """A form post as a browser makes it, with the CSRF token field the page carries."""
    return client.post(url, data={**(data or {}), "_csrf_token": csrf_token(client)}, **kw)


def staff_login(client: TestClient, username: str, password: str = DEMO_PASSWORD):
    return post_form(
        client, "/office/login", {"username": username, "password": password}, follow_redirects=False
    )


def last_code(settings: Settings, phone: str) -> str:
    rows = sql(settings, "SELECT body FROM sms_outbox WHERE phone = :p ORDER BY id DESC LIMIT 1", p=phone)
    return re.search(r"\d{6}", rows[0][0]).group(0)  # type: ignore[union-attr]


def citizen_login(client: TestClient, settings: Settings, phone: str):
    post_form(client, "/login/code", {"phone": phone})
    return post_form(
        client, "/login/verify", {"phone": phone, "code": last_code(settings, phone)}, follow_redirects=False
    )


def browser_citizen_sign_in(
    page, base_url: str, settings: Settings, phone: str = "13800000002", after: str = "/me"
) -> None:
    """Sign a citizen in through the real pages of a Playwright page, landing on ``after``."""
    page.goto(f"{base_url}/login?next={after}")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至").wait_for()
    page.get_by_label("验证码").fill(last_code(settings, phone))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{after}")


def browser_staff_sign_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/office/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/office/?(\?.*)?$"))
