"""Staff sign-in hardening (#23): the second factor before any work where required, passwords an
administrator set changed first, privileged passwords expiring, the idle timeout and the absolute
cap (with the clock in ``server.clock``), dormant accounts switched off by the worker and on again
by a security administrator, a per-address limit on the sign-in, and what a security administrator
may not do to their own account."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
from litestar.testing import TestClient

from server import clock, ratelimit
from server.accounts import staff_service
from server.app import create_app
from server.audit.service import SYSTEM
from server.db import utcnow
from server.settings import Settings, load_settings
from tests.support import DEMO_PASSWORD, in_db, post_form, sql, staff_login

NEW_PASSWORD = "Lotus-pond-7-bridge"


def staff_id(settings, username: str) -> int:
    return sql(settings, "SELECT id FROM staff WHERE username = :u", u=username)[0][0]


def audit_actions(settings, object_id: int) -> list[tuple[str, str]]:
    return [
        tuple(r)
        for r in sql(
            settings,
            "SELECT action, actor_kind FROM audit_records WHERE object_type = 'staff' AND object_id = :i "
            "ORDER BY seq",
            i=str(object_id),
        )
    ]


# ------------------------------------------------------------------ the second factor, required or not


@pytest.fixture
def strict(demo):
    """The app as production runs it: every staff account enrols the second factor first."""
    with TestClient(create_app(replace(demo, staff_2fa="required")), base_url="http://testserver.local") as c:
        yield c


def test_where_the_second_factor_is_required_every_office_route_sends_to_enrolment(strict, demo):
    assert staff_login(strict, "community").status_code == 303
    for url in ("/office", "/office/assistance", "/office/identity", "/office/users"):
        r = strict.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/office/account", url
    posted = post_form(strict, "/office/identity/claims/1", {"verdict": "confirm"}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == "/office/account"
    htmx = strict.get("/office/assistance", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers.get("hx-redirect") == "/office/account"
    page = strict.get("/office/account/")
    assert page.status_code == 200 and "开始工作前，请先开启双重验证" in page.text
    started = post_form(strict, "/office/account/totp/start")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text).group(1)
    done = post_form(
        strict, "/office/account/totp/confirm", {"code": pyotp.TOTP(secret).now()}, follow_redirects=False
    )
    assert done.status_code == 303
    assert strict.get("/office/assistance").status_code == 200, "enrolled: work can start"
    assert post_form(strict, "/office/logout", follow_redirects=False).status_code == 303, "sign-out works"


def test_where_the_second_factor_is_optional_work_starts_without_it(client, demo):
    assert staff_login(client, "community").status_code == 303
    assert client.get("/office/assistance").status_code == 200


def test_the_second_factor_is_required_in_production_by_default():
    base = {"HUIMIN_SECRET_KEY": "x" * 40, "HUIMIN_VAR_DIR": "/tmp/huimin-test-settings"}
    assert load_settings({**base, "HUIMIN_ENV": "production"}).staff_2fa_required
    assert not load_settings(
        {**base, "HUIMIN_ENV": "production", "HUIMIN_STAFF_2FA": "optional"}
    ).staff_2fa_required
    assert not load_settings(base).staff_2fa_required
    assert load_settings({**base, "HUIMIN_STAFF_2FA": "required"}).staff_2fa_required
    with pytest.raises(ValueError, match="HUIMIN_STAFF_2FA"):
        load_settings({**base, "HUIMIN_STAFF_2FA": "sometimes"})
    assert load_settings(base).staff_idle_minutes == 20
    assert load_settings({**base, "HUIMIN_STAFF_IDLE_MINUTES": "30"}).staff_idle_minutes == 30
    for wrong in ("10", "45", "soon"):
        with pytest.raises(ValueError, match="HUIMIN_STAFF_IDLE_MINUTES"):
            load_settings({**base, "HUIMIN_STAFF_IDLE_MINUTES": wrong})


def test_a_security_administrator_clears_a_lost_second_factor(client, strict, demo):
    user = staff_id(demo, "district")
    sql(demo, "UPDATE staff SET totp_enabled = :t, totp_secret = 'lost' WHERE id = :i", t=True, i=user)
    staff_login(client, "admin")
    assert "清除双重验证" in client.get(f"/office/users/{user}").text
    assert post_form(client, f"/office/users/{user}/totp-reset", follow_redirects=False).status_code == 303
    enabled, secret = sql(demo, "SELECT totp_enabled, totp_secret FROM staff WHERE id = :i", i=user)[0]
    assert not enabled and secret is None
    assert ("staff.totp_reset", "staff") in audit_actions(demo, user)
    assert staff_login(strict, "district").status_code == 303, "the password alone now; then enrol"
    assert strict.get("/office", follow_redirects=False).headers["location"] == "/office/account"


# ------------------------------------------------------------------ passwords


def test_a_password_a_security_administrator_set_is_changed_before_any_work(client, demo):
    staff_login(client, "district_admin")
    created = post_form(
        client,
        "/office/users/",
        {
            "username": "newworker",
            "display_name": "岩泉社区工作人员 陈静",
            "role": "community_worker",
            "region_code": "331102002001",
            "password": "Temp-pass-for-chen-1",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    client.cookies.clear()
    assert staff_login(client, "newworker", "Temp-pass-for-chen-1").status_code == 303
    assert client.get("/office/assistance", follow_redirects=False).headers["location"] == "/office/account"
    assert "请先设置您自己的密码" in client.get("/office/account/").text
    same = post_form(
        client,
        "/office/account/password",
        {"current_password": "Temp-pass-for-chen-1", "new_password": "Temp-pass-for-chen-1"},
    )
    assert same.status_code == 422 and "新密码不能与当前密码相同" in same.text
    changed = post_form(
        client,
        "/office/account/password",
        {"current_password": "Temp-pass-for-chen-1", "new_password": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert client.get("/office/assistance").status_code == 200


def test_a_password_reset_by_a_security_administrator_must_be_changed_again(client, demo):
    user = staff_id(demo, "street")
    with TestClient(create_app(demo), base_url="http://testserver.local") as street:
        staff_login(street, "street")
        with TestClient(create_app(demo), base_url="http://testserver.local") as admin:
            staff_login(admin, "admin")
            weak = post_form(admin, f"/office/users/{user}/password", {"reset_password": "Password2026!"})
            assert weak.status_code == 422 and "这个密码太常见" in weak.text
            done = post_form(
                admin,
                f"/office/users/{user}/password",
                {"reset_password": "Reset-for-zhang-9"},
                follow_redirects=False,
            )
            assert done.status_code == 303
        assert street.get("/office", follow_redirects=False).status_code in (302, 303), "open sessions end"
    assert staff_login(client, "street", "Reset-for-zhang-9").status_code == 303
    assert client.get("/office", follow_redirects=False).headers["location"] == "/office/account"
    assert ("staff.password_reset", "staff") in audit_actions(demo, user)


def test_the_password_policy_speaks_plainly(client, demo):
    staff_login(client, "street")
    for new, message in (
        ("short-1A", "密码至少需要12个字符"),
        ("alllowercaseletters", "至少3种"),
        ("Qwertyuiop-2026", "这个密码太常见"),
        ("street-Reviewer-1", "不能包含用户名或姓名"),
    ):
        r = post_form(
            client, "/office/account/password", {"current_password": DEMO_PASSWORD, "new_password": new}
        )
        assert r.status_code == 422 and message in r.text, new
    client.cookies.set("lang", "en")
    r = post_form(
        client, "/office/account/password", {"current_password": DEMO_PASSWORD, "new_password": "short"}
    )
    assert "at least 12 characters" in r.text


def test_a_privileged_password_expires_after_ninety_days(client, demo):
    old = utcnow() - timedelta(days=91)
    sql(demo, "UPDATE staff SET password_changed_at = :t WHERE username IN ('city', 'street')", t=old)
    staff_login(client, "city")
    assert client.get("/office/assistance", follow_redirects=False).headers["location"] == "/office/account"
    assert "您的密码已超过90天未更换" in client.get("/office/account/").text
    post_form(
        client, "/office/account/password", {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert client.get("/office/assistance").status_code == 200
    client.cookies.clear()
    staff_login(client, "street")  # not a privileged role: no expiry
    assert client.get("/office/assistance").status_code == 200


# ------------------------------------------------------------------ the idle timeout and the cap


@pytest.fixture
def later(monkeypatch):
    """Move the application's clock forward: ``later(minutes=21)``."""
    real = clock.now
    offset = [timedelta()]
    monkeypatch.setattr(clock, "now", lambda: real() + offset[0])

    def move(**delta) -> None:
        offset[0] += timedelta(**delta)

    return move


