"""Test fixtures: every test runs against a real, migrated database, on SQLite always and on
PostgreSQL too when TEST_DATABASE_URL is set (each test is collected once per backend)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.app import create_app
from server.cli import upgrade_database
from server.db import make_engine, session_scope
from server.settings import Settings, normalise_database_url

T = TypeVar("T")
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
SECRET = "test-secret-key-that-is-long-enough-for-production-checks"
DEMO_PASSWORD = "huimin-demo-2026"


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def _pg_reset_schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _pg_empty_tables(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        tables = (await conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename NOT IN ('alembic_version', 'audit_head')"
        ))).scalars().all()  # fmt: skip
        if tables:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        await conn.execute(text("UPDATE audit_head SET seq = 0, hash = :g"), {"g": "0" * 64})
    await engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated(request, tmp_path_factory) -> tuple[str, Any]:
    """A database migrated once per test run by the real Alembic migrations."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("template")
        url = f"sqlite+aiosqlite:///{folder / 'template.db'}"
        upgrade_database(url)
        return "sqlite", folder
    url = normalise_database_url(PG_URL)  # type: ignore[arg-type]
    run(_pg_reset_schema(url))
    upgrade_database(url)
    return "postgresql", url


@pytest.fixture
def db_url(migrated, tmp_path) -> str:
    """A clean, migrated database for one test."""
    kind, where = migrated
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            src = Path(where) / f"template.db{suffix}"
            if src.exists():
                shutil.copy(src, tmp_path / f"test.db{suffix}")
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    run(_pg_empty_tables(where))
    return where


@pytest.fixture
def backend(migrated) -> str:
    return migrated[0]


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(env="test", database_url=db_url, secret_key=SECRET, secret_from_env=True, var_dir=tmp_path / "var",
                    secure_cookies=False, sms_sender="outbox", redis_url=None)  # fmt: skip


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


@pytest.fixture
def demo(settings) -> Settings:
    from server.demo import seed

    in_db(settings, lambda s: seed(s, settings.secret_key))
    return settings


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver.local") as c:
        yield c


CSRF_RE = re.compile(r'name="_csrf_token" value="([0-9a-f]+)"')


def csrf_token(client: TestClient) -> str:
    token = client.cookies.get("huimin_csrf")
    if not token:
        client.get("/login")
        token = client.cookies.get("huimin_csrf")
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
