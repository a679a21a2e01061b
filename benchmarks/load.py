"""Load and fault run on loopback: citizens applying and staff approving at the same time.

    .venv/bin/python benchmarks/load.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/load \\
        --citizens 30 --staff 3 --duration 60 [--kill-every 10]

Starts the service (uvicorn, one worker) on a fresh database with the demo city, then runs the
virtual users with an asyncio HTTP client for the given time. Citizens sign in with a one-time
code, fill in an application step by step and submit it; community, street and district staff
work their lists and approve what reaches them. Each citizen comes from its own address
(X-Forwarded-For, as behind the reverse proxy), so the per-address sign-in limit is not what is
measured.

It prints requests per second, client latency and server time (Server-Timing) percentiles, and
errors, per endpoint. With --kill-every S the server process is killed with SIGKILL every S
seconds and restarted; clients retry a failed step with the same idempotency key, as the phone's
offline queue does. Afterwards every submission that got a success answer must be in the
database exactly once, no step may have been applied twice, and the audit chain must verify.
The database's public schema is dropped first: give it a database of its own."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.db import make_engine  # noqa: E402
from server.people.idcard import check_char  # noqa: E402

CSRF = re.compile(r'name="_csrf_token" value="([0-9a-f]+)"')
IDEM = re.compile(r'name="idem" value="([0-9a-f]+)"')
REF = re.compile(r"/apply/([A-Z]{2}\d+)")


class Stats:
    def __init__(self):
        self.latency = defaultdict(list)
        self.server = defaultdict(list)
        self.errors = defaultdict(int)
        self.count = defaultdict(int)

    def add(self, name: str, response: httpx.Response | None, seconds: float) -> None:
        self.count[name] += 1
        if response is None or response.status_code >= 500:
            self.errors[name] += 1
            return
        self.latency[name].append(seconds * 1000)
        timing = response.headers.get("server-timing", "")
        if "dur=" in timing:
            self.server[name].append(float(timing.split("dur=")[1]))

    def report(self, elapsed: float) -> None:
        def pct(values, p):
            return (
                statistics.quantiles(values, n=100)[p - 1]
                if len(values) >= 2
                else (values[0] if values else 0)
            )

        total = sum(self.count.values())
        print(
            f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} req/s; "
            f"errors {sum(self.errors.values())}"
        )
        print(
            f"{'endpoint':<28}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
            f"{'p99 ms':>9}{'srv p50':>9}{'srv p95':>9}{'errors':>8}"
        )
        for name in sorted(self.count):
            lat, srv = self.latency[name], self.server[name]
            print(
                f"{name:<28}{self.count[name]:>7}{self.count[name] / elapsed:>8.1f}"
                f"{pct(lat, 50):>9.1f}{pct(lat, 95):>9.1f}"
                f"{pct(lat, 99):>9.1f}{pct(srv, 50):>9.1f}{pct(srv, 95):>9.1f}{self.errors[name]:>8}"
            )


class Service:
    def __init__(self, url: str, folder: str):
        self.url, self.folder = url, folder
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "HUIMIN_VAR_DIR": folder,
            "HUIMIN_SECRET_KEY": "load-test-secret-key-0123456789abcdef",
        }
        self.proc: subprocess.Popen | None = None
        self.log = open(Path(folder) / "service.log", "ab")  # noqa: SIM115

    def prepare(self) -> None:
        for args in (["db", "upgrade"], ["demo", "seed"]):
            subprocess.run(
                [sys.executable, "-m", "server.cli", *args],
                env=self.env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--proxy-headers",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--log-level",
                "warning",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the service did not start")

    def kill(self) -> None:
        if self.proc:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def request(client, stats, name, method, url, retries=30, **kw) -> httpx.Response | None:
    """A request that survives the server being killed: retried (same body, same idempotency key)."""
    for _ in range(retries):
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kw)
        except httpx.TransportError:
            stats.add(name, None, 0)
            await asyncio.sleep(0.5)
            continue
        stats.add(name, response, time.perf_counter() - started)
        if response.status_code >= 500:
            await asyncio.sleep(0.5)
            continue
        return response
    return None


async def code_for(engine, phone: str) -> str:
    for _ in range(50):
        async with engine.connect() as conn:
            body = await conn.scalar(
                text("SELECT body FROM sms_outbox WHERE phone = :p ORDER BY id DESC LIMIT 1"), {"p": phone}
            )
        if body:
            return re.search(r"\d{6}", body).group(0)
        await asyncio.sleep(0.2)
    raise RuntimeError("no code")


def answers(n: int) -> list[tuple[str, dict]]:
    first17 = f"331102{1950 + n % 50}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return [
        (
            "applicant",
            {
                "name": f"测试{n}",
                "id_number": first17 + check_char(first17),
                "phone": f"139{n:08d}",
                "bank_account": f"6222{n:015d}",
            },
        ),
        ("hukou", {"hukou": "331102"}),
        ("address", {"community": "331102001001", "address": f"负载路 {n} 号"}),
        ("health", {"disability_grade": "", "employment": "unemployed"}),
        ("income", {"wages": str(n % 700), "pension": "0", "business": "0", "farming": "0", "transfer": "0"}),
        ("assets", {"deposits": "1000", "extra_housing": "0", "vehicles": "0"}),
        ("need", {"reason": "负载测试"}),
        ("consent", {"agree": "on", "signer": f"测试{n}"}),
    ]


async def citizen(n: int, base: str, engine, stats: Stats, until: float, acknowledged: list[str]) -> None:
    phone = f"139{n:08d}"
    headers = {"x-forwarded-for": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", "accept": "text/html"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30, follow_redirects=True) as client:
        page = await request(client, stats, "GET /login", "GET", "/login")
        if page is None:
            return
        token = CSRF.search(page.text).group(1)
        await request(
            client,
            stats,
            "POST /login/code",
            "POST",
            "/login/code",
            data={"phone": phone, "_csrf_token": token},
        )
        code = await code_for(engine, phone)
        await request(
            client,
            stats,
            "POST /login/verify",
            "POST",
            "/login/verify",
            data={"phone": phone, "code": code, "_csrf_token": token},
        )
        token = session_token(client, token)  # signing in issues the session its own token
        # a citizen applies as the identity bound to the account (these people are not on the register)
        applicant = answers(n)[0][1]
        await request(
            client,
            stats,
            "POST /me/identity",
            "POST",
            "/me/identity",
            data={"name": applicant["name"], "id_number": applicant["id_number"], "_csrf_token": token},
        )
        while time.monotonic() < until:
            start = await request(client, stats, "GET /apply", "GET", "/apply")
            if start is None:
                return
            key = f"{n}-{random.getrandbits(64):x}"
            created = await request(
                client,
                stats,
                "POST /apply",
                "POST",
                "/apply",
                data={"benefit": "dibao", "key": key, "_csrf_token": token},
            )
            if created is None or not REF.search(str(created.url)):
                return
            reference = REF.search(str(created.url)).group(1)
            agreed = await request(  # the service's notice and the applicant's consent come first
                client,
                stats,
                "POST /apply/{ref}/privacy",
                "POST",
                f"/apply/{reference}/privacy",
                data={"agree": "on", "_csrf_token": token},
            )
            if agreed is None:
                return
            for step, data in answers(n):
                form = await request(
                    client, stats, "GET /apply/{ref}/{step}", "GET", f"/apply/{reference}/{step}"
                )
                if form is None:
                    return
                idem = IDEM.search(form.text).group(1)
                await request(
                    client,
                    stats,
                    "POST /apply/{ref}/{step}",
                    "POST",
                    f"/apply/{reference}/{step}",
                    data={**data, "idem": idem, "_csrf_token": token},
                )
            check = await request(client, stats, "GET /apply/{ref}/check", "GET", f"/apply/{reference}/check")
            if check is None or not IDEM.search(check.text):
                return
            done = await request(
                client,
                stats,
                "POST /apply/{ref}/submit",
                "POST",
                f"/apply/{reference}/submit",
                data={"idem": IDEM.search(check.text).group(1), "_csrf_token": token},
            )
            if done is not None and done.status_code == 200 and "submitted=1" in str(done.url):
                acknowledged.append(reference)


def session_token(client: httpx.AsyncClient, before: str) -> str:
    """The CSRF token of the session just started (the cookie mirrors it; a new one at sign-in)."""
    return client.cookies.get("huimin_csrf") or client.cookies.get("__Host-huimin_csrf") or before


async def staff(username: str, base: str, stats: Stats, until: float, approved: list[str]) -> None:
    async with httpx.AsyncClient(
        base_url=base, headers={"accept": "text/html"}, timeout=30, follow_redirects=True
    ) as client:
        page = await request(client, stats, "GET /office/login", "GET", "/office/login")
        token = CSRF.search(page.text).group(1)
        await request(
            client,
            stats,
            "POST /office/login",
            "POST",
            "/office/login",
            data={"username": username, "password": "huimin-demo-2026", "_csrf_token": token},
        )
        token = session_token(client, token)
        step = {"community": "community", "street": "street", "district": "district"}[username]
        while time.monotonic() < until:
            listing = await request(
                client, stats, "GET /office/assistance", "GET", f"/office/assistance?status={step}"
            )
            if listing is None:
                return
            refs = re.findall(r'href="/office/assistance/([A-Z]{2}\d+)"', listing.text)[:5]
            if not refs:
                await asyncio.sleep(0.5)
            for ref in refs:
                await request(
                    client, stats, "GET /office/assistance/{ref}", "GET", f"/office/assistance/{ref}"
                )
                data = {"action": "approve", "opinion": "同意", "_csrf_token": token}
                if step == "street":
                    data |= {"visit_date": "2026-11-25", "visitors": "负载", "findings": "属实"}
                done = await request(
                    client,
                    stats,
                    "POST /office/assistance/{ref}/act",
                    "POST",
                    f"/office/assistance/{ref}/act",
                    data=data,
                )
                if done is not None and done.status_code == 200:
                    approved.append(ref)


async def killer(service: Service, every: float, until: float, kills: list[float]) -> None:
    while time.monotonic() + every < until:
        await asyncio.sleep(every)
        service.kill()
        kills.append(time.monotonic())
        await asyncio.to_thread(service.start)


async def run(args) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/load.db"
        if url.startswith("postgresql"):
            engine = make_engine(url)
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await engine.dispose()
        service = Service(url, folder)
        service.prepare()
        service.start()
        engine = make_engine(url)
        stats, acknowledged, approved, kills = Stats(), [], [], []
        started = time.monotonic()
        until = started + args.duration
        tasks = [
            citizen(n, service.base, engine, stats, until, acknowledged) for n in range(1, args.citizens + 1)
        ]
        tasks += [
            staff(u, service.base, stats, until, approved)
            for u in ("community", "street", "district")[: args.staff]
        ]
        if args.kill_every:
            tasks.append(killer(service, args.kill_every, until, kills))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        service.stop()
        stats.report(elapsed)
        print(
            f"\nsubmissions acknowledged: {len(acknowledged)}; staff approvals: {len(approved)}; "
            f"server kills: {len(kills)}"
        )
        problems = 0
        async with engine.connect() as conn:
            for reference in acknowledged:
                row = (
                    await conn.execute(
                        text(
                            "SELECT a.status, (SELECT count(*) FROM assistance_events e "
                            "WHERE e.application_id = a.id AND e.action = 'submit') "
                            "FROM assistance_applications a WHERE a.reference = :r"
                        ),
                        {"r": reference},
                    )
                ).first()
                if row is None or row[0] == "draft" or row[1] != 1:
                    problems += 1
                    print(f"  LOST OR DUPLICATED: {reference} -> {row}")
            dup = await conn.scalar(
                text(
                    "SELECT count(*) FROM (SELECT application_id, step FROM assistance_receipts "
                    "GROUP BY application_id, step, key HAVING count(*) > 1) d"
                )
            )
            submitted = await conn.scalar(
                text(
                    "SELECT count(*) FROM assistance_applications WHERE citizen_id IS NOT NULL "
                    "AND status != 'draft'"
                )
            )
        await engine.dispose()
        verify = subprocess.run(
            [sys.executable, "-m", "server.cli", "audit", "verify"],
            env=service.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        print(
            "acknowledged submissions present exactly once: "
            f"{len(acknowledged) - problems}/{len(acknowledged)}"
        )
        print(
            f"steps applied twice: {dup}; submitted applications in the database: {submitted} "
            f"(acknowledged {len(acknowledged)}; the rest were cut off by the end of the run)"
        )
        print(verify.stdout.strip())
        return 1 if problems or dup or verify.returncode else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL (its public schema is dropped); default: SQLite in a temp folder",
    )
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--staff", type=int, default=3)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--kill-every", type=float, default=0)
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