def test_an_idle_staff_session_ends_and_comes_back_to_the_page(client, demo, later):
    staff_login(client, "street")
    assert client.get("/office/assistance").status_code == 200
    later(minutes=19)
    assert client.get("/office/assistance").status_code == 200, "activity keeps the session alive"
    later(minutes=19)
    assert client.get("/office/assistance?status=open").status_code == 200
    later(minutes=20)
    gone = client.get("/office/assistance?status=open", follow_redirects=False)
    assert gone.headers["location"] == "/office/login?next=/office/assistance%3Fstatus%3Dopen&expired=1"
    login = client.get(gone.headers["location"])
    assert "登录已过期" in login.text and 'value="/office/assistance?status=open"' in login.text
    back = post_form(
        client,
        "/office/login",
        {"username": "street", "password": DEMO_PASSWORD, "next": "/office/assistance?status=open"},
        follow_redirects=False,
    )
    assert back.headers["location"] == "/office/assistance?status=open"
    assert client.get("/office/assistance").status_code == 200


def test_a_post_after_the_timeout_lands_on_sign_in_without_coming_back(client, demo, later):
    staff_login(client, "community")
    later(minutes=21)
    r = post_form(client, "/office/identity/claims/1", {"verdict": "confirm"}, follow_redirects=False)
    assert r.headers["location"] == "/office/login?expired=1", "only a GET is repeated after sign-in"


