"""No personal page stays in a cache: every answer but the static assets and the PWA's own files
carries ``Cache-Control: no-store``, and signing out (citizen and staff) asks the browser to clear
the site's caches and storage (drafts, the offline queue, the service worker)."""

from __future__ import annotations

from tests.support import citizen_login, post_form, staff_login

CLEAR = '"cache", "storage"'


def test_personal_pages_api_and_downloads_are_never_stored(client, demo):
    citizen_login(client, demo, "13800000001")
    for url in ("/me", "/me/messages", "/apply", "/certificates"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.headers["cache-control"] == "no-store", url
    # the API answers (even a refusal) and the sign-in page are not kept either
    refused = client.post("/api/verification/deaths", json={"rows": []})
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_office_pages_and_exports_are_never_stored(client, demo):
    staff_login(client, "district")
    office = client.get("/office")
    assert office.status_code == 200 and office.headers["cache-control"] == "no-store"
    roll = client.get("/office/assistance/payments")
    assert roll.headers["cache-control"] == "no-store"


def test_static_assets_and_the_manifest_may_be_cached(client):
    css = client.get("/static/css/huimin.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["cache-control"] == "no-cache"
    worker = client.get("/sw.js")
    assert worker.headers["cache-control"] == "no-cache"
    # the service worker keeps only the public shell, never a personal page
    assert 'startsWith("/certificates/")' not in worker.text


def test_citizen_sign_out_clears_the_site_data(client, demo):
    citizen_login(client, demo, "13800000001")
    out = post_form(client, "/logout", follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["clear-site-data"] == CLEAR
    assert client.get("/me", follow_redirects=False).status_code in (302, 303)


def test_staff_sign_out_clears_the_site_data(client, demo):
    staff_login(client, "street")
    out = post_form(client, "/office/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["clear-site-data"] == CLEAR
