"""The audit trail against someone with database access: the chain is keyed (HMAC with a key the
database does not hold) and anchored outside the database (signed checkpoints in an append-only
file). Each attack an outside review found, and the ones next to them, is named by
`huimin audit verify` (exit 1) and the office page."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
from typing import Any

from sqlalchemy import select

from server.audit.anchors import AnchorSink
from server.audit.chain import FIELDS, GENESIS, record_hash
from server.audit.models import AuditHead, AuditRecord
from server.audit.service import SYSTEM, anchor_head, configure, record, verify_chain
from server.crypto import derive_key
from server.db import utcnow
from tests.support import in_db, run, sql, staff_login


def _cli(settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "HUIMIN_VAR_DIR": str(settings.var_dir),
        "HUIMIN_SECRET_KEY": settings.secret_key,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _anchors_file(settings):
    return settings.var_dir / "audit-anchors" / "anchors.jsonl"


def _anchors(settings) -> list[dict]:
    path = _anchors_file(settings)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _unguarded(settings, backend: str, *statements: tuple[str, dict]) -> None:
    """What an attacker with database access does: switch the append-only guard off, edit, delete."""
    if backend == "postgresql":
        sql(settings, "ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
    else:
        sql(settings, "DROP TRIGGER IF EXISTS audit_records_no_update")
        sql(settings, "DROP TRIGGER IF EXISTS audit_records_no_delete")
    try:
        for statement, params in statements:
            sql(settings, statement, **params)
    finally:
        if backend == "postgresql":
            sql(settings, "ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only")


async def _rows(session, since: int) -> list[dict[str, Any]]:
    columns = [getattr(AuditRecord, name) for name in ("prev_hash", "hash", *FIELDS)]
    result = await session.execute(select(*columns).where(AuditRecord.seq >= since).order_by(AuditRecord.seq))
    return [dict(row._mapping) for row in result]


def _rewrite(settings, backend: str, victim: int, key: bytes | None, keyed_from: int | None = None) -> None:
    """Change one record's opinion and recompute every hash after it, the way the chain used to be
    computed (plain SHA-256, ``key=None``) or with a key of the attacker's own; the head follows."""
    rows = in_db(settings, lambda s: _rows(s, victim - 1))
    prev, statements = rows[0]["hash"], []
    for row in rows[1:]:
        if row["seq"] == victim:
            row["opinion"] = "nothing to see"
        digest = record_hash(prev, row, key)
        statements.append(
            (
                "UPDATE audit_records SET opinion = :o, prev_hash = :p, hash = :h WHERE seq = :s",
                {"o": row["opinion"], "p": prev, "h": digest, "s": row["seq"]},
            )
        )
        prev = digest
    statements.append(("UPDATE audit_head SET hash = :h", {"h": prev}))
    if keyed_from is not None:
        statements.append(("UPDATE audit_head SET keyed_from = :k", {"k": keyed_from}))
    _unguarded(settings, backend, *statements)


def _total(settings) -> int:
    return sql(settings, "SELECT count(*) FROM audit_records")[0][0]


def test_a_deleted_tail_with_the_head_rewound_is_named_by_the_anchor(client, demo, backend):
    written = _cli(demo, "audit", "anchor")
    assert written.returncode == 0 and "written" in written.stdout
    assert stat.S_IMODE(os.stat(_anchors_file(demo)).st_mode) == 0o600, (
        "only the service's user reads the anchors"
    )
    total = _total(demo)
    assert _anchors(demo)[-1]["seq"] == total
    keep = total // 2
    kept_hash = sql(demo, "SELECT hash FROM audit_records WHERE seq = :s", s=keep)[0][0]
    _unguarded(
        demo,
        backend,
        ("DELETE FROM audit_records WHERE seq > :s", {"s": keep}),
        ("UPDATE audit_head SET seq = :s, hash = :h", {"s": keep, "h": kept_hash}),
    )

    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1
    assert "audit chain BROKEN" not in broken.stdout, "what is left of the chain is itself intact"
    assert f"naming record {total}" in broken.stdout and "(gone" in broken.stdout
    assert "已不存在" in broken.stdout, "said in plain Chinese first"
    staff_login(client, "auditor")
    page = client.get("/office/audit/verify")
    assert page.status_code == 200 and 'data-anchors="broken"' in page.text
    assert f'data-anchor-seq="{total}"' in page.text
    # nor will the service anchor the rewound head as if nothing happened
    refused = _cli(demo, "audit", "anchor")
    assert refused.returncode == 1 and "refused" in refused.stdout


def test_a_record_rewritten_with_plain_sha256_hashes_is_named(demo, backend):
    total = _total(demo)
    victim = total // 2 + 1
    _rewrite(demo, backend, victim, key=None)
    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at record {victim} (content)" in broken.stdout
    assert f"naming record {total}" in broken.stdout, "the anchor at the head no longer matches either"


