"""Lighthouse (npm, with the system Chromium, mobile emulation) on the citizen pages.

    (cd benchmarks/lighthouse && npm install)      # once
    .venv/bin/python benchmarks/lighthouse.py [/path ...]

Starts the service with demo data on a free port (SQLite in a temporary folder), runs Lighthouse
on each page and prints the four category scores; the targets are 95 or more."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "benchmarks" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
PAGES = [
    "/",
    "/login",
    "/apply",
    "/apply/{draft}/applicant",
    "/notice",
    "/certificates",
    "/funeral",
    "/report",
]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(folder: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "HUIMIN_VAR_DIR": folder, "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/lh.db"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "demo-run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the service did not start")


def citizen_cookie(folder: str, port: int) -> tuple[str, str]:
    """Sign in a demo citizen and start an application, for the pages behind sign-in."""
    import re
    import sqlite3

    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=True) as c:
        token = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', c.get("/login").text).group(1)
        c.post("/login/code", data={"phone": "13800000003", "_csrf_token": token})
        body = (
            sqlite3.connect(f"{folder}/lh.db")
            .execute("SELECT body FROM sms_outbox ORDER BY id DESC LIMIT 1")
            .fetchone()[0]
        )
        c.post(
            "/login/verify",
            data={"phone": "13800000003", "code": re.search(r"\d{6}", body).group(0), "_csrf_token": token},
        )
        started = c.post("/apply", data={"benefit": "dibao", "key": "lighthouse", "_csrf_token": token})
        draft = str(started.url).split("/")[-2]
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items()), draft


def audit(url: str, chromium: str, cookie: str = "") -> dict[str, int]:
    extra = [f"--extra-headers={json.dumps({'Cookie': cookie})}"] if cookie else []
    out = subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            *extra,
            f"--chrome-path={chromium}",
            "--chrome-flags=--headless=new --no-sandbox",
            "--output=json",
            "--quiet",
            "--form-factor=mobile",
            "--only-categories=" + ",".join(CATEGORIES),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    report = json.loads(out.stdout)
    return {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}


def main() -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit("run `npm install` in benchmarks/lighthouse first")
    chromium = os.environ.get("HUIMIN_CHROMIUM", "/usr/bin/chromium")
    pages = sys.argv[1:] or PAGES
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        proc = start_service(folder, port)
        try:
            cookie, draft = citizen_cookie(folder, port)
            print(f"{'page':<28}" + "".join(f"{c:>16}" for c in CATEGORIES))
            for path in pages:
                path = path.replace("{draft}", draft)
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
                except urllib.error.HTTPError as e:
                    if e.code == 404:
                        print(f"{path:<28}  (not built yet)")
                        continue
                except OSError:
                    pass
                scores = audit(f"http://127.0.0.1:{port}{path}", chromium, cookie)
                print(f"{path:<28}" + "".join(f"{scores[c]:>16}" for c in CATEGORIES), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
