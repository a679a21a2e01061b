"""A short version of the load-and-fault run (benchmarks/load.py) inside the test suite: the
server is killed with SIGKILL while citizens submit and staff approve; every acknowledged
submission must be in the database exactly once and the audit chain must verify."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.settings import normalise_database_url
from tests.support import run


async def _create_database(base: str, name: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.mark.parametrize("database", ["sqlite"] + (["postgresql"] if PG_URL else []))
def test_killing_the_server_loses_and_duplicates_nothing(database, tmp_path):
    args = [
        sys.executable,
        str(ROOT / "benchmarks" / "load.py"),
        "--citizens",
        "6",
        "--staff",
        "3",
        "--duration",
        "16",
        "--kill-every",
        "5",
    ]
    if database == "postgresql":
        # a database of its own, next to the test database: the run drops its schema
        base = normalise_database_url(PG_URL).rsplit("/", 1)[0]
        run(_create_database(base, "huimin_fault"))
        args += ["--database-url", f"{base}/huimin_fault"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT, env={**os.environ})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    kills = int(result.stdout.split("server kills: ")[1].split()[0])
    assert kills >= 1, "the server really was killed during the run"
    line = next(
        ln
        for ln in result.stdout.splitlines()
        if ln.startswith("acknowledged submissions present exactly once")
    )
    done, total = line.split(": ")[1].split("/")
    assert done == total and int(total) > 0
    assert "audit chain intact" in result.stdout
