"""Bulk exports as staff live them: the payment roll with bank numbers is asked for with a reason,
approved by a second person of the region (never the requester), downloaded by the requester only,
a limited number of times within a limited time, every step on the audit trail and every download a
view of each payee; a refusal says why; the case's documents and the verification report go the
same way; the old direct downloads are gone."""

from __future__ import annotations

import csv
import io
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from server.db import utcnow
from server.exports import service
from tests.exports.support import ask, decide, download, exported, last_export, switch
from tests.support import DEMO_PASSWORD, in_db, post_form, sql


def make_roll(client) -> str:
    switch(client, "district")
    made = post_form(
        client,
        "/office/assistance/payments",
        {"month": "2026-12", "region_code": "331102"},
        follow_redirects=False,
    )
    return made.headers["location"].rsplit("/", 1)[1]


def status(settings, export_id: int) -> str:
    return sql(settings, "SELECT status FROM export_requests WHERE id = :i", i=export_id)[0][0]


def test_a_payment_roll_leaves_only_with_a_second_persons_approval_and_a_few_downloads(client, demo):
    roll = make_roll(client)
    page = client.get(f"/office/assistance/payments/{roll}")
    assert 'data-export-ask="payment_roll"' in page.text and "/export/csv" not in page.text
    assert client.get(f"/office/assistance/payments/{roll}/export/csv").status_code == 404
    assert ask(client, "payment_roll", roll, "csv", reason=" ").status_code == 422
    assert ask(client, "payment_roll", roll, "csv").status_code == 303
    export_id = last_export(demo)
    mine = client.get("/office/exports")
    assert 'data-export-status="requested"' in mine.text and "报送银行代发" in mine.text
    # not before approval, and never approved by the requester
    assert download(client, export_id).status_code == 409
    assert f'data-export="{export_id}"' not in client.get("/office/exports/approvals").text
    assert decide(client, export_id).status_code == 403
    assert status(demo, export_id) == "requested"
    # another district's approver does not even see it
    switch(client, "qt_district")
    assert f'data-export="{export_id}"' not in client.get("/office/exports/approvals").text
    assert decide(client, export_id).status_code == 404
    # the city supervisor: a refusal needs a reason; an approval opens it for 24 hours
    switch(client, "city")
    waiting = client.get("/office/exports/approvals")
    assert f'data-export="{export_id}"' in waiting.text and "银行账号" in waiting.text
    refused = decide(client, export_id, "reject", "")
    assert refused.status_code == 422 and "请填写审批意见" in refused.text
    assert decide(client, export_id).status_code == 303
    assert status(demo, export_id) == "approved"
    assert download(client, export_id).status_code == 403, "only the requester downloads"
    # the requester downloads, three times at most
    switch(client, "district")
    first = download(client, export_id)
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-store"
    assert "attachment" in first.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(first.content.decode("utf-8-sig"))))
    assert rows[0][4] == "银行账号" and any(len(r[4]) >= 12 and r[4].isdigit() for r in rows[1:-1])
    assert download(client, export_id).status_code == 200
    assert download(client, export_id).status_code == 200
    assert status(demo, export_id) == "used"
    assert download(client, export_id).status_code == 409
    # every payee sees the three downloads; every step is on the trail
    payees = sql(
        demo,
        "SELECT DISTINCT h.head_person_id FROM households h "
        "JOIN assistance_payment_lines l ON l.household_id = h.id WHERE l.roll_id = :r",
        r=int(roll),
    )
    assert payees
    for (person,) in payees:
        seen = sql(
            demo,
            "SELECT actor_name, object_type FROM person_accesses WHERE person_id = :p AND what = 'export'",
            p=person,
        )
        assert seen == [("莲都区审批员 李强", "export_request")] * 3
    actions = [
        a
        for (a,) in sql(
            demo,
            "SELECT action FROM audit_records WHERE object_type = 'export_request' AND object_id = :i "
            "ORDER BY seq",
            i=str(export_id),
        )
    ]
    assert actions == ["export.request", "export.approve", "view.export", "view.export", "view.export"]


