"""Attempt limits that hold under parallel requests, one-time TOTP codes, CSRF tokens bound to
the session, sign-in that does not reveal which accounts exist, and no SMS outbox in production.

The parallel tests run real requests from many threads against a live uvicorn server."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest
from litestar.testing import TestClient

from server.accounts.sms import OutboxSender
from server.app import ProductionConfigError, create_app
from server.settings import load_settings
from tests.support import DEMO_PASSWORD, csrf_token, last_code, post_form, sql, staff_login

PHONE = "13912345678"
TOKEN_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


class RenamedOutbox(OutboxSender):
    """The development outbox under another name: still never delivers a code."""


def _browser(url: str) -> tuple[httpx.Client, str]:
    """A client with its own CSRF cookie, and the token its login page carries."""
    c = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    page = c.get("/office/login")
    return c, TOKEN_RE.search(page.text).group(1)


def _in_parallel(url: str, n: int, path: str, form: dict) -> list[httpx.Response]:
    """``n`` posts of ``form`` to ``path`` from ``n`` browsers, released at the same moment."""
    browsers = [_browser(url) for _ in range(n)]
    start = threading.Barrier(n)

    def one(b: tuple[httpx.Client, str]) -> httpx.Response:
        c, token = b
        start.wait()
        return c.post(path, data={**form, "_csrf_token": token})

    try:
        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(one, browsers))
    finally:
        for c, _ in browsers:
            c.close()


# 1. attempt limits under parallel requests


def test_parallel_wrong_codes_check_at_most_five_and_the_right_code_is_then_refused(live, demo):
    c, token = _browser(live.url)
    assert c.post("/login/code", data={"phone": PHONE, "_csrf_token": token}).status_code == 200
    right = last_code(demo, PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = _in_parallel(live.url, 40, "/login/verify", {"phone": PHONE, "code": wrong})
    statuses = [r.status_code for r in answers]
    assert 500 not in statuses
    assert statuses.count(422) <= 4, f"{statuses.count(422)} wrong codes were checked (limit 5)"
    assert sql(demo, "SELECT attempts FROM otp_challenges WHERE phone = :p", p=PHONE)[0][0] <= 5
    late = c.post("/login/verify", data={"phone": PHONE, "code": right, "_csrf_token": token})
    assert late.status_code == 429 and "验证码输错次数过多" in late.text
    assert not sql(demo, "SELECT id FROM citizens WHERE phone = :p", p=PHONE)
    c.close()


def test_the_right_code_sent_twice_in_parallel_signs_in_once(live, demo):
    c, token = _browser(live.url)
    c.post("/login/code", data={"phone": PHONE, "_csrf_token": token})
    answers = _in_parallel(live.url, 8, "/login/verify", {"phone": PHONE, "code": last_code(demo, PHONE)})
    statuses = [r.status_code for r in answers]
    assert statuses.count(303) == 1 and 500 not in statuses, statuses
    assert sql(demo, "SELECT count(*) FROM citizens WHERE phone = :p", p=PHONE)[0][0] == 1
    c.close()


@pytest.mark.parametrize("username", ["street", "nobody_here"])
def test_parallel_wrong_passwords_check_at_most_five_then_the_name_is_locked(live, demo, username):
    answers = _in_parallel(
        live.url, 30, "/office/login", {"username": username, "password": "wrong-password-1"}
    )
    statuses = [r.status_code for r in answers]
    assert 500 not in statuses, statuses
    assert statuses.count(401) <= 4, f"{statuses.count(401)} wrong passwords were checked (limit 5)"
    assert set(statuses) <= {401, 429}
    c, token = _browser(live.url)
    late = c.post(
        "/office/login", data={"username": username, "password": DEMO_PASSWORD, "_csrf_token": token}
    )
    assert late.status_code == 429 and "锁定" in late.text
    c.close()


# 2. a TOTP code is good once


def _enable_totp(client, username: str) -> str:
    assert staff_login(client, username).status_code == 303
    page = post_form(client, "/office/account/totp/start")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    code = pyotp.TOTP(secret).now()
    assert post_form(client, "/office/account/totp/confirm", {"code": code}).status_code in (200, 303)
    post_form(client, "/office/logout")
    return secret


def test_a_totp_code_is_refused_the_second_time(client, demo):
    secret = _enable_totp(client, "district")
    code = pyotp.TOTP(secret).now()
    assert staff_login(client, "district").status_code == 200
    first = post_form(client, "/office/login/totp", {"code": code}, follow_redirects=False)
    assert first.status_code == 303
    post_form(client, "/office/logout")
    assert staff_login(client, "district").status_code == 200
    again = post_form(client, "/office/login/totp", {"code": code}, follow_redirects=False)
    assert again.status_code == 401 and "动态验证码不正确" in again.text
    assert client.get("/office", follow_redirects=False).status_code in (302, 303, 307)
    # an older code (the previous time step, still inside the allowed clock drift) is refused too
    older = pyotp.TOTP(secret).at(int(time.time()) - 30)
    assert post_form(client, "/office/login/totp", {"code": older}).status_code == 401


def test_one_totp_code_used_twice_in_parallel_signs_in_once(live, demo):
    with TestClient(create_app(demo), base_url="http://testserver.local") as setup:
        secret = _enable_totp(setup, "district")
    browsers = []
    for _ in range(2):
        c, token = _browser(live.url)
        step = c.post(
            "/office/login", data={"username": "district", "password": DEMO_PASSWORD, "_csrf_token": token}
        )
        assert step.status_code == 200 and 'name="code"' in step.text
        browsers.append((c, TOKEN_RE.search(step.text).group(1)))
    code = pyotp.TOTP(secret).now()
    start = threading.Barrier(2)

    def use(b):
        start.wait()
        return b[0].post("/office/login/totp", data={"code": code, "_csrf_token": b[1]}).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(use, browsers))
    assert statuses == [303, 401]
    for c, _ in browsers:
        c.close()


# 3. the CSRF token belongs to one session


def test_a_csrf_pair_from_another_browser_does_not_work_with_the_victims_session(client, demo, settings):
    assert staff_login(client, "admin").status_code == 303  # the victim
    victim_session = client.cookies.get("huimin_session")
    with TestClient(create_app(settings), base_url="http://testserver.local") as attacker:
        attacker.get("/office/login")
        pair = attacker.cookies.get("huimin_csrf")
    forged = httpx.Cookies()
    for c in client.cookies.jar:
        forged.set(c.name, c.value)
    forged.set("huimin_csrf", pair)
    client.cookies = forged
    made = client.post(
        "/office/users",
        data={
            "username": "mallory",
            "display_name": "M",
            "role": "security_admin",
            "region_code": "331100",
            "password": "Mallory-pass-2026",
            "_csrf_token": pair,
        },
        follow_redirects=False,
    )
    assert made.status_code == 403 and "页面已过期" in made.text
    assert client.cookies.get("huimin_session") == victim_session
    assert not sql(demo, "SELECT id FROM staff WHERE username = 'mallory'")


def test_a_csrf_token_planted_before_sign_in_is_worthless_after_it(client, demo):
    planted = csrf_token(client)  # the attacker knows this one (e.g. set it in the victim's browser)
    assert staff_login(client, "admin").status_code == 303
    assert csrf_token(client) != planted
    client.cookies.set("huimin_csrf", planted)
    refused = client.post("/office/account/totp/start", data={"_csrf_token": planted})
    assert refused.status_code == 403
    # the page the signed-in person sees carries the session's token, and it works
    token = TOKEN_RE.search(client.get("/office/account").text).group(1)
    assert client.post("/office/account/totp/start", data={"_csrf_token": token}).status_code == 200


def test_production_cookies_use_host_prefixed_names(settings, demo):
    with TestClient(
        create_app(replace(settings, secure_cookies=True)), base_url="https://testserver.local"
    ) as c:
        page = c.get("/office/login")
        token = TOKEN_RE.search(page.text).group(1)
        done = c.post(
            "/office/login",
            data={"username": "admin", "password": DEMO_PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        cookies = [v for k, v in done.headers.multi_items() if k == "set-cookie"]
        names = {v.split("=", 1)[0] for v in cookies}
        assert names == {"__Host-huimin_session", "__Host-huimin_csrf"}, names
        for v in cookies:
            assert "Secure" in v and "Path=/" in v and "Domain" not in v
        assert c.get("/office").status_code == 200


# 4. sign-in does not reveal whether an account exists


def _six(client, username: str, password: str) -> list[tuple[int, str]]:
    """Six sign-in tries: the status and the message of each."""
    out = []
    for _ in range(6):
        r = staff_login(client, username, password)
        message = re.search(r'id="form-error">(.*?)<', r.text, re.S)
        out.append((r.status_code, message.group(1).strip() if message else ""))
    return out


def test_unknown_inactive_and_wrong_password_answer_alike(client, demo):
    sql(demo, "UPDATE staff SET active = false WHERE username = 'city'")
    real = _six(client, "street", "wrong-password-1")
    unknown = _six(client, "no_such_person", "wrong-password-1")
    inactive = _six(client, "city", DEMO_PASSWORD)  # the right password of a disabled account
    assert real == unknown == inactive
    assert [s for s, _ in real] == [401, 401, 401, 401, 429, 429]
    texts = [
        staff_login(client, u, p).text for u, p in (("street", "x"), ("no_such_person", "x"), ("city", "x"))
    ]
    assert all("锁定" in t and "停用" not in t for t in texts)


def test_inactive_account_with_the_right_password_is_not_told_apart(client, demo):
    sql(demo, "UPDATE staff SET active = false WHERE username = 'city'")
    right = staff_login(client, "city")
    wrong = staff_login(client, "city", "wrong-password-1")
    assert right.status_code == wrong.status_code == 401
    assert "停用" not in right.text and "用户名或密码不正确" in right.text


# 5. no development outbox in production


@pytest.mark.parametrize(
    "sender",
    [
        "outbox",
        "server.accounts.sms:OutboxSender",
        "tests.accounts.test_attempt_limits:RenamedOutbox",
        "no.such:Thing",
    ],
)
def test_production_refuses_any_outbox_sender(tmp_path, sender):
    settings = load_settings(
        {
            "HUIMIN_ENV": "production",
            "HUIMIN_VAR_DIR": str(tmp_path),
            "HUIMIN_SECRET_KEY": "x" * 40,
            "DATABASE_URL": "postgresql://db/huimin",
            "HUIMIN_SMS_SENDER": sender,
        }
    )
    with pytest.raises(ProductionConfigError, match="HUIMIN_SMS_SENDER"):
        create_app(settings)


def test_parallel_code_requests_send_one_code(live, demo):
    answers = _in_parallel(live.url, 20, "/login/code", {"phone": PHONE})
    statuses = [r.status_code for r in answers]
    assert 500 not in statuses and statuses.count(200) == 1, statuses
    assert sql(demo, "SELECT count(*) FROM otp_challenges WHERE phone = :p", p=PHONE)[0][0] == 1
    assert sql(demo, "SELECT count(*) FROM sms_outbox WHERE phone = :p", p=PHONE)[0][0] == 1


def test_failures_are_forgotten_after_the_lockout_window_for_real_and_made_up_names(client, demo):
    for name in ("street", "no_such_person"):
        assert [staff_login(client, name, "wrong-password-1").status_code for _ in range(4)] == [401] * 4
    long_ago = datetime.now(UTC) - timedelta(minutes=16)
    sql(demo, "UPDATE staff SET last_failed_login_at = :t", t=long_ago)
    sql(demo, "UPDATE login_throttles SET last_failed_login_at = :t", t=long_ago)
    for name in ("street", "no_such_person"):
        assert staff_login(client, name, "wrong-password-1").status_code == 401, name
    assert staff_login(client, "street").status_code == 303


def test_the_current_password_on_the_account_page_has_the_same_limit(client, demo):
    assert staff_login(client, "street").status_code == 303
    form = {"current_password": "wrong-password-1", "new_password": "another-pass-2026"}
    statuses = [post_form(client, "/office/account/password", form).status_code for _ in range(6)]
    assert statuses == [422, 422, 422, 422, 429, 429]
    right = post_form(client, "/office/account/password", {**form, "current_password": DEMO_PASSWORD})
    assert right.status_code == 429 and "锁定" in right.text
    assert sql(demo, "SELECT locked_until IS NOT NULL FROM staff WHERE username = 'street'")[0][0]


def test_parallel_wrong_totp_codes_check_at_most_five(live, demo):
    with TestClient(create_app(demo), base_url="http://testserver.local") as setup:
        secret = _enable_totp(setup, "district")
    browsers = []
    for _ in range(12):  # the password is right: each one reaches the code step without using up a try
        c, token = _browser(live.url)
        step = c.post(
            "/office/login", data={"username": "district", "password": DEMO_PASSWORD, "_csrf_token": token}
        )
        assert step.status_code == 200 and 'name="code"' in step.text
        browsers.append((c, TOKEN_RE.search(step.text).group(1)))
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    start = threading.Barrier(len(browsers))

    def guess(b):
        start.wait()
        return b[0].post("/office/login/totp", data={"code": wrong, "_csrf_token": b[1]}).status_code

    with ThreadPoolExecutor(len(browsers)) as pool:
        statuses = list(pool.map(guess, browsers))
    assert 500 not in statuses and statuses.count(401) <= 4, statuses
    c, token = browsers[0]
    late = c.post(
        "/office/login", data={"username": "district", "password": DEMO_PASSWORD, "_csrf_token": token}
    )
    assert late.status_code == 429
    for c, _ in browsers:
        c.close()
