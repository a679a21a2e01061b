"""Staff sign-in security: lockout, TOTP, session rotation, cookie flags, CSRF, security headers."""

from __future__ import annotations

import re
from dataclasses import replace

import pyotp
import pytest
from litestar.testing import TestClient

from server.app import ProductionConfigError, create_app
from server.settings import load_settings
from tests.support import csrf_token, post_form, sql, staff_login


def test_wrong_password_five_times_locks_the_account(client, demo):
    for _ in range(4):
        bad = staff_login(client, "street", "wrong-password")
        assert bad.status_code == 401 and "用户名或密码不正确" in bad.text
    fifth = staff_login(client, "street", "wrong-password")
    assert fifth.status_code == 429 and "锁定" in fifth.text
    locked = staff_login(client, "street")  # even the right password is refused now
    assert locked.status_code == 429 and "锁定" in locked.text
    assert sql(demo, "SELECT locked_until IS NOT NULL FROM staff WHERE username = 'street'")[0][0]
    assert staff_login(client, "community").status_code == 303, "other accounts are unaffected"


def test_totp_second_factor(client, demo):
    assert staff_login(client, "district").status_code == 303
    page = post_form(client, "/office/account/totp/start")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert post_form(client, "/office/account/totp/confirm", {"code": "000000"}).status_code == 422
    done = post_form(
        client, "/office/account/totp/confirm", {"code": pyotp.TOTP(secret).now()}, follow_redirects=False
    )
    assert done.status_code == 303
    post_form(client, "/office/logout")
    step = staff_login(client, "district")
    assert step.status_code == 200 and 'name="code"' in step.text, "the password alone is not enough"
    assert client.get("/office", follow_redirects=False).status_code in (302, 303, 307)
    assert post_form(client, "/office/login/totp", {"code": "123456"}).status_code == 401
    ok = post_form(client, "/office/login/totp", {"code": pyotp.TOTP(secret).now()}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/office").status_code == 200


def test_session_id_changes_at_sign_in_and_cookies_are_flagged(client, demo):
    client.get("/office/login")
    client.cookies.set("huimin_session", "planted-by-attacker")
    response = staff_login(client, "community")
    issued = response.cookies.get("huimin_session")
    assert issued and issued != "planted-by-attacker"
    header = "; ".join(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "huimin_session" in v
    )
    assert "HttpOnly" in header and "SameSite=lax" in header.replace("Lax", "lax")


def test_secure_cookie_flag_when_configured(settings, demo):
    with TestClient(
        create_app(replace(settings, secure_cookies=True)), base_url="https://testserver.local"
    ) as c:
        response = staff_login(c, "community")
        assert "Secure" in response.headers.get("set-cookie", "")


def test_unsafe_requests_without_csrf_token_are_refused(client, demo):
    csrf_token(client)
    refused = client.post("/office/login", data={"username": "admin", "password": "huimin-demo-2026"})
    assert refused.status_code == 403
    assert "页面已过期" in refused.text and "Traceback" not in refused.text
    assert sql(demo, "SELECT last_login_at FROM staff WHERE username = 'admin'")[0][0] is None


def test_security_headers_on_pages_and_static_files(client):
    for url in ("/", "/office/login", "/static/css/huimin.css"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in csp


def test_pages_have_no_inline_script(client, demo):
    staff_login(client, "admin")
    for url in ("/", "/login", "/office", "/office/audit", "/office/users", "/office/account"):
        html = client.get(url).text
        assert "<script>" not in html and " onclick=" not in html, url
        for tag in html.split("<script")[1:]:
            assert "src=" in tag.split(">")[0], f"inline script on {url}"


@pytest.mark.parametrize(
    "env, problem",
    [
        ({}, "HUIMIN_SECRET_KEY"),
        ({"HUIMIN_SECRET_KEY": "x" * 40}, "SQLite"),
        ({"HUIMIN_SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://db/huimin"}, "HUIMIN_SMS_SENDER"),
    ],
)
def test_production_refuses_to_start_on_defaults(tmp_path, env, problem):
    settings = load_settings({"HUIMIN_ENV": "production", "HUIMIN_VAR_DIR": str(tmp_path), **env})
    with pytest.raises(ProductionConfigError, match=problem):
        create_app(settings)


def test_production_refuses_to_start_with_demo_accounts(demo, monkeypatch):
    """The demo-account check runs at startup against the database, after the configuration
    checks; a configuration that passes them still may not serve with demo accounts present."""

    monkeypatch.setattr(type(demo), "production_problems", lambda self: [])
    settings = replace(demo, env="production")
    with pytest.raises(BaseException) as refused:  # the startup hook's error arrives in an ExceptionGroup
        with TestClient(create_app(settings)):
            pass
    causes = refused.value.exceptions if isinstance(refused.value, BaseExceptionGroup) else [refused.value]
    assert any(isinstance(c, ProductionConfigError) and "demo accounts" in str(c) for c in causes)
