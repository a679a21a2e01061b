"""Test fixtures: every test runs against a real, migrated database, on SQLite always and on
PostgreSQL too when TEST_DATABASE_URL is set (each test is collected once per backend)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from litestar.testing import TestClient
from sqlalchemy import text

from server.app import create_app
from server.cli import upgrade_database
from server.db import make_engine
from server.settings import Settings, normalise_database_url
from tests.support import in_db, run

T = TypeVar("T")
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
SECRET = "test-secret-key-that-is-long-enough-for-production-checks"


async def _pg_reset_schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _pg_empty_tables(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        tables = (
            (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                        "AND tablename NOT IN ('alembic_version', 'audit_head')"
                    )
                )
            )
            .scalars()
            .all()
        )
        if tables:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        await conn.execute(text("UPDATE audit_head SET seq = 0, hash = :g, keyed_from = 1"), {"g": "0" * 64})
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
    from server.audit.service import configure

    settings = Settings(
        env="test",
        database_url=db_url,
        secret_key=SECRET,
        secret_from_env=True,
        var_dir=tmp_path / "var",
        secure_cookies=False,
        sms_sender="outbox",
        redis_url=None,
    )
    configure(settings)  # the audit chain's key and anchors (under this test's var dir)
    return settings


@pytest.fixture
def demo(settings) -> Settings:
    from server.demo import seed

    in_db(settings, lambda s: seed(s, settings.secret_key))
    return settings


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver.local") as c:
        yield c


@pytest.fixture
def dev_client(settings) -> Iterator[TestClient]:
    """A client of the service in development mode (HUIMIN_ENV=development): the demo tools exist."""
    from dataclasses import replace

    app = create_app(replace(settings, env="development"))
    with TestClient(app, base_url="http://testserver.local") as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, settings):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(demo) -> Iterator[LiveServer]:
    """The whole service with the demo city, served by uvicorn on a free loopback port."""
    with LiveServer(demo) as server:
        yield server