def test_a_busy_session_still_ends_at_the_cap(client, demo, later):
    staff_login(client, "street")
    for _ in range(25):  # 25 x 19 minutes = 7 h 55 min of steady work
        later(minutes=19)
        assert client.get("/office", follow_redirects=False).status_code == 200
    later(minutes=6)
    r = client.get("/office", follow_redirects=False)
    assert r.status_code in (302, 303, 307) and "expired=1" in r.headers["location"]


def test_the_idle_minutes_follow_the_setting(demo, later):
    with TestClient(
        create_app(replace(demo, staff_idle_minutes=30)), base_url="http://testserver.local"
    ) as c:
        staff_login(c, "street")
        later(minutes=29)
        assert c.get("/office", follow_redirects=False).status_code == 200
        later(minutes=30)
        assert c.get("/office", follow_redirects=False).status_code in (302, 303, 307)


# ------------------------------------------------------------------ dormant accounts


def _make_staff(settings, username: str, days_ago: int) -> int:
    async def go(session):
        staff = await staff_service.create_staff(
            session,
            SYSTEM,
            username=username,
            display_name=f"{username} 测试",
            role="community_worker",
            region_code="331102001001",
            password=NEW_PASSWORD,
        )
        when = utcnow() - timedelta(days=days_ago)
        staff.created_at = staff.enabled_at = staff.last_login_at = when
        return staff.id

    return in_db(settings, go)


def test_the_worker_disables_accounts_not_used_for_ninety_days_and_audits_each(client, demo):
    dormant, recent = _make_staff(demo, "sleepy", 91), _make_staff(demo, "busy", 30)
    assert in_db(demo, staff_service.disable_dormant) == 1
    assert in_db(demo, staff_service.disable_dormant) == 0, "once"
    rows = dict(
        sql(demo, "SELECT username, disabled_reason FROM staff WHERE id IN (:a, :b)", a=dormant, b=recent)
    )
    assert rows == {"sleepy": "dormant", "busy": None}
    assert ("staff.dormant_disable", "system") in audit_actions(demo, dormant)
    assert staff_login(client, "sleepy", NEW_PASSWORD).status_code == 401
    assert staff_login(client, "community").status_code == 303, "demo accounts are left alone"
    # a security administrator switches it on again; it is not switched off at the next round
    client.cookies.clear()
    staff_login(client, "admin")
    assert "超过90天未登录，已由系统自动停用" in client.get(f"/office/users/{dormant}").text
    on = post_form(
        client,
        f"/office/users/{dormant}",
        {
            "display_name": "sleepy 测试",
            "role": "community_worker",
            "region_code": "331102001001",
            "active": "on",
        },
        follow_redirects=False,
    )
    assert on.status_code == 303
    assert in_db(demo, staff_service.disable_dormant) == 0
    assert audit_actions(demo, dormant)[-1] == ("staff.update", "staff")
    client.cookies.clear()
    assert staff_login(client, "sleepy", NEW_PASSWORD).status_code == 303


