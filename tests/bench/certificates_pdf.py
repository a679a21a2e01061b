"""Benchmark: PDF generation plus PAdES signing per certificate, and the public verification
page's throughput on loopback.

    .venv/bin/python tests/bench/certificates_pdf.py [--certificates 20] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server import clock  # noqa: E402
from server.accounts.models import Citizen  # noqa: E402
from server.audit.service import Actor  # noqa: E402
from server.certificates import service  # noqa: E402
from server.cli import upgrade_database  # noqa: E402
from server.db import session_scope  # noqa: E402
from server.demo import seed  # noqa: E402
from server.settings import load_settings  # noqa: E402

WORKER = Actor("staff", "7", "bench", "community_worker", "331102001001")


async def issue_many(settings, n: int) -> tuple[list[float], list[str]]:
    async with session_scope(settings.database_url) as session:
        await seed(session, settings.secret_key)
    times, serials = [], []
    for _ in range(n):
        async with session_scope(settings.database_url) as session:
            citizen = await session.scalar(select(Citizen).where(Citizen.phone == "13800000001"))
            cert = await service.request_certificate(
                session,
                WORKER,
                citizen,
                community="331102001001",
                address="解放街 12 号",
                since=date(2015, 3, 1),
                purpose="基准测试",
            )
            started = time.perf_counter()
            await service.issue(session, WORKER, settings, cert, "bench", clock.today())
            times.append(time.perf_counter() - started)
            serials.append(cert.serial)
    return times, serials


async def hammer(base: str, serials: list[str], seconds: float, workers: int = 8) -> tuple[int, list[float]]:
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def one(i: int):
        async with httpx.AsyncClient(base_url=base) as client:
            k = 0
            while time.monotonic() < stop:
                t = time.perf_counter()
                # many verifiers, each under the per-address limit (which is tested elsewhere)
                address = f"10.{i}.{k // 250 % 250}.{k % 250}"
                r = await client.get(f"/v/{serials[k % len(serials)]}", headers={"x-forwarded-for": address})
                latencies.append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code
                k += 1

    await asyncio.gather(*(one(i) for i in range(workers)))
    return len(latencies), latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "HUIMIN_VAR_DIR": folder,
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.db",
            "HUIMIN_SECRET_KEY": "bench-secret-0123456789abcdef0123456789",
        }
        os.environ.update(env)
        settings = load_settings()
        upgrade_database(settings.database_url)
        times, serials = asyncio.run(issue_many(settings, args.certificates))
        print(
            f"PDF + PAdES signature: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms per certificate ({len(times)} certificates)"
        )
        port = 18765
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server.asgi:app",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--proxy-headers",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
        )
        try:
            for _ in range(100):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            count, latencies = asyncio.run(hammer(f"http://127.0.0.1:{port}", serials, args.seconds))
            q = statistics.quantiles(latencies, n=100)
            print(
                f"verification page: {count / args.seconds:.0f} req/s over {args.seconds:.0f} s "
                f"with 8 clients; p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms"
            )
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
