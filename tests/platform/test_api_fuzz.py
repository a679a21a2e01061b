"""schemathesis reads the service's own OpenAPI document and throws generated requests at every
operation of the running service, anonymously and as a signed-in administrator: whatever it
sends, the answer is never a server error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import DEMO_PASSWORD

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _admin_headers(url: str) -> list[str]:
    with httpx.Client(base_url=url) as c:
        c.get("/office/login")
        token = c.cookies["huimin_csrf"]
        c.post("/office/login", data={"username": "admin", "password": DEMO_PASSWORD, "_csrf_token": token})
        token = c.cookies["huimin_csrf"]  # signing in issues a new token, bound to the new session
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    return ["-H", f"Cookie: {cookie}", "-H", f"x-csrftoken: {token}"]


@pytest.mark.skipif(
    not SCHEMATHESIS.exists(), reason="schemathesis is not installed (pip install -e '.[test]')"
)
@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_no_operation_answers_with_a_server_error(live, backend, who):
    if backend != "sqlite":
        pytest.skip("one backend is enough for fuzzing the HTTP surface")
    headers = _admin_headers(live.url) if who == "admin" else []
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live.url}/schema/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "10",
            "--no-color",
            "--seed",
            "2026",
            "--request-timeout",
            "20",
            "--exclude-path",
            "/office/logout",
            "--exclude-path",
            "/logout",
            *headers,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    selected = re.search(r"Operations:\s+(\d+) selected", result.stdout)
    assert selected and int(selected.group(1)) >= 20, result.stdout[-2000:]
    if who == "admin":  # the signed-in run really reaches the back office
        assert "GET /office/users" not in result.stdout.split("Authentication failed")[-1], result.stdout[
            -3000:
        ]
