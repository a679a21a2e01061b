"""Notice and consent through the HTTP interface: the notice before the first sensitive question,
every member's consent before the household check and the community step, a member consenting from
their own account, a community worker's paper form (only in their region), the applicant as a minor's
guardian, and withdrawal."""

from __future__ import annotations

import io
import json

import pytest
from litestar.testing import TestClient
from PIL import Image

from server.app import create_app
from server.privacy.notice import NOTICE_VERSION
from tests.assistance.support import (
    ANSWERS,
    APPLICANT_PHONE,
    answer,
    bind_applicant,
    consent_as_guardian,
    id_of,
    idem,
    start,
)
from tests.support import citizen_login, post_form, sql, staff_login

SISTER = ("李秀英", "33110219880506002", "13800000002")  # a demo citizen with a verified account
NEPHEW = ("孙小军", "33110220150701005")  # 11 years old: the applicant's nephew, not her child


@pytest.fixture
def sister(demo):
    """李秀英's own phone, beside the applicant's and the office's browser."""
    with TestClient(create_app(demo), base_url="http://testserver.local") as phone:
        yield phone


def apply_with(client, settings, *members: dict) -> str:
    citizen_login(client, settings, APPLICANT_PHONE)
    bind_applicant(client, settings)
    reference = start(client)
    for step, data in ANSWERS.items():
        assert answer(client, reference, step, data).status_code == 303, step
        if step == "address":
            for m in members:
                assert answer(client, reference, "members", m).status_code == 303
    consent_as_guardian(client, reference)
    check = client.get(f"/apply/{reference}/check")
    sent = post_form(client, f"/apply/{reference}/submit", {"idem": idem(check.text)}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    post_form(client, "/logout")
    return reference


def member(name: str, first17: str, relationship: str, employment: str = "employed") -> dict:
    return {"name": name, "id_number": id_of(first17), "relationship": relationship, "employment": employment}


def act(client, reference: str, action: str = "approve", opinion: str = "材料齐全"):
    return post_form(
        client,
        f"/office/assistance/{reference}/act",
        {"action": action, "opinion": opinion},
        follow_redirects=False,
    )


def as_staff(client, username: str) -> None:
    post_form(client, "/office/logout")
    assert staff_login(client, username).status_code == 303


def status_of(settings, reference: str) -> str:
    return sql(settings, "SELECT status FROM assistance_applications WHERE reference = :r", r=reference)[0][0]


def request_id(settings, reference: str, name: str) -> int:
    return sql(
        settings,
        "SELECT id FROM privacy_consent_requests WHERE reference = :r AND name = :n",
        r=reference,
        n=name,
    )[0][0]


def scan() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(out, "JPEG")
    return out.getvalue()


def test_the_notice_and_the_applicants_consent_come_before_the_first_sensitive_question(client, demo):
    citizen_login(client, demo, APPLICANT_PHONE)
    bind_applicant(client, demo)
    page = client.get("/apply")
    key = page.text.split('name="key" value="')[1].split("-")[0]
    created = post_form(client, "/apply", {"benefit": "dibao", "key": f"{key}-dibao"}, follow_redirects=False)
    reference = created.headers["location"].split("/")[2]
    assert created.headers["location"] == f"/apply/{reference}/privacy"
    # no question is shown, and no answer taken, before the notice is acknowledged
    for url in (f"/apply/{reference}/applicant", f"/apply/{reference}/check"):
        held = client.get(url, follow_redirects=False)
        assert held.status_code == 303 and held.headers["location"] == f"/apply/{reference}/privacy"
    sent = post_form(client, f"/apply/{reference}/applicant", ANSWERS["applicant"], follow_redirects=False)
    assert sent.headers["location"] == f"/apply/{reference}/privacy"
    assert sql(demo, "SELECT answers FROM assistance_applications WHERE reference = :r", r=reference)[0][
        0
    ] in (
        {},
        "{}",
    )
    notice = client.get(f"/apply/{reference}/privacy")
    assert "申请社会救助前请阅读" in notice.text and "住房公积金管理中心" in notice.text
    assert 'href="/privacy"' in notice.text
    refused = post_form(client, f"/apply/{reference}/privacy", {}, follow_redirects=False)
    assert refused.status_code == 422 and "请勾选确认后再提交" in refused.text
    agreed = post_form(client, f"/apply/{reference}/privacy", {"agree": "on"}, follow_redirects=False)
    assert agreed.headers["location"] == f"/apply/{reference}/applicant"
    assert client.get(f"/apply/{reference}/applicant").status_code == 200
    assert sql(
        demo, "SELECT notice_version FROM assistance_applications WHERE reference = :r", r=reference
    ) == [(NOTICE_VERSION,)]
    rows = sql(
        demo,
        "SELECT c.role, c.basis, c.notice_version, c.citizen_id IS NOT NULL FROM privacy_consents c "
        "JOIN assistance_applications a ON a.id = c.application_id WHERE a.reference = :r",
        r=reference,
    )
    assert rows == [("self", "self", NOTICE_VERSION, True)]
    assert sql(
        demo,
        "SELECT count(*) FROM audit_records WHERE action = 'privacy.consent' AND object_id = :r",
        r=reference,
    ) == [(1,)]


def test_an_adult_member_consents_from_their_own_account_before_the_check_and_the_community_step(
    client, demo, sister
):
    reference = apply_with(client, demo, member(SISTER[0], SISTER[1], "sibling"))
    # staff see who is missing; the community step does not pass; the check does not run
    as_staff(client, "community")
    detail = client.get(f"/office/assistance/{reference}")
    assert 'data-consents="missing"' in detail.text and "李秀英" in detail.text
    assert f"data-notice-version>{NOTICE_VERSION}<" in detail.text
    refused = act(client, reference)
    assert refused.status_code == 409 and "还有家庭成员没有同意核对家庭经济状况" in refused.text
    assert status_of(demo, reference) == "community"
    as_staff(client, "verify")
    report = client.get(f"/office/verification/applications/{reference}/report")
    assert report.status_code == 409, "no department's data are read without every consent"
    post_form(client, "/office/logout")

    # the sister signs in with her own (verified) account: the task is waiting
    assert sql(
        demo,
        "SELECT count(*) FROM notifications n JOIN citizens c ON c.id = n.citizen_id "
        "WHERE c.phone = :p AND n.title = '确认同意核对家庭经济状况'",
        p=SISTER[2],
    ) == [(1,)]
    citizen_login(sister, demo, SISTER[2])
    tasks = sister.get("/me/consents")
    assert "确认同意核对家庭经济状况" in tasks.text and reference in tasks.text
    assert tasks.headers["cache-control"] == "private, no-store"
    rid = request_id(demo, reference, SISTER[0])
    unticked = post_form(sister, f"/me/consents/{rid}/agree", {}, follow_redirects=False)
    assert unticked.status_code == 422
    agreed = post_form(sister, f"/me/consents/{rid}/agree", {"agree": "on"}, follow_redirects=False)
    assert agreed.status_code == 303
    assert "已同意核对家庭经济状况" in sister.get("/me/consents").text

    as_staff(client, "community")
    assert 'data-consents="complete"' in client.get(f"/office/assistance/{reference}").text
    assert act(client, reference).status_code == 303
    assert status_of(demo, reference) == "street"
    as_staff(client, "street")
    assert client.get(f"/office/verification/applications/{reference}/report").status_code == 200
    post_form(client, "/office/logout")

    # she withdraws: what it means is said plainly; the check stops again; past records stay
    page = sister.get("/me/consents")
    assert "申请将无法继续审核" in page.text and "相关记录依法保存" in page.text
    gone = post_form(sister, f"/me/consents/{rid}/withdraw", {"confirm": "on"}, follow_redirects=False)
    assert gone.status_code == 303
    assert "确认同意核对家庭经济状况" in sister.get("/me/consents").text, "she may consent again"
    as_staff(client, "street")
    assert client.get(f"/office/verification/applications/{reference}/report").status_code == 409
    rows = sql(
        demo,
        "SELECT basis, withdrawn_at IS NOT NULL, withdrawal_basis FROM privacy_consents c "
        "JOIN assistance_applications a ON a.id = c.application_id "
        "WHERE a.reference = :r AND c.name = :n",
        r=reference,
        n=SISTER[0],
    )
    assert rows == [("self", True, "self")], "the withdrawn consent stays on record"
    assert sql(
        demo,
        "SELECT count(*) FROM audit_records WHERE action = 'privacy.withdraw' AND object_id = :r",
        r=reference,
    ) == [(1,)]


def test_someone_elses_task_is_not_theirs_to_answer(client, demo):
    reference = apply_with(client, demo, member(SISTER[0], SISTER[1], "sibling"))
    rid = request_id(demo, reference, SISTER[0])
    citizen_login(client, demo, "13800000001")  # 张建国: not a member of this application
    assert reference not in client.get("/me/consents").text
    assert post_form(client, f"/me/consents/{rid}/agree", {"agree": "on"}).status_code == 404


def test_a_paper_form_is_recorded_only_by_a_worker_of_the_applications_region(client, demo):
    reference = apply_with(client, demo, member(NEPHEW[0], NEPHEW[1], "sibling", "student"))
    rid = request_id(demo, reference, NEPHEW[0])
    url = f"/office/privacy/consents/{reference}/{rid}/paper"
    as_staff(client, "qt_community")  # another county's community worker
    assert client.get(f"/office/privacy/consents/{reference}").status_code == 404
    sent = client.post(
        url,
        data={"agree": "on", "_csrf_token": client.cookies.get("huimin_csrf")},
        files={"scan": ("form.jpg", scan(), "image/jpeg")},
        follow_redirects=False,
    )
    assert sent.status_code == 403
    as_staff(client, "street")  # not a community worker: may not record paper forms
    assert client.get(f"/office/privacy/consents/{reference}").status_code == 403

    as_staff(client, "community")
    page = client.get(f"/office/privacy/consents/{reference}")
    assert page.status_code == 200 and 'data-consents="missing"' in page.text
    assert 'data-missing="guardian self"' not in page.text and 'data-missing="guardian"' in page.text
    no_scan = client.post(
        url, data={"agree": "on", "_csrf_token": client.cookies.get("huimin_csrf")}, follow_redirects=False
    )
    assert no_scan.status_code == 422 and "请上传签名的授权书照片" in no_scan.text
    recorded = client.post(
        url,
        data={"agree": "on", "_csrf_token": client.cookies.get("huimin_csrf")},
        files={"scan": ("form.jpg", scan(), "image/jpeg")},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert 'data-consents="complete"' in client.get(f"/office/privacy/consents/{reference}").text
    row = sql(
        demo,
        "SELECT basis, given_by, paper_name IS NOT NULL, length(paper_sha256) FROM privacy_consents "
        "WHERE name = :n",
        n=NEPHEW[0],
    )
    assert row == [("paper", "天宁社区工作人员 刘芳", True, 64)]
    assert act(client, reference).status_code == 303, "every consent present: the community step passes"
    # a paper withdrawal, recorded by the worker
    withdrawn = post_form(
        client,
        f"/office/privacy/consents/{reference}/{rid}/withdraw",
        {"confirm": "on"},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    assert sql(demo, "SELECT withdrawal_basis FROM privacy_consents WHERE name = :n", n=NEPHEW[0]) == [
        ("paper",)
    ]


def test_the_applicant_consents_as_guardian_only_for_her_own_minor_child(client, demo):
    citizen_login(client, demo, APPLICANT_PHONE)
    bind_applicant(client, demo)
    reference = start(client)
    for step in ("applicant", "hukou", "address"):
        assert answer(client, reference, step, ANSWERS[step]).status_code == 303
    child = member("孙小宝", "33110220160301003", "child", "student")
    nephew = member(NEPHEW[0], NEPHEW[1], "sibling", "student")
    for m in (child, nephew):
        assert answer(client, reference, "members", m).status_code == 303
    check = client.get(f"/apply/{reference}/check")
    assert check.text.count('name="member"') == 1, "offered for her child, not for her nephew"
    assert "请监护人到社区签署纸质授权书" in check.text
    hashes = sql(demo, "SELECT answers FROM assistance_applications WHERE reference = :r", r=reference)[0][0]
    if isinstance(hashes, str):
        hashes = json.loads(hashes)
    nephew_hash = next(m["id_hash"] for m in hashes["members"] if m["name"] == NEPHEW[0])
    refused = post_form(
        client, f"/apply/{reference}/guardian", {"member": nephew_hash, "agree": "on"}, follow_redirects=False
    )
    assert refused.status_code == 403
    consent_as_guardian(client, reference)
    rows = sql(demo, "SELECT name, role, basis FROM privacy_consents ORDER BY id")
    assert rows[-1] == ("孙小宝", "guardian", "guardian")
    assert "孙小宝" in client.get(f"/apply/{reference}/check").text


def test_the_privacy_notice_is_public_and_reads_in_english(client, demo):
    page = client.get("/privacy")
    assert page.status_code == 200
    assert "个人信息处理规则" in page.text and f'data-notice-version="{NOTICE_VERSION}"' in page.text
    for department in ("公安局", "税务局", "残疾人联合会", "住房公积金管理中心"):
        assert department in page.text
    assert 'href="/me/data"' in page.text and "3年（法律要求至少6个月）" in page.text
    client.cookies.set("lang", "en")
    english = client.get("/privacy")
    assert "Privacy notice" in english.text and "Tax bureau" in english.text
    assert "个人信息处理规则" not in english.text.split("<main", 1)[1]