def test_an_approved_export_lapses_after_its_time_and_an_undecided_one_after_a_week(client, demo):
    roll = make_roll(client)
    ask(client, "payment_roll", roll, "xlsx")
    late = last_export(demo)
    ask(client, "payment_roll", roll, "csv")
    forgotten = last_export(demo)
    switch(client, "city")
    decide(client, late)
    switch(client, "district")
    sql(
        demo,
        "UPDATE export_requests SET expires_at = :t WHERE id = :i",
        t=utcnow() - timedelta(minutes=1),
        i=late,
    )
    expired = download(client, late)
    assert expired.status_code == 409 and "已过有效期" in expired.text
    sql(
        demo,
        "UPDATE export_requests SET requested_at = :t WHERE id = :i",
        t=utcnow() - timedelta(days=8),
        i=forgotten,
    )
    assert in_db(demo, service.expire) == 2
    assert (status(demo, late), status(demo, forgotten)) == ("expired", "expired")
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'export.expire'")[0][0] == 1


def test_the_requester_withdraws_and_a_refusal_reaches_them_with_its_reason(client, demo):
    roll = make_roll(client)
    ask(client, "payment_roll", roll, "csv")
    withdrawn = last_export(demo)
    assert post_form(client, f"/office/exports/{withdrawn}/cancel").status_code == 200
    assert status(demo, withdrawn) == "cancelled"
    ask(client, "payment_roll", roll, "csv", reason="自己留存")
    refused = last_export(demo)
    switch(client, "city")
    assert decide(client, refused, "reject", "没有必要导出完整银行账号").status_code == 303
    switch(client, "district")
    mine = client.get("/office/exports").text
    assert 'data-export-status="rejected"' in mine and "没有必要导出完整银行账号" in mine
    assert download(client, refused).status_code == 409
    # the kind's own permission: a community worker cannot ask for a payment roll
    switch(client, "community")
    assert ask(client, "payment_roll", roll, "csv").status_code in (403, 404)


def test_a_cases_documents_and_its_verification_report_go_the_same_way(client, demo):
    reference, app_id = sql(
        demo, "SELECT reference, id FROM assistance_applications WHERE region_code = '331102001001' LIMIT 1"
    )[0]
    folder = demo.var_dir / "uploads" / "assistance"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc-bundle.jpg").write_bytes(b"\xff\xd8\xff\xe0 an income proof")
    sql(
        demo,
        "INSERT INTO assistance_documents (application_id, kind, stored_name, content_type, size, width, "
        "height, sha256, uploaded_at) "
        "VALUES (:a, 'income_proof', 'doc-bundle.jpg', 'image/jpeg', 20, 10, 10, :h, :t)",
        a=app_id,
        h="0" * 64,
        t=utcnow(),
    )
    switch(client, "community")
    assert 'data-export-ask="case_documents"' in client.get(f"/office/assistance/{reference}").text
    bundle = exported(client, demo, "case_documents", reference, "zip", "community", "district")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert names == ["01-income_proof.jpg"]
    report = exported(client, demo, "application_report", reference, "pdf", "street", "district")
    assert report.status_code == 200 and report.content[:4] == b"%PDF"
    assert client.get(f"/office/verification/applications/{reference}/report/pdf").status_code == 404


def test_parallel_downloads_never_pass_the_limit(client, demo, live):
    """Six of the requester's browsers press 下载 at the same moment: three files leave, no more."""
    roll = make_roll(client)
    assert ask(client, "payment_roll", roll, "csv").status_code == 303
    export_id = last_export(demo)
    switch(client, "city")
    assert decide(client, export_id).status_code == 303

    token = re.compile(r'name="_csrf_token" value="([^"]+)"')
    browsers = []
    for _ in range(6):
        c = httpx.Client(base_url=live.url, timeout=60, follow_redirects=False)
        login = token.search(c.get("/office/login").text).group(1)
        signed = c.post(
            "/office/login",
            data={"username": "district", "password": DEMO_PASSWORD, "_csrf_token": login},
        )
        assert signed.status_code == 303
        browsers.append((c, token.search(c.get("/office/exports").text).group(1)))
    start = threading.Barrier(len(browsers))

    def press(browser) -> int:
        c, csrf = browser
        start.wait()
        return c.post(f"/office/exports/{export_id}/download", data={"_csrf_token": csrf}).status_code

    try:
        with ThreadPoolExecutor(len(browsers)) as pool:
            answers = sorted(pool.map(press, browsers))
    finally:
        for c, _ in browsers:
            c.close()
    assert answers.count(200) == 3 and all(a == 409 for a in answers if a != 200), answers
    assert sql(demo, "SELECT downloads, status FROM export_requests WHERE id = :i", i=export_id) == [
        (3, "used")
    ]
