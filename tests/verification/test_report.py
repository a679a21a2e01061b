"""The household verification report: built for an application before anyone is enrolled, read by
the street reviewer and attached to the case as a PDF that stays as it was; and the same rules in
Python (for one household) agree with the set-based SQL on a generated city."""

from __future__ import annotations

import hashlib
import re

import pypdfium2

from server.people.models import Household
from server.verification import checks_service as checks
from server.verification import report_service as report
from server.verification.sources import SOURCES
from tests.assistance.support import ANSWERS, MEMBER, apply_fully, id_of
from tests.support import in_db, post_form, sql, staff_login
from tests.verification.support import TODAY, import_csv, small_city, write_csv

PURE_RULES = {
    "deceased",
    "imprisoned",
    "business",
    "staff_relative",
    "vehicle",
    "duplicate",
    "hukou_outside",
    "property",
    "income",
    "deposits",
}


def as_staff(client, username):
    post_form(client, "/office/logout")
    assert staff_login(client, username).status_code == 303


def findings_on(page: str) -> set[str]:
    return set(re.findall(r'data-finding="([a-z_]+)"', page))


def test_street_review_attaches_the_report_of_an_application(client, demo, tmp_path):
    client.app.state.today = lambda: TODAY
    reference = apply_fully(client, demo)
    applicant, child = ANSWERS["applicant"]["id_number"], id_of(MEMBER[1])
    as_staff(client, "community")
    assert (
        post_form(
            client,
            f"/office/assistance/{reference}/act",
            {"action": "approve", "opinion": "材料齐全"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    as_staff(client, "street")
    url = f"/office/verification/applications/{reference}/report"
    clean = client.get(url)
    assert clean.status_code == 200 and findings_on(clean.text) == {"none"}
    assert "孙丽华" in clean.text and applicant not in clean.text, "names and masked numbers only"

    # the departments' data say the applicant has a car and, last year, wages over the standard
    # for two people (1,080 yuan each a month, the demo city's standard)
    import_csv(
        demo,
        "vehicles",
        write_csv(
            tmp_path / "v.csv",
            "vehicles",
            [
                {
                    "id_number": applicant,
                    "name": "孙丽华",
                    "plate": "浙K8A123",
                    "kind": "car",
                    "value": "60000",
                }
            ],
        ),
    )
    import_csv(
        demo,
        "tax_income",
        write_csv(
            tmp_path / "t.csv",
            "tax_income",
            [
                {
                    "id_number": applicant,
                    "name": "孙丽华",
                    "year": "2025",
                    "annual_income": str(1080 * 2 * 12),
                },
                {"id_number": child, "name": "孙小宝", "year": "2025", "annual_income": "0"},
            ],
        ),
    )
    found = client.get(url)
    assert findings_on(found.text) == {"vehicle", "income"}
    assert "浙K8A123" in found.text and 'data-income="2160.00"' in found.text

    detail = client.get(f"/office/assistance/{reference}")
    assert "生成核对报告并附到申请材料" in detail.text
    attached = post_form(client, url, follow_redirects=False)
    assert attached.status_code == 303 and attached.headers["location"].startswith(
        f"/office/assistance/{reference}"
    )

    detail = client.get(f"/office/assistance/{reference}")
    assert 'data-document="verification_report"' in detail.text
    assert "附上家庭经济状况核对报告" in detail.text, "the timeline shows who attached it"
    doc_id = sql(
        demo,
        "SELECT d.id FROM assistance_documents d JOIN assistance_applications a ON a.id = d.application_id "
        "WHERE a.reference = :r AND d.kind = 'verification_report'",
        r=reference,
    )[0][0]
    pdf = client.get(f"/office/assistance/{reference}/documents/{doc_id}")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf.content))
    assert "家庭经济状况核对报告" in text and "孙丽华" in text and "车辆" in text and "收入超标" in text
    digest = hashlib.sha256(pdf.content).hexdigest()
    audit = sql(
        demo,
        "SELECT after FROM audit_records WHERE action = 'verification.report_attached' AND object_id = :r",
        r=reference,
    )
    assert len(audit) == 1 and digest in str(audit[0][0]), (
        "the audit trail holds the hash of what was attached"
    )

    # the district sees the attached report with the case; later data do not change it
    import_csv(
        demo,
        "vehicles",
        write_csv(
            tmp_path / "v2.csv",
            "vehicles",
            [
                {
                    "id_number": applicant,
                    "name": "孙丽华",
                    "plate": "浙K8A123",
                    "kind": "car",
                    "value": "60000",
                    "deregistered_on": "2026-11-01",
                }
            ],
        ),
    )
    assert findings_on(client.get(url).text) == {"income"}, "a fresh report reads the new snapshot"
    post_form(
        client,
        f"/office/assistance/{reference}/act",
        {
            "action": "approve",
            "opinion": "同意",
            "visit_date": "2026-11-20",
            "visitors": "张丽",
            "findings": "有车辆，收入超标",
        },
    )
    as_staff(client, "district")
    assert (
        hashlib.sha256(client.get(f"/office/assistance/{reference}/documents/{doc_id}").content).hexdigest()
        == digest
    )

    # only whoever works the current step may attach one; other regions see nothing
    as_staff(client, "street")
    refused = post_form(client, url, follow_redirects=False)
    assert refused.status_code == 409 and "只有正在办理本环节的人员" in refused.text
    as_staff(client, "qt_street")
    assert client.get(url).status_code == 404
    assert post_form(client, url, follow_redirects=False).status_code == 404
    assert (
        sql(demo, "SELECT count(*) FROM assistance_documents WHERE kind = 'verification_report'")[0][0] == 1
    )


def test_the_rules_for_one_household_agree_with_the_sql_on_a_generated_city(demo, tmp_path):
    city, truth = small_city(demo, tmp_path)
    for source in SOURCES:
        import_csv(demo, source, tmp_path / "sources" / f"{source}.csv")
    in_db(demo, lambda s: checks.run_checks(s, checks.Scope(prefix="3311", city_code="331100", today=TODAY)))
    warned: dict[int, set[str]] = {}
    for household_id, rule in sql(
        demo,
        "SELECT household_id, rule FROM verification_warnings WHERE status = 'open' "
        "AND household_id IS NOT NULL",
    ):
        if rule in PURE_RULES:
            warned.setdefault(household_id, set()).add(rule)
    first = sql(demo, "SELECT max(id) FROM households")[0][0] - len(city.households) + 1  # the generated ones

    async def assessed(session):
        out = {}
        for household_id in range(first, first + len(city.households)):
            household = await session.get(Household, household_id)
            built = await report.for_household(session, household, TODAY)
            out[household_id] = {f.rule for f in built.findings}
        return out

    found = in_db(demo, assessed)
    disagree = {h: (found[h], warned.get(h, set())) for h in found if found[h] != warned.get(h, set())}
    assert not disagree, list(disagree.items())[:5]
    assert sum(map(len, found.values())) >= 50, "the generated city plants cases of every rule"
    assert set().union(*found.values()) == {rule for *_, rule in truth} & PURE_RULES, (
        "every planted rule is seen"
    )


def test_free_text_in_the_report_is_printed_as_written_not_read_as_markup():
    """Names, addresses and staff opinions may hold < and &: the PDF shows them (it failed before)."""
    from datetime import date

    from server.verification.models import VerificationWarning

    warning = VerificationWarning(
        rule="vehicle", severity="medium", status="dismissed", reason="车已过户 <见附件> & 发票"
    )
    built = report.Report(
        subject="DB1 · 解放街 3&4 号 <东>",
        region_code="331102001001",
        community="天宁社区",
        members=[report.Member("张<b>三", "331102********0011", "applicant", "h")],
        today=date(2026, 12, 1),
        warnings=[warning],
    )
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(report.pdf(built)))
    assert "解放街 3&4 号 <东>" in text and "张<b>三" in text and "车已过户 <见附件> & 发票" in text
