"""The restore drill of docs/restore-drill.md, run for real on each backend: demo data, backup,
the database and files lost, restore; then the audit chain verifies and a known application and
its document are back. A changed archive, a wrong key and a database holding data are refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from server.files import write_private
from tests.conftest import _pg_reset_schema
from tests.support import run, sql

KEY = "backup-key-held-by-two-officials-in-halves-0123456789"


def _cli(settings, *args, **env):
    full = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "HUIMIN_VAR_DIR": str(settings.var_dir),
        "HUIMIN_SECRET_KEY": settings.secret_key,
        "HUIMIN_BACKUP_KEY": KEY,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=full, capture_output=True, text=True, timeout=300
    )


def _lose_everything(settings, backend) -> None:
    """The disaster: the database and the var folder are gone (a new, empty database server)."""
    if backend == "sqlite":
        db = settings.database_url.split(":///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
    else:
        run(_pg_reset_schema(settings.database_url))
    shutil.rmtree(settings.var_dir)


def test_restore_drill_brings_back_the_data_files_and_an_intact_audit_chain(demo, backend, tmp_path):
    if backend == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not on PATH: the PostgreSQL drill needs them")
    reference = sql(demo, "SELECT reference FROM assistance_applications ORDER BY id LIMIT 1")[0][0]
    document = demo.var_dir / "uploads" / "assistance" / "drill-document.jpg"
    write_private(document, b"a scanned hukou page")
    assert _cli(demo, "audit", "anchor").returncode == 0  # the anchors live under var/
    records = sql(demo, "SELECT count(*) FROM audit_records")[0][0]

    archive = tmp_path / "city.huimin-backup"
    made = _cli(demo, "backup", "--out", str(archive))
    assert made.returncode == 0, made.stderr
    assert b"drill-document" not in archive.read_bytes() and b"hukou" not in archive.read_bytes()
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    # a database holding data is not overwritten without --force
    refused = _cli(demo, "restore", str(archive))
    assert refused.returncode == 2 and "already holds data" in refused.stderr

    _lose_everything(demo, backend)
    restored = _cli(demo, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert _cli(demo, "db", "upgrade").returncode == 0

    back = sql(demo, "SELECT count(*) FROM assistance_applications WHERE reference = :r", r=reference)
    assert back == [(1,)]
    assert document.read_bytes() == b"a scanned hukou page"
    # every record is back (the backup's own record included), plus the restore's
    assert sql(demo, "SELECT count(*) FROM audit_records")[0][0] >= records + 2
    actions = {a for (a,) in sql(demo, "SELECT action FROM audit_records WHERE object_type = 'backup'")}
    assert actions == {"backup.create", "backup.restore"}
    verified = _cli(demo, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit chain intact" in verified.stdout


def test_a_changed_archive_or_another_key_is_refused_before_anything_is_restored(settings, tmp_path):
    assert _cli(settings, "demo", "seed").returncode == 0
    archive = tmp_path / "city.huimin-backup"
    assert _cli(settings, "backup", "--out", str(archive)).returncode == 0

    _lose_everything(settings, "sqlite" if settings.sqlite else "postgresql")
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    changed = tmp_path / "changed.huimin-backup"
    changed.write_bytes(bytes(raw))
    refused = _cli(settings, "restore", str(changed))
    assert refused.returncode == 2 and "changed or cut short" in refused.stderr
    cut = tmp_path / "cut.huimin-backup"
    cut.write_bytes(archive.read_bytes()[:-100])
    assert _cli(settings, "restore", str(cut)).returncode == 2
    other_key = _cli(settings, "restore", str(archive), HUIMIN_BACKUP_KEY="another-key-" + "x" * 40)
    assert other_key.returncode == 2 and "another key" in other_key.stderr
    # nothing was restored by the refusals: the database is still not there (empty)
    if settings.sqlite:
        assert not os.path.exists(settings.database_url.split(":///", 1)[1])
    assert _cli(settings, "restore", str(archive)).returncode == 0


def test_without_a_backup_key_the_archive_says_so(settings, tmp_path):
    assert _cli(settings, "demo", "seed").returncode == 0
    made = _cli(settings, "backup", "--out", str(tmp_path / "b.huimin-backup"), HUIMIN_BACKUP_KEY="")
    assert made.returncode == 0 and "HUIMIN_BACKUP_KEY is not set" in made.stderr
    again = _cli(settings, "backup", "--out", str(tmp_path / "b.huimin-backup"))
    assert again.returncode == 2 and "exists already" in again.stderr
