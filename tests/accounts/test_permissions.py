"""Least privilege in the back office: one role -> permission table, every office route declares
its permission, and the app refuses exactly what the table refuses (walked from the router, so a
route added later without a permission fails here); sessions follow the account."""

from __future__ import annotations

import re

import pytest

from server.accounts.auth import staff_guard
from server.accounts.permissions import GRANTS, P, Role, allows, permissions_of
from server.app import create_app
from server.demo import STAFF
from tests.support import DEMO_PASSWORD, csrf_token, post_form, sql, staff_login

FORBIDDEN = "您没有权限进行此操作。"
ACCOUNT_OF = {
    Role(a.role): a.username
    for a in STAFF
    if a.username
    in ("admin", "sysadmin", "auditor", "city", "verify", "district", "street", "community", "funeral")
}
ADMINS = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
SAMPLE = {"int": "987654321", "str": "ZZ-NOPE"}


# ------------------------------------------------------------------ the table (pure)


def test_every_permission_is_in_the_table_and_every_role_has_an_account_to_try():
    assert set(GRANTS) == set(P)
    assert set(ACCOUNT_OF) == set(Role)


def test_three_administrators_each_hold_one_duty_and_no_business_data():
    """三权分立: accounts, configuration and the audit trail are three people's work, and none of
    them reads or decides anything about citizens."""
    assert permissions_of(Role.SECURITY_ADMIN) == {P.OFFICE_USE, P.STAFF_MANAGE}
    assert permissions_of(Role.SYSTEM_ADMIN) == {P.OFFICE_USE, P.CALENDAR_MANAGE}
    assert permissions_of(Role.AUDIT_ADMIN) == {P.OFFICE_USE, P.AUDIT_READ, P.AUDIT_VERIFY}
    business = set(P) - {P.OFFICE_USE, P.STAFF_MANAGE, P.CALENDAR_MANAGE, P.AUDIT_READ, P.AUDIT_VERIFY}
    for role in ADMINS:
        assert not permissions_of(role) & business, role
    assert not allows("admin", P.STAFF_MANAGE), "the old single administrator role is gone"


def test_only_the_audit_administrator_reads_the_audit_trail():
    assert [r for r in Role if allows(r, P.AUDIT_READ)] == [Role.AUDIT_ADMIN]
    assert [r for r in Role if allows(r, P.AUDIT_VERIFY)] == [Role.AUDIT_ADMIN]
    assert [r for r in Role if allows(r, P.STAFF_MANAGE)] == [Role.SECURITY_ADMIN]


def test_the_funeral_operator_holds_no_social_assistance_data():
    assert permissions_of("funeral_operator") == {P.OFFICE_USE, P.FUNERAL_READ, P.FUNERAL_OPERATE}
    for p in (
        P.ASSISTANCE_READ,
        P.DISCOVERY_READ,
        P.VERIFICATION_WARNING_DECIDE,
        P.VERIFICATION_REPORT_READ,
        P.CERTIFICATES_READ,
        P.AUDIT_READ,
        P.HOUSEHOLDS_CHANGE,
    ):
        assert not allows("funeral_operator", p)


def test_unknown_roles_and_permissions_hold_nothing():
    assert not allows(None, P.OFFICE_USE)
    assert not allows("root", P.OFFICE_USE)
    assert not allows("security_admin", "everything")
    assert permissions_of("nobody") == frozenset()


def test_each_workflow_step_belongs_to_one_level():
    assert [r for r in Role if allows(r, P.ASSISTANCE_ACT_STREET)] == [Role.STREET_REVIEWER]
    assert [r for r in Role if allows(r, P.PAYMENTS_GENERATE)] == [Role.DISTRICT_APPROVER]
    assert [r for r in Role if allows(r, P.VERIFICATION_IMPORT)] == [Role.VERIFICATION_OFFICER]


# ------------------------------------------------------------------ every route, every role


def office_routes(settings) -> list[tuple[str, str, str | None]]:
    """(method, path template, permission) of every office route, from the router itself."""
    app = create_app(settings)
    found = []
    for route in app.routes:
        if not route.path.startswith("/office"):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                guarded = any(getattr(g, "ref", g) is staff_guard for g in handler.resolve_guards())
                if handler.opt.get("public") and not guarded:
                    continue
                assert guarded, f"{method} {route.path} is not behind staff_guard"
                found.append((method, route.path, handler.opt.get("permission")))
    return found


def concrete(path: str) -> str:
    return re.sub(
        r"\{(\w+):(\w+)\}", lambda m: "2099-01-01" if m.group(1) == "day" else SAMPLE[m.group(2)], path
    )


def test_every_office_route_declares_a_known_permission(settings):
    routes = office_routes(settings)
    assert len(routes) > 80
    missing = [(m, p) for m, p, perm in routes if perm not in set(P)]
    assert not missing


def test_every_role_is_refused_exactly_what_the_table_refuses(client, demo):
    routes = office_routes(demo)
    wrong = []
    for role, username in ACCOUNT_OF.items():
        client.cookies.clear()
        assert staff_login(client, username).status_code == 303, username
        token = csrf_token(client)
        for method, path, permission in routes:
            url = concrete(path)
            if method == "GET":
                r = client.get(url, follow_redirects=False)
            else:
                r = client.post(url, data={"_csrf_token": token}, follow_redirects=False)
            refused_by_guard = r.status_code == 403 and FORBIDDEN in r.text
            if allows(role, permission) == refused_by_guard or r.status_code in (401, 500):
                wrong.append((role.value, method, path, permission, r.status_code))
    assert not wrong, "\n".join(map(str, wrong))


