"""Staff sign-in rules as plain functions: the password policy, when a password expires, what a
staff member must set up before work, when a session ends, and what a security administrator may
not do to their own account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.accounts import passwords
from server.accounts import rules as R
from server.accounts.permissions import Role

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def problem(password: str, **kw) -> str | None:
    return passwords.password_problem(password, **kw)


def test_a_password_has_twelve_characters_of_three_kinds():
    assert problem("Ab1-short") == "password.too_short"
    assert problem("abcdefghijkl") == "password.too_simple"  # one kind
    assert problem("abcdefgh1234") == "password.too_simple"  # two kinds
    assert problem("LOTUSPOND-ok") is None  # upper, lower, symbol
    assert problem("青山绿水-2026-lishui") is None  # Chinese counts as "other"
    assert R.password_classes("aB3$") == 4 and R.password_classes("") == 0


def test_common_passwords_are_refused_even_dressed_up():
    weak_ones = (
        "Password2026!",
        "P@ssw0rd1234",
        "qwertyuiop[]1",
        "Woaini1314!!",
        "1qaz2wsx3edc!A",
        "Aa123456789!",
    )
    for weak in weak_ones:
        assert problem(weak) == "password.common", weak
    assert "password" in passwords.BLOCKED and len(passwords.BLOCKED) > 100
    assert problem("Lotus-pond-7-bridge") is None


def test_a_password_does_not_contain_the_username_or_the_name():
    assert problem("Street-reviewer-77", username="reviewer") == "password.personal"
    assert problem("zhangli-2026-OK", display_name="Zhang Li") == "password.personal"
    assert problem("我是张丽-2026-ok", display_name="张丽") == "password.personal"
    assert problem("Lotus-pond-7-bridge", username="zl", display_name="张丽") is None


def test_privileged_passwords_expire_after_ninety_days():
    old, fresh = NOW - timedelta(days=90), NOW - timedelta(days=89)
    for role in (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.CITY_SUPERVISOR):
        assert R.password_expired(role, old, NOW) and not R.password_expired(role, fresh, NOW)
        assert R.password_expired(role, None, NOW), "an unknown date counts as old"
    assert not R.password_expired(Role.COMMUNITY_WORKER, NOW - timedelta(days=400), NOW)


def test_what_must_be_set_up_before_work():
    need = R.setup_needed
    assert (
        need(must_change=True, expired=False, second_factor_required=True, second_factor=False) == "password"
    )
    assert (
        need(must_change=False, expired=True, second_factor_required=False, second_factor=True) == "password"
    )
    assert need(must_change=False, expired=False, second_factor_required=True, second_factor=False) == (
        R.Setup.SECOND_FACTOR
    )
    assert need(must_change=False, expired=False, second_factor_required=True, second_factor=True) is None
    assert need(must_change=False, expired=False, second_factor_required=False, second_factor=False) is None


def test_a_session_ends_when_idle_and_at_the_cap():
    t = NOW.timestamp()
    assert R.session_end(t, t - 600, t - 60, 20, 8) is None
    assert R.session_end(t, t - 3600, t - 20 * 60, 20, 8) == "idle"
    assert R.session_end(t, t - 3600, t - 19 * 60, 20, 8) is None
    assert R.session_end(t, t - 8 * 3600, t - 1, 20, 8) == "cap", "busy all day still ends"
    assert R.session_end(t, None, None, 20, 8) == "cap", "a session from before the limits ends"


def test_the_idle_timeout_is_between_fifteen_and_thirty_minutes():
    assert R.idle_minutes_problem(15) is None and R.idle_minutes_problem(30) is None
    assert R.idle_minutes_problem(14) and R.idle_minutes_problem(31) and R.idle_minutes_problem(0)


def test_a_security_administrator_leaves_their_own_role_and_switch_alone():
    assert R.role_change_refusal(7, 7, "security_admin", "audit_admin") == "user.own_role"
    assert R.role_change_refusal(7, 7, "security_admin", "security_admin") is None
    assert R.role_change_refusal(7, 8, "security_admin", "audit_admin") is None
    assert R.role_change_refusal(None, 8, "community_worker", "security_admin") is None  # the CLI
    assert R.self_disable_refusal(7, 7, False) == "user.own_active"
    assert R.self_disable_refusal(7, 7, True) is None and R.self_disable_refusal(7, 8, False) is None


def test_administrators_sit_where_their_work_is():
    assert R.role_problem(Role.SYSTEM_ADMIN, "331100") is None
    assert R.role_problem(Role.SYSTEM_ADMIN, "331102") == "user.role_level"
    assert R.role_problem(Role.AUDIT_ADMIN, "331102") is None
    assert R.role_problem(Role.SECURITY_ADMIN, "331102001001") is None
    assert R.role_problem("admin", "331100") == "user.role", "the single administrator role is gone"


def test_the_second_factor_is_behind_an_interface():
    import pyotp

    factor = passwords.AUTHENTICATORS["totp"]
    enrolment = factor.start("street")
    assert enrolment.provisioning_uri.startswith("otpauth://totp/") and "street" in enrolment.provisioning_uri
    code = pyotp.TOTP(enrolment.secret).at(NOW)
    assert factor.confirm(enrolment.secret, code, NOW)
    assert factor.check(enrolment.secret, code, NOW) == pyotp.TOTP(enrolment.secret).timecode(NOW)
    assert factor.check(enrolment.secret, "000000" if code != "000000" else "111111", NOW) is None
