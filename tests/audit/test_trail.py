"""The audit trail: every change appends a chained record; the database refuses edits; a record
altered behind the application's back is named by `huimin audit verify` and the office page."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import post_form, sql, staff_login


def _tamper(settings, backend: str, seq: int) -> None:
    """What an attacker with database access would do: switch the guard off and edit a row."""
    if backend == "postgresql":
        sql(settings, "ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
        sql(settings, "UPDATE audit_records SET opinion = 'nothing to see' WHERE seq = :s", s=seq)
        sql(settings, "ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only")
    else:
        sql(settings, "DROP TRIGGER audit_records_no_update")
        sql(settings, "UPDATE audit_records SET opinion = 'nothing to see' WHERE seq = :s", s=seq)


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "HUIMIN_VAR_DIR": str(settings.var_dir),
        "HUIMIN_SECRET_KEY": settings.secret_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_change_appends_a_chained_record_with_before_and_after(client, demo):
    staff_login(client, "admin")
    post_form(
        client,
        "/office/users",
        {
            "username": "newclerk",
            "display_name": "新职员",
            "role": "community_worker",
            "region_code": "331102001002",
            "password": "a-long-pass-2026",
        },
    )
    rows = sql(
        demo,
        'SELECT seq, actor_name, role, region_code, action, CAST("after" AS TEXT), '
        "prev_hash, hash, client_ip FROM audit_records ORDER BY seq",
    )
    created = [r for r in rows if r[4] == "staff.create" and "newclerk" in (r[5] or "")]
    assert created, "creating a user is on record"
    seq, actor, role, region, *_, client_ip = created[0]
    assert (actor, role, region) == ("安全管理员", "security_admin", "331102001002")
    assert client_ip, "the client address is on record"
    # each record holds the hash of the one before it
    for before, after in zip(rows, rows[1:], strict=False):
        assert after[6] == before[7]


def test_the_database_refuses_to_edit_or_delete_audit_records(demo):
    with pytest.raises(Exception, match="(?i)append-only|audit"):
        sql(demo, "UPDATE audit_records SET opinion = 'x' WHERE seq = 1")
    with pytest.raises(Exception, match="(?i)append-only|audit"):
        sql(demo, "DELETE FROM audit_records WHERE seq = 1")


def test_cli_and_office_page_name_the_altered_record(client, demo, backend):
    ok = _cli(demo, "audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout
    total = sql(demo, "SELECT count(*) FROM audit_records")[0][0]
    victim = total // 2 + 1
    _tamper(demo, backend, victim)
    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1
    assert f"record {victim}" in broken.stdout
    staff_login(client, "auditor")
    page = client.get("/office/audit/verify")
    assert page.status_code == 200 and f'data-seq="{victim}"' in page.text


def test_audit_log_filters_and_pages(client, demo):
    staff_login(client, "auditor")  # reading the trail is the audit administrator's work, and no one else's
    listing = client.get("/office/audit", params={"action": "staff.create"})
    assert listing.status_code == 200 and "staff.create" in listing.text
    assert "demo.seed" not in listing.text
    partial = client.get("/office/audit", params={"action": "staff.create"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and partial.headers.get("HX-Push-Url")