# ------------------------------------------------------------------ the per-address limit


def test_one_address_is_limited_across_all_names(client, demo, monkeypatch):
    monkeypatch.setattr(staff_service, "SIGN_INS", ratelimit.Limit("staff.sign_in", 5, 900))
    for n in range(4):
        assert staff_login(client, f"guess{n}", "Wrong-pass-2026").status_code == 401
    assert staff_login(client, "street").status_code == 303, "a success is given back"
    client.cookies.clear()
    assert staff_login(client, "guess9", "Wrong-pass-2026").status_code == 401  # the fifth
    refused = staff_login(client, "community")
    assert refused.status_code == 429 and "当前网络登录失败次数过多" in refused.text
    assert sql(demo, "SELECT last_login_at FROM staff WHERE username = 'community'")[0][0] is None
    assert sql(demo, "SELECT count(*) FROM staff WHERE locked_until IS NOT NULL")[0][0] == 0, (
        "no account locked"
    )


# ------------------------------------------------------------------ the security administrator's own account


def test_a_security_administrator_cannot_change_their_own_role_or_switch_themselves_off(client, demo):
    me = staff_id(demo, "admin")
    staff_login(client, "admin")
    base = {"display_name": "安全管理员", "region_code": "331100"}
    promoted = post_form(client, f"/office/users/{me}", {**base, "role": "audit_admin", "active": "on"})
    assert promoted.status_code == 422 and "不能修改自己账号的角色" in promoted.text
    off = post_form(client, f"/office/users/{me}", {**base, "role": "security_admin"})
    assert off.status_code == 422 and "不能停用自己的账号" in off.text
    role, active = sql(demo, "SELECT role, active FROM staff WHERE id = :i", i=me)[0]
    assert role == "security_admin" and active
    # another security administrator may; and each change is in the audit trail
    other = staff_id(demo, "district_admin")
    moved = post_form(
        client,
        f"/office/users/{other}",
        {"display_name": "x", "role": "audit_admin", "region_code": "331102", "active": "on"},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and ("staff.update", "staff") in audit_actions(demo, other)


def test_the_command_line_offers_only_the_roles_there_are():
    from click.testing import CliRunner

    from server.cli import main

    result = CliRunner().invoke(
        main, ["user", "create", "--username", "x", "--name", "x", "--role", "admin", "--region", "331100"]
    )
    assert result.exit_code == 2 and "security_admin" in result.output


def test_settings_defaults_are_safe():
    s = Settings(
        env="test",
        database_url="sqlite+aiosqlite:///x",
        secret_key="k",
        secret_from_env=True,
        var_dir=None,  # type: ignore[arg-type]
        secure_cookies=False,
        sms_sender="outbox",
        redis_url=None,
    )
    assert s.staff_idle_minutes == 20 and s.session_hours == 8 and not s.staff_2fa_required
    assert replace(s, env="production").staff_2fa_required


# ------------------------------------------------------------------ the upgrade


def test_the_upgrade_turns_the_one_administrator_into_a_security_administrator(tmp_path):
    """Existing ``admin`` accounts keep the accounts work (SQLite, from the revision before)."""
    from alembic import command
    from alembic.config import Config

    from server.settings import ROOT

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.upgrade(config, "0908")
    settings = replace(load_settings({"HUIMIN_VAR_DIR": str(tmp_path)}), database_url=url)
    sql(
        settings,
        "INSERT INTO regions (code, name, level, prefix) VALUES ('331100', '丽水市', 'city', '3311')",
    )
    for name, role in (("boss", "admin"), ("clerk", "community_worker")):
        sql(
            settings,
            "INSERT INTO staff (username, display_name, password_hash, role, region_code, totp_enabled, "
            "failed_logins, active, session_version, is_demo, created_at) "
            "VALUES (:u, :u, 'x', :r, '331100', 0, 0, 1, 1, 0, CURRENT_TIMESTAMP)",
            u=name,
            r=role,
        )
    command.upgrade(config, "heads")
    rows = sql(settings, "SELECT username, role, password_changed_at IS NOT NULL, session_version FROM staff")
    assert sorted(tuple(r) for r in rows) == [
        ("boss", "security_admin", 1, 2),
        ("clerk", "community_worker", 1, 2),
    ], "the role kept the accounts; open sessions end; the 90 days count from the upgrade"
