"""Keeping less: department rows of strangers dropped at import, and the retention table enforced
by the worker's run (a dry run counts, a run deletes rows and files, audited as the system)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from server.accounts.models import Citizen, OtpChallenge, SmsOutbox
from server.assistance.documents_service import document_path
from server.assistance.models import Application, Document
from server.db import utcnow
from server.discovery.models import Report
from server.discovery.service import upload_path
from server.files import write_private
from server.notifications.models import Notification
from server.retention import rules
from server.retention import service as retention
from server.rights.models import RightsRequest
from server.survival.models import Check, CheckFrame, Reference, Schedule
from tests.support import in_db, sql
from tests.verification.support import import_csv, write_csv
from tests.verification.test_rules import NUM, PEOPLE, number, register

NOW = utcnow()


def test_an_import_drops_the_rows_of_strangers_and_keeps_the_matches(demo, tmp_path):
    register(demo)
    stranger = number("331102", date(1981, 2, 3), 901)
    name_b, birth_b = PEOPLE["b"]
    rows = [
        {"id_number": NUM["a"], "name": PEOPLE["a"][0], "death_date": "2026-10-01"},  # on the register
        {"id_number": stranger, "name": "陌生人", "death_date": "2026-10-02"},  # nobody we know
        {"name": name_b, "birth_date": birth_b.isoformat(), "death_date": "2026-10-03"},  # no ID, matches b
        {"name": "无名氏", "birth_date": "1950-01-01", "death_date": "2026-10-04"},  # no ID, no match
    ]
    imp = import_csv(demo, "deaths", write_csv(tmp_path / "deaths.csv", "deaths", rows))
    kept = {n for (n,) in sql(demo, "SELECT name FROM verification_records WHERE import_id = :i", i=imp.id)}
    assert kept == {PEOPLE["a"][0], name_b}, "the strangers are gone, the register's rows stay"
    assert sql(demo, "SELECT strangers_dropped FROM verification_imports WHERE id = :i", i=imp.id) == [(2,)]
    # the check itself still saw the registered person's death
    assert sql(demo, "SELECT count(*) FROM verification_warnings WHERE rule = 'deceased'")[0][0] >= 1
    audit = sql(
        demo, "SELECT after FROM audit_records WHERE action = 'verification.import' ORDER BY seq DESC"
    )
    assert '"strangers_dropped": 2' in str(audit[0][0]).replace("'", '"')


def _old_data(settings) -> dict[str, list[str]]:
    """One item of each class past its period, one still within it; returns the files written."""
    long_ago = NOW - timedelta(days=6 * 365)

    async def go(session):
        apps = list(await session.scalars(select(Application).order_by(Application.id)))
        closed, open_ = apps[0], apps[1]
        closed.status = "terminated"
        await session.flush()
        closed.updated_at = long_ago
        files = {"documents": [], "photos": []}
        for app, name in ((closed, "old-doc.jpg"), (open_, "new-doc.jpg")):
            session.add(
                Document(
                    application_id=app.id,
                    kind="other",
                    stored_name=name,
                    content_type="image/jpeg",
                    size=3,
                    width=1,
                    height=1,
                    sha256="0" * 64,
                )
            )
            write_private(document_path(settings, name), b"jpg")
            files["documents"].append(name)
        # the demo's survival schedule has ended long ago: its reference photo goes
        schedule = await session.scalar(select(Schedule))
        schedule.active = False
        await session.flush()
        schedule.updated_at = long_ago
        ref = await session.scalar(select(Reference))
        check = Check(
            person_id=ref.person_id,
            region_code=ref.region_code,
            actions=["blink"],
            decision="pass",
            status="passed",
            closed_at=NOW - timedelta(days=40),
        )
        session.add(check)
        await session.flush()
        session.add(CheckFrame(check_id=check.id, n=0, data=b"frame"))
        for when, code in ((NOW - timedelta(days=2), "a" * 64), (NOW, "b" * 64)):
            session.add(
                OtpChallenge(
                    phone="13900000000", code_hash=code, client_ip="1.2.3.4", created_at=when, expires_at=when
                )
            )
            session.add(SmsOutbox(phone="13900000000", body="code", created_at=when))
        citizen_id = await session.scalar(select(Citizen.id).limit(1))
        for when in (NOW - timedelta(days=400), NOW):
            session.add(Notification(citizen_id=citizen_id, title="t", body="b", url="/me", created_at=when))
        region = await session.scalar(select(Application.region_code).limit(1))
        for ref_no, answered in (
            ("Q-OLD", NOW - timedelta(days=4 * 365)),
            ("Q-NEW", NOW - timedelta(days=10)),
        ):
            session.add(
                RightsRequest(
                    reference=ref_no,
                    citizen_id=citizen_id,
                    region_code=region,
                    kind="correction",
                    description="d",
                    status="answered",
                    received_on=answered.date(),
                    due_on=answered.date(),
                    answered_at=answered,
                )
            )
        for ref_no, closed_at in (("R-OLD", NOW - timedelta(days=400)), ("R-NEW", NOW - timedelta(days=10))):
            photo = f"{ref_no}.jpg"
            session.add(
                Report(
                    reference=ref_no,
                    device_id="d",
                    client_ip="1.2.3.4",
                    situation="other",
                    photo_name=photo,
                    visit_photos=[f"{ref_no}-visit.jpg"],
                    status="closed",
                    closed_at=closed_at,
                )
            )
            for name in (photo, f"{ref_no}-visit.jpg"):
                write_private(upload_path(settings, name), b"jpg")
                files["photos"].append(name)
        return files

    return in_db(settings, go)


def test_the_retention_run_deletes_what_is_past_its_period_and_only_that(demo):
    _old_data(demo)
    dry = in_db(demo, lambda s: retention.run(s, demo, dry_run=True))
    expected = {
        "faces": 1,
        "frames": 1,
        "documents": 1,
        "codes": 2,
        "discovery_photos": 2,
        "notifications": 1,
        "data_rights": 1,
    }
    assert {k: dry.counts[k] for k in expected} == expected
    # a dry run changes nothing and writes no audit record
    assert sql(demo, "SELECT count(*) FROM assistance_documents") == [(2,)]
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'retention.run'") == [(0,)]

    done = in_db(demo, lambda s: retention.run(s, demo))
    assert {k: done.counts[k] for k in expected} == expected
    assert sql(demo, "SELECT stored_name FROM assistance_documents") == [("new-doc.jpg",)]
    assert not document_path(demo, "old-doc.jpg").exists() and document_path(demo, "new-doc.jpg").exists()
    assert sql(demo, "SELECT count(*) FROM survival_references") == [(0,)]
    assert sql(demo, "SELECT count(*) FROM survival_frames") == [(0,)]
    assert sql(demo, "SELECT count(*) FROM otp_challenges") == [(1,)]
    assert sql(demo, "SELECT count(*) FROM sms_outbox") == [(1,)]
    assert sql(demo, "SELECT count(*) FROM notifications") == [(1,)]
    assert sql(demo, "SELECT reference FROM rights_requests") == [("Q-NEW",)], "answered 3+ years ago: gone"
    photos = sql(demo, "SELECT reference, photo_name FROM discovery_reports ORDER BY reference")
    assert photos == [("R-NEW", "R-NEW.jpg"), ("R-OLD", None)]
    assert not upload_path(demo, "R-OLD.jpg").exists() and not upload_path(demo, "R-OLD-visit.jpg").exists()
    assert upload_path(demo, "R-NEW-visit.jpg").exists()
    audit = sql(demo, "SELECT actor_kind, after FROM audit_records WHERE action = 'retention.run'")
    assert len(audit) == 1 and audit[0][0] == "system"
    assert '"documents": 1' in str(audit[0][1]).replace("'", '"')
    # run again: nothing left to delete
    again = in_db(demo, lambda s: retention.run(s, demo))
    assert again.total == 0
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'retention.run'") == [(1,)]


def test_the_table_names_every_class_with_a_basis_and_a_cutoff():
    assert {r.data_class for r in rules.TABLE} == set(rules.DataClass)
    for r in rules.TABLE:
        assert r.what and r.period and r.basis and r.enforced_by
    assert rules.cutoff(rules.DataClass.FRAMES, NOW) == NOW - timedelta(days=30)
    assert rules.cutoff(rules.DataClass.DOCUMENTS, NOW) == NOW - timedelta(days=5 * 365)
    assert rules.cutoffs(NOW)[rules.DataClass.CODES] == NOW - timedelta(days=1)
    audit = rules.BY_CLASS[rules.DataClass.AUDIT]
    assert "6 个月" in audit.basis and "运维" in audit.period  # kept by the operator, never deleted here


def test_the_cli_shows_the_table_and_counts_a_dry_run(settings):
    from tests.platform.test_platform import _cli

    shown = _cli(settings, "retention", "show", "--lang", "en")
    assert shown.returncode == 0, shown.stderr
    assert (
        "Deleted 30 days after the check closes" in shown.stdout
        and "archives it after 3 years" in shown.stdout
    )
    sql(
        settings,
        "INSERT INTO sms_outbox (phone, body, created_at) VALUES ('13900000000', 'x', :t)",
        t=NOW - timedelta(days=3),
    )
    dry = _cli(settings, "retention", "run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "codes              would delete 1" in dry.stdout
    assert sql(settings, "SELECT count(*) FROM sms_outbox") == [(1,)]
    done = _cli(settings, "retention", "run")
    assert done.returncode == 0 and "codes              deleted 1" in done.stdout
    assert sql(settings, "SELECT count(*) FROM sms_outbox") == [(0,)]
