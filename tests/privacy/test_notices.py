"""Each service's short notice comes before its first sensitive question, links to the full notice,
and the version the page showed is kept with the report or request; the notice is linked from the
phone's footer and the sign-in page."""

from __future__ import annotations

import re

from server.privacy.notice import NOTICE_VERSION
from tests.discovery.test_flow import TIANNING
from tests.support import citizen_login, post_form, sql, staff_login


def _before(html: str, marker: str, first_question: str) -> bool:
    return html.index(marker) < html.index(first_question)


def test_the_discovery_notice_comes_first_and_its_version_is_kept_with_the_report(client, demo):
    form = client.get("/report")
    assert _before(form.text, 'data-service-notice="discovery"', 'name="situation"')
    assert "报告前请阅读" in form.text and 'href="/privacy"' in form.text
    version = re.search(r'name="notice" value="([^"]+)"', form.text).group(1)
    assert version == NOTICE_VERSION
    data = {"situation": "elderly_alone", "age": "80", "lat": str(TIANNING[0]), "lon": str(TIANNING[1])}
    for carried in (version, "1999-01"):
        sent = post_form(client, "/report", {**data, "notice": carried}, follow_redirects=False)
        assert sent.status_code == 303
    rows = sql(demo, "SELECT id, notice_version FROM discovery_reports ORDER BY id")
    assert rows[0][1] == NOTICE_VERSION and rows[-1][1] is None, "an unknown version is not recorded as read"
    assert staff_login(client, "community").status_code == 303
    detail = client.get(f"/office/discovery/{rows[0][0]}")
    assert f"data-notice-version>{NOTICE_VERSION}<" in detail.text, "staff see which notice was read"


def test_the_certificate_notice_comes_first_and_its_version_is_kept_with_the_request(client, demo):
    citizen_login(client, demo, "13800000001")
    page = client.get("/certificates")
    assert _before(page.text, 'data-service-notice="certificates"', 'name="community"')
    made = post_form(
        client,
        "/certificates",
        {
            "community": "331102001001",
            "address": "天宁社区 解放街 12 号",
            "since": "2015-03-01",
            "purpose": "子女入学",
            "notice": NOTICE_VERSION,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert sql(demo, "SELECT notice_version FROM residence_certificates") == [(NOTICE_VERSION,)]
    post_form(client, "/logout")
    assert staff_login(client, "community").status_code == 303
    cert_id = sql(demo, "SELECT id FROM residence_certificates")[0][0]
    detail = client.get(f"/office/certificates/{cert_id}")
    assert f"data-notice-version>{NOTICE_VERSION}<" in detail.text, "staff see which notice was read"


def test_the_notice_is_linked_from_the_footer_and_the_sign_in_page(client, demo):
    for url in ("/", "/login"):
        page = client.get(url)
        assert re.search(r'<footer class="pwa-footer"><a href="/privacy">', page.text), url
    assert "我们如何处理您的个人信息，请阅读" in client.get("/login").text