def test_navigation_offers_only_what_the_role_may_open(client, demo):
    staff_login(client, "funeral")
    nav = re.search(r"<nav[^>]*office-nav.*?</nav>", client.get("/office").text, re.S).group(0)
    assert "/office/funeral" in nav
    for hidden in (
        "/office/assistance",
        "/office/discovery",
        "/office/verification",
        "/office/certificates",
        "/office/audit",
        "/office/survival",
        "/office/users",
    ):
        assert f'href="{hidden}"' not in nav
    client.cookies.clear()
    staff_login(client, "street")
    nav = re.search(r"<nav[^>]*office-nav.*?</nav>", client.get("/office").text, re.S).group(0)
    assert 'href="/office/assistance"' in nav and 'href="/office/audit"' not in nav
    for username, shown, hidden in (
        ("admin", "/office/users", ("/office/audit", "/office/calendar", "/office/assistance")),
        ("sysadmin", "/office/calendar", ("/office/audit", "/office/users", "/office/assistance")),
        ("auditor", "/office/audit", ("/office/users", "/office/calendar", "/office/assistance")),
        ("city", "/office/assistance", ("/office/audit", "/office/users")),
    ):
        client.cookies.clear()
        staff_login(client, username)
        nav = re.search(r"<nav[^>]*office-nav.*?</nav>", client.get("/office").text, re.S).group(0)
        assert f'href="{shown}"' in nav, username
        assert not [h for h in hidden if f'href="{h}"' in nav], username


def test_the_funeral_operator_cannot_reach_assistance_cases_or_warnings(client, demo):
    """The reproduced case: a funeral operator read cases and hukou photos and dismissed a warning."""
    staff_login(client, "funeral")
    assert client.get("/office/assistance").status_code == 403
    assert client.get("/office/verification/warnings").status_code == 403
    assert client.get("/office/discovery").status_code == 403
    assert client.get("/office/audit").status_code == 403
    assert (
        post_form(client, "/office/verification/warnings/1", {"action": "dismiss", "reason": "x"}).status_code
        == 403
    )


# ------------------------------------------------------------------ sessions follow the account


def _admin_update(admin, user_id: int, **fields):
    return post_form(admin, f"/office/users/{user_id}", fields, follow_redirects=False)


@pytest.fixture
def two_clients(demo):
    from litestar.testing import TestClient

    with (
        TestClient(create_app(demo), base_url="http://testserver.local") as worker,
        TestClient(create_app(demo), base_url="http://testserver.local") as admin,
    ):
        assert staff_login(worker, "community").status_code == 303
        assert worker.get("/office/assistance").status_code == 200
        assert staff_login(admin, "admin").status_code == 303  # the security administrator
        user_id = sql(demo, "SELECT id FROM staff WHERE username = 'community'")[0][0]
        yield worker, admin, user_id


def test_a_deactivated_account_is_signed_out_at_its_next_request(two_clients, demo):
    worker, admin, user_id = two_clients
    done = _admin_update(
        admin,
        user_id,
        display_name="天宁社区工作人员 刘芳",
        role="community_worker",
        region_code="331102001001",
    )  # no "active": unticked
    assert done.status_code == 303
    assert worker.get("/office/assistance", follow_redirects=False).status_code in (302, 303, 307, 401)
    again = staff_login(worker, "community")
    assert again.status_code != 303


def test_a_role_change_reaches_the_open_session(two_clients, demo):
    worker, admin, user_id = two_clients
    _admin_update(
        admin, user_id, display_name="x", role="funeral_operator", region_code="331102001001", active="on"
    )
    assert worker.get("/office/assistance", follow_redirects=False).status_code in (302, 303, 307, 401)
    staff_login(worker, "community")
    assert worker.get("/office/assistance").status_code == 403, "signed in again, as what the account now is"


def test_a_region_change_reaches_the_open_session(two_clients, demo):
    worker, admin, user_id = two_clients
    _admin_update(
        admin, user_id, display_name="x", role="community_worker", region_code="331121001001", active="on"
    )
    assert worker.get("/office", follow_redirects=False).status_code in (302, 303, 307, 401)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(demo):
    from litestar.testing import TestClient

    with (
        TestClient(create_app(demo), base_url="http://testserver.local") as laptop,
        TestClient(create_app(demo), base_url="http://testserver.local") as stolen,
    ):
        staff_login(laptop, "street")
        staff_login(stolen, "street")
        changed = post_form(
            laptop,
            "/office/account/password",
            {"current_password": DEMO_PASSWORD, "new_password": "a-new-long-pass-2026"},
            follow_redirects=False,
        )
        assert changed.status_code == 303
        assert laptop.get("/office/assistance").status_code == 200
        assert stolen.get("/office/assistance", follow_redirects=False).status_code in (302, 303, 307, 401)


def test_a_session_with_an_old_account_version_is_refused(client, demo):
    """A stored session whose account version has since moved on (any change made outside the
    pages, e.g. by a script) does not act."""
    staff_login(client, "street")
    assert client.get("/office/assistance").status_code == 200
    sql(demo, "UPDATE staff SET session_version = session_version + 1 WHERE username = 'street'")
    assert client.get("/office/assistance", follow_redirects=False).status_code in (302, 303, 307, 401)
