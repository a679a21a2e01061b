"""Plain-language errors, the PWA shell, preferences and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from server.settings import load_settings
from tests.support import post_form, sql


def test_not_found_in_chinese_and_english(client):
    zh = client.get("/no/such/page")
    assert zh.status_code == 404 and "找不到您要的内容" in zh.text and 'lang="zh-CN"' in zh.text
    client.cookies.set("lang", "en")
    en = client.get("/no/such/page")
    assert en.status_code == 404 and "We could not find that" in en.text


def test_api_errors_are_json(client):
    response = client.get("/api/no-such-endpoint", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["error"] == "error.not_found" and response.json()["message"]


def test_a_body_over_the_limit_is_refused_plainly(client):
    post_form(client, "/prefs/text", {"text": "large"})  # get the CSRF cookie
    big = client.post(
        "/login/code",
        content=b"phone=1" + b"0" * (21 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413 and "太大" in big.text


def test_manifest_and_versioned_service_worker(client):
    manifest = client.get("/manifest.webmanifest")
    data = json.loads(manifest.text)
    assert data["display"] == "standalone" and data["start_url"] == "/"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in data["icons"]}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and "__VERSION__" not in sw.text
    assert sw.headers["cache-control"] == "no-cache"
    home = client.get("/")
    assert 'rel="manifest"' in home.text and "/static/js/pwa.js" in home.text


def test_language_and_large_text_are_remembered(client):
    post_form(client, "/prefs/lang", {"lang": "en", "next": "/login"})
    post_form(client, "/prefs/text", {"text": "large", "next": "/login"})
    page = client.get("/login")
    assert 'lang="en"' in page.text and "large-text" in page.text
    assert "Sign in" in page.text


def test_outbox_exists_only_in_explicit_development_mode(client, dev_client, settings, monkeypatch):
    # the default (HUIMIN_ENV unset, or any other value) has no demo tools: only development serves it
    assert load_settings({"HUIMIN_VAR_DIR": str(settings.var_dir)}).env == ""
    assert not load_settings({"HUIMIN_VAR_DIR": str(settings.var_dir)}).development
    assert client.get("/dev/outbox").status_code == 404
    assert dev_client.get("/dev/outbox").status_code == 200
    from dataclasses import replace

    from litestar.testing import TestClient

    from server.app import create_app

    monkeypatch.setattr(type(settings), "production_problems", lambda self: [])
    with TestClient(create_app(replace(settings, env="production"))) as c:
        assert c.get("/dev/outbox").status_code == 404


def _cli(settings, *args):
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "HUIMIN_VAR_DIR": str(settings.var_dir),
        "HUIMIN_SECRET_KEY": settings.secret_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_seeds_the_demo_city_once_and_creates_users(settings):
    first = _cli(settings, "demo", "seed")
    assert first.returncode == 0 and "community" in first.stdout
    assert sql(settings, "SELECT count(*) FROM regions")[0][0] == 15
    assert sql(settings, "SELECT count(DISTINCT role) FROM staff")[0][0] == 9  # every role has a demo account
    again = _cli(settings, "demo", "seed")
    assert again.returncode == 0 and sql(settings, "SELECT count(*) FROM regions")[0][0] == 15
    made = _cli(
        settings,
        "user",
        "create",
        "--username",
        "wang",
        "--name",
        "王五",
        "--role",
        "street_reviewer",
        "--region",
        "331102002",
        "--password",
        "a-long-pass-2026",
    )
    assert made.returncode == 0, made.stderr
    wrong = _cli(
        settings,
        "user",
        "create",
        "--username",
        "lisi",
        "--name",
        "李四",
        "--role",
        "community_worker",
        "--region",
        "331102",
        "--password",
        "a-long-pass-2026",
    )
    assert wrong.returncode == 2 and "社区工作人员只能属于社区" in wrong.stderr


def test_citizen_pages_behind_sign_in_lead_to_sign_in_and_back(client, demo):
    response = client.get("/apply", follow_redirects=False)
    assert response.status_code in (302, 303, 307) and response.headers["location"] == "/login?next=/apply"
    assert client.get("/apply", headers={"accept": "application/json"}).status_code == 401


def test_boosted_navigation_gets_the_whole_page_and_targeted_requests_the_partial(client, demo):
    from tests.support import staff_login

    staff_login(client, "auditor")
    boosted = client.get("/office/audit", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<nav" in boosted.text and "office-nav" in boosted.text, "a boosted nav click keeps the layout"
    partial = client.get("/office/audit", headers={"HX-Request": "true"})
    assert "office-nav" not in partial.text and "<html" not in partial.text


def test_the_migrations_build_exactly_what_the_models_say(settings):
    """Every schema change is an Alembic revision: the migrated database and the models agree
    (tables, columns, types, indexes, constraints)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.models import metadata
    from tests.support import in_db

    async def differences(session):
        conn = await session.connection()
        return await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), metadata)
        )

    assert in_db(settings, differences) == []


def test_dates_and_times_are_the_citys_own_whatever_the_server_clock(client):
    """Stored in UTC, shown and counted in Asia/Shanghai: 18:30 UTC on 1 May is already 2 May."""
    from datetime import UTC, date, datetime

    from server import clock

    late = datetime(2026, 5, 1, 18, 30, tzinfo=UTC)
    assert clock.local(late) == "2026-05-02 02:30"
    assert clock.local(late, "%Y-%m-%d") == "2026-05-02"
    assert clock.local(date(2026, 5, 1), "%Y-%m-%d") == "2026-05-01" and clock.local(None) == ""
    assert clock.local(late.replace(tzinfo=None)) == "2026-05-02 02:30", "a naive time is UTC"
    assert client.app.state.today is clock.today
    assert clock.now().utcoffset().total_seconds() == 8 * 3600