def test_calling_every_record_old_style_is_caught_by_the_anchors(demo, backend):
    """Plain hashes pass for records before ``keyed_from``: moving it past the end is noticed."""
    total = _total(demo)
    _rewrite(demo, backend, total // 2 + 1, key=None, keyed_from=total + 1)
    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1
    assert "audit anchors BROKEN at anchor 1 (keyed_from" in broken.stdout


def test_a_record_rewritten_with_another_key_is_named(demo, backend):
    total = _total(demo)
    victim = total - 1
    _rewrite(demo, backend, victim, key=derive_key("a guess at the secret key", "audit-chain-hmac"))
    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1 and f"BROKEN at record {victim} (content)" in broken.stdout


def test_anchors_deleted_or_altered_are_named(demo):
    for _ in range(3):
        in_db(demo, lambda s: anchor_head(s, force=True))
    path = _anchors_file(demo)
    original = path.read_text().splitlines(keepends=True)
    assert len(original) == 4 and [a["n"] for a in _anchors(demo)] == [1, 2, 3, 4]
    assert _cli(demo, "audit", "verify").returncode == 0

    path.write_text("".join(original[:1] + original[2:]))  # a line taken out
    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1 and "at anchor 2 (sequence" in broken.stdout

    altered = json.loads(original[2])
    altered["seq"] -= 1
    path.write_text("".join(original[:2] + [json.dumps(altered) + "\n"] + original[3:]))
    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1 and "at anchor 3 (signature" in broken.stdout

    path.unlink()
    broken = _cli(demo, "audit", "verify")
    assert broken.returncode == 1 and "at anchor 1 (none" in broken.stdout


def test_anchors_are_checked_with_the_auditors_public_key(demo, tmp_path):
    published = _cli(demo, "audit", "public-key")
    assert published.returncode == 0 and "BEGIN PUBLIC KEY" in published.stdout
    (tmp_path / "ours.pem").write_text(published.stdout)
    assert _cli(demo, "audit", "verify", "--public-key", str(tmp_path / "ours.pem")).returncode == 0
    # anchors signed by a service with another signing key do not pass the auditor's check
    other = _cli(demo, "audit", "public-key", HUIMIN_SECRET_KEY="another-secret-key-that-is-long-enough-000")
    (tmp_path / "other.pem").write_text(other.stdout)
    broken = _cli(demo, "audit", "verify", "--public-key", str(tmp_path / "other.pem"))
    assert broken.returncode == 1 and "at anchor 1 (signature" in broken.stdout


async def _legacy_chain(session, count: int, migrated: bool = True) -> str:
    """Records written before the chain was keyed, as the old code wrote them (``migrated``: the
    head row already has ``keyed_from``, as migration 0905 sets it)."""
    prev = GENESIS
    for seq in range(1, count + 1):
        fields = {
            "seq": seq,
            "at": utcnow(),
            "actor_kind": "system",
            "actor_name": "huimin",
            "action": "legacy.thing",
            "object_type": "thing",
            "object_id": str(seq),
            "after": {"n": seq},
        }
        digest = record_hash(prev, fields)
        session.add(AuditRecord(**fields, prev_hash=prev, hash=digest))
        prev = digest
    await session.flush()
    head = {"seq": count, "hash": prev, **({"keyed_from": count + 1} if migrated else {})}
    await session.execute(AuditHead.__table__.update().values(**head))
    return prev


def test_records_chained_before_keying_still_verify_and_stay_sealed(settings, backend):
    in_db(settings, lambda s: _legacy_chain(s, 5))
    for _ in range(3):
        in_db(settings, lambda s: record(s, SYSTEM, "test.keyed", "thing"))
    assert _anchors(settings)[0]["keyed_from"] == 6
    report = in_db(settings, verify_chain)
    assert report.intact and report.checked == 8
    assert _cli(settings, "audit", "verify").returncode == 0

    _rewrite(settings, backend, 3, key=None)  # the old records rewritten the old way
    broken = _cli(settings, "audit", "verify")
    assert broken.returncode == 1 and "BROKEN at record 6 (content)" in broken.stdout


def test_anchors_follow_the_records_and_the_worker_round(settings):
    configure(dataclasses.replace(settings, audit_anchor_every=3))
    for _ in range(7):
        in_db(settings, lambda s: record(s, SYSTEM, "test.thing", "thing"))
    # the first commit anchors (there was none), then every third record; no write in between
    assert [a["seq"] for a in _anchors(settings)] == [1, 4, 7]
    in_db(settings, lambda s: record(s, SYSTEM, "test.thing", "thing"))
    assert len(_anchors(settings)) == 3
    worker = _cli(settings, "worker", "--once", HUIMIN_AUDIT_ANCHOR_MINUTES="0")
    assert worker.returncode == 0, worker.stderr
    assert [a["seq"] for a in _anchors(settings)] == [1, 4, 7, 8]
    worker = _cli(settings, "worker", "--once", HUIMIN_AUDIT_ANCHOR_MINUTES="0")
    assert len(_anchors(settings)) == 4, "nothing new, no new anchor"


class ListSink(AnchorSink):
    """Another place for anchors (``HUIMIN_AUDIT_ANCHOR=module:Class``), e.g. object storage."""

    kept: list[dict] = []

    def write(self, anchor: dict) -> None:
        self.kept.append(anchor)

    def read(self) -> list[dict]:
        return list(self.kept)


def test_the_anchor_sink_is_pluggable(settings):
    ListSink.kept = []
    configure(dataclasses.replace(settings, audit_anchor=f"{__name__}:ListSink"))
    in_db(settings, lambda s: record(s, SYSTEM, "test.thing", "thing"))
    assert [a["seq"] for a in ListSink.kept] == [1] and not _anchors_file(settings).exists()
    assert in_db(settings, verify_chain).intact
    ListSink.kept.clear()
    report = in_db(settings, verify_chain)
    assert not report.intact and report.anchors.reason == "none"


def test_the_upgrade_keys_the_chain_after_the_records_already_written_and_anchors_it(tmp_path):
    """`huimin db upgrade` on a database with records (SQLite): they keep their plain SHA-256, the
    next record is the first keyed one, and an anchor made at once pins where that is."""
    from alembic import command
    from alembic.config import Config

    from server.settings import ROOT

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.upgrade(config, "0802")
    settings = _plain_settings(url, tmp_path)
    in_db(settings, lambda s: _legacy_chain(s, 3, migrated=False))
    upgraded = _cli(settings, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert sql(settings, "SELECT seq, keyed_from FROM audit_head") == [(3, 4)]
    assert [(a["n"], a["seq"], a["keyed_from"]) for a in _anchors(settings)] == [(1, 3, 4)]
    assert _cli(settings, "audit", "verify").returncode == 0


def _plain_settings(url, tmp_path):
    from server.settings import Settings

    return Settings(
        env="test",
        database_url=url,
        secret_key="x" * 40,
        secret_from_env=True,
        var_dir=tmp_path,
        secure_cookies=False,
        sms_sender="outbox",
        redis_url=None,
    )


def test_a_rolled_back_record_is_never_anchored(demo, client):
    """Only committed records are anchored: an anchor naming a record that was rolled back would
    later read as a deleted tail."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from server.db import make_engine

    configure(dataclasses.replace(demo, audit_anchor_every=1))
    before = len(_anchors(demo))

    async def roll_back_then_commit_nothing() -> None:
        engine = make_engine(demo.database_url)
        try:
            async with async_sessionmaker(engine)() as session:
                async with session.begin():
                    await record(session, SYSTEM, "test.thing", "thing")
                    await session.rollback()
                async with session.begin():
                    await session.execute(select(AuditHead.seq))
        finally:
            await engine.dispose()

    run(roll_back_then_commit_nothing())
    assert len(_anchors(demo)) == before
    # a change made through the service is anchored once its transaction commits
    staff_login(client, "admin")
    assert _anchors(demo)[-1]["seq"] == _total(demo) > _anchors(demo)[0]["seq"]
    assert in_db(demo, verify_chain).intact


def test_any_anchor_taken_out_reordered_or_edited_is_named_where_it_happened():
    """The pure rule (server/audit/chain.py), every position and every field."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from server.audit.anchors import signature_checker
    from server.audit.chain import check_anchors, make_anchor

    key = Ed25519PrivateKey.generate()
    ok = signature_checker(key.public_key())
    stored = {seq: f"{seq:064x}" for seq in range(1, 11)}
    anchors, last = [], None
    for seq in (2, 4, 4, 7, 10):
        last = make_anchor(last, seq, stored[seq], 1, datetime.now(UTC), key.sign)
        anchors.append(last)
    assert check_anchors(anchors, ok, stored, 10, 1).intact
    for i in range(len(anchors)):
        assert check_anchors(anchors[:i] + anchors[i + 1 :], ok, stored, 10, 1).broken_n == (
            i + 1 if i < 4 else None
        )
        for name, value in (
            ("seq", 3),
            ("hash", "f" * 64),
            ("keyed_from", 2),
            ("at", "2020-01-01T00:00:00.000000Z"),
        ):
            edited = [dict(a) for a in anchors]
            edited[i][name] = value
            report = check_anchors(edited, ok, stored, 10, 1)
            assert (report.broken_n, report.reason) == (i + 1, "signature")
    swapped = [anchors[1], anchors[0], *anchors[2:]]
    assert check_anchors(swapped, ok, stored, 10, 1).broken_n == 1
    # the records behind them: a tail cut at 8, a record rewritten, keyed_from moved
    assert (
        check_anchors(anchors, ok, stored, 8, 1).broken_n,
        check_anchors(anchors, ok, stored, 8, 1).reason,
    ) == (5, "gone")
    assert check_anchors(anchors, ok, {**stored, 7: "e" * 64}, 10, 1).reason == "hash"
    assert check_anchors(anchors, ok, stored, 10, 11).reason == "keyed_from"
    assert check_anchors([], ok, stored, 10, 1).reason == "none"
