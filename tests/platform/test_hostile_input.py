"""Markup and script typed into free-text fields come back as text, never as markup."""

from __future__ import annotations

from server.people.idcard import check_char
from tests.support import citizen_login, post_form, sql, staff_login

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_staff_name_is_escaped_on_every_page_that_shows_it(client, demo):
    staff_login(client, "admin")
    made = post_form(
        client,
        "/office/users",
        {
            "username": "xss_user",
            "display_name": PAYLOAD,
            "role": "community_worker",
            "region_code": "331102001001",
            "password": "a-long-pass-2026",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    user_id = sql(demo, "SELECT id FROM staff WHERE username = 'xss_user'")[0][0]
    assert_escaped(client.get("/office/users").text)
    assert_escaped(client.get(f"/office/users/{user_id}").text)
    seq = sql(demo, "SELECT max(seq) FROM audit_records WHERE action = 'staff.create'")[0][0]
    client.cookies.clear()
    staff_login(client, "auditor")  # the audit trail is the audit administrator's
    detail = client.get(f"/office/audit/{seq}").text
    assert "xss_user" in detail and "<script>alert" not in detail and "<img src=x" not in detail


def test_search_and_filter_text_is_escaped_when_echoed(client, demo):
    staff_login(client, "admin")
    assert_escaped(client.get("/office/users", params={"q": PAYLOAD}).text)
    client.cookies.clear()
    staff_login(client, "auditor")
    assert_escaped(client.get("/office/audit", params={"action": PAYLOAD}).text)


def test_citizen_name_is_refused_or_escaped(client, demo):
    citizen_login(client, demo, "13800000003")
    first17 = "11010119900307001"
    response = post_form(
        client, "/me/identity", {"name": PAYLOAD, "id_number": first17 + check_char(first17)}
    )
    for html in (response.text, client.get("/me").text):
        assert "<script>alert" not in html and "<img src=x" not in html


def test_free_text_in_reports_and_applications_is_escaped_for_staff(client, demo):
    from tests.assistance.support import ANSWERS, answer, idem, start

    client.get("/report")
    post_form(
        client,
        "/report",
        {"situation": "other", "place": PAYLOAD, "details": PAYLOAD, "name": PAYLOAD},
        follow_redirects=False,
    )
    citizen_login(client, demo, "13800000002")
    reference = start(client)
    for step, data in ANSWERS.items():
        answer(client, reference, step, {**data, "reason": PAYLOAD} if step == "need" else data)
    post_form(
        client, f"/apply/{reference}/submit", {"idem": idem(client.get(f"/apply/{reference}/check").text)}
    )
    post_form(client, "/logout")
    staff_login(client, "district")  # sees the unrouted report too
    report_id = sql(demo, "SELECT id FROM discovery_reports")[0][0]
    for url in (f"/office/discovery/{report_id}", "/office/discovery", f"/office/assistance/{reference}"):
        page = client.get(url)
        assert page.status_code == 200 and "&lt;script&gt;alert" in page.text, url
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, url
