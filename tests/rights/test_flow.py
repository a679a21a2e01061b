"""The citizen's rights, end to end on a real database: /me/data and its downloads, who looked,
requests with their legal deadline in the staff queue, explanations of automated decisions, and
cancelling the account."""

from __future__ import annotations

import io
import json
from datetime import date

from litestar.testing import TestClient

from server import clock
from server.app import create_app
from server.audit.service import Actor, record_view
from server.rights.i18n import SECTIONS
from tests.assistance.support import apply_fully
from tests.support import citizen_login, post_form, sql, staff_login

ZHANG = "13800000001"  # 张建国, verified, household in 天宁社区 (dibao, with 王桂兰)
LI = "13800000002"  # 李秀英, verified, household in 中山社区 (a car on the department's records)


def _person_id(settings, name: str) -> int:
    return sql(settings, "SELECT id FROM persons WHERE name = :n", n=name)[0][0]


def _enrolment_of(settings, name: str) -> int:
    return sql(
        settings,
        "SELECT e.id FROM enrolments e JOIN household_members m ON m.household_id = e.household_id "
        "JOIN persons p ON p.id = m.person_id WHERE p.name = :n",
        n=name,
    )[0][0]


def test_me_data_shows_the_persons_own_records_and_never_anothers(demo, client):
    citizen_login(client, demo, ZHANG)
    page = client.get("/me/data")
    assert page.status_code == 200
    assert "no-store" in page.headers["cache-control"]
    assert "张建国" in page.text and "解放街 12 号" in page.text
    assert "王桂兰" in page.text  # a member of his household
    assert "331102195603120" not in page.text  # the ID number only masked
    assert "李秀英" not in page.text and "中山街 45 号" not in page.text
    assert 'data-section="enrolments"' in page.text and "1460.00" in page.text


def test_an_account_without_a_proven_identity_sees_only_the_account(demo, client):
    citizen_login(client, demo, "13800000003")
    page = client.get("/me/data")
    assert page.status_code == 200 and "data-unproven" in page.text
    assert "张建国" not in page.text and 'data-section="households"' not in page.text


def test_the_json_copy_has_every_section_and_its_download_is_audited(demo, client):
    citizen_login(client, demo, ZHANG)
    got = client.get("/me/data/download.json")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    data = json.loads(got.content)
    assert set(SECTIONS) <= set(data)
    assert data["person"]["name"] == "张建国" and "*" in data["person"]["id_masked"]
    assert data["account"]["phone"] == "138****0001"
    assert [m["name"] for m in data["households"][0]["members"]] == ["张建国", "王桂兰"]
    enrolment = data["enrolments"][0]
    assert enrolment["benefit"] == "dibao" and enrolment["calculation"]["lines"]  # how it is made up
    assert all(h["address"] != "中山社区 中山街 45 号" for h in data["households"])
    # the consent to his reference face, recorded on paper by a worker, is his to see (and withdraw)
    face = [c for c in data["consents"] if c["kind"] == "face"]
    assert face and face[0]["basis"] == "paper" and face[0]["withdrawn_at"] is None
    assert 'data-consent="face"' in client.get("/me/data").text
    audited = sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'rights.download.json'")
    assert audited[0][0] == 1


def test_the_pdf_copy_is_a_pdf_with_the_persons_name(demo, client):
    from pyhanko.pdf_utils.reader import PdfFileReader

    citizen_login(client, demo, ZHANG)
    got = client.get("/me/data/download.pdf")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/pdf")
    assert got.content.startswith(b"%PDF")
    info = PdfFileReader(io.BytesIO(got.content)).trailer["/Info"]
    assert "张建国" in str(info["/Title"])
    audited = sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'rights.download.pdf'")
    assert audited[0][0] == 1


def test_who_looked_shows_role_and_region_and_the_departments_that_matched(demo, client):
    li = _person_id(demo, "李秀英")

    async def look(session):
        staff = Actor("staff", "7", "中山社区工作人员 某某", "community_worker", "331102001002")
        await record_view(session, staff, "documents", "application", "SQ1", [li], region_code="331102001002")

    from tests.support import in_db

    in_db(demo, look)
    citizen_login(client, demo, LI)
    page = client.get("/me/data")
    assert 'data-access="documents"' in page.text
    assert "社区工作人员" in page.text and "中山社区" in page.text
    assert "某某" not in page.text  # staff are shown by post and area, not by name
    assert "公安局交警支队" in page.text  # the car record matched her by ID number
    data = json.loads(client.get("/me/data/download.json").content)
    assert data["accesses"][0]["what"] == "documents" and data["accesses"][0]["role"] == "community_worker"
    assert any(d["department"] == "公安局交警支队" for d in data["department_checks"])
    # 张建国 sees none of her accesses
    other = TestClient(create_app(demo), base_url="http://testserver.local")
    with other:
        citizen_login(other, demo, ZHANG)
        assert 'data-access="documents"' not in other.get("/me/data").text


def test_a_request_gets_fifteen_working_days_and_shows_in_the_regions_queue(demo, client):
    client.app.state.today = lambda: date(2026, 9, 24)  # across Mid-Autumn and National Day
    citizen_login(client, demo, ZHANG)
    form = client.get("/me/data/requests/new")
    assert form.status_code == 200
    sent = post_form(
        client,
        "/me/data/requests",
        {"kind": "correction", "description": "我的手机号码已经换了"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    row = sql(demo, "SELECT reference, due_on, region_code, status FROM rights_requests")[0]
    assert str(row[1]) == "2026-10-22" and row[2] == "331102001001" and row[3] == "received"
    assert row[0] in client.get("/me/data").text
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'rights.request'")[0][0] == 1

    street = TestClient(create_app(demo), base_url="http://testserver.local")
    with street:
        street.app.state.today = lambda: date(2026, 10, 23)
        staff_login(street, "street")
        queue = street.get("/office/rights")
        assert queue.status_code == 200 and row[0] in queue.text and 'data-overdue="1"' in queue.text
        assert row[0] in street.get("/office/rights?overdue=true").text
    elsewhere = TestClient(create_app(demo), base_url="http://testserver.local")
    with elsewhere:
        staff_login(elsewhere, "qt_street")  # 鹤城街道: another region
        assert row[0] not in elsewhere.get("/office/rights").text
        request_id = sql(demo, "SELECT id FROM rights_requests")[0][0]
        assert elsewhere.get(f"/office/rights/{request_id}").status_code == 404


def test_staff_answer_and_the_citizen_reads_it_with_a_message(demo, client):
    citizen_login(client, demo, ZHANG)
    post_form(client, "/me/data/requests", {"kind": "copy", "description": "请寄给我一份纸质副本"})
    request_id, reference = sql(demo, "SELECT id, reference FROM rights_requests")[0]

    worker = TestClient(create_app(demo), base_url="http://testserver.local")
    with worker:
        staff_login(worker, "community")  # reads the queue, does not answer
        assert worker.get(f"/office/rights/{request_id}").status_code == 200
        refused = post_form(worker, f"/office/rights/{request_id}", {"action": "answer", "answer": "好"})
        assert refused.status_code == 403

    street = TestClient(create_app(demo), base_url="http://testserver.local")
    with street:
        staff_login(street, "street")
        empty = post_form(street, f"/office/rights/{request_id}", {"action": "refuse", "answer": ""})
        assert (
            empty.status_code == 422 and sql(demo, "SELECT status FROM rights_requests")[0][0] == "received"
        )
        done = post_form(
            street,
            f"/office/rights/{request_id}",
            {"action": "answer", "answer": "副本已于今日寄出"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        again = post_form(street, f"/office/rights/{request_id}", {"action": "refuse", "answer": "x"})
        assert again.status_code == 409  # an answered request never moves

    page = client.get("/me/data")
    assert f'data-request="{reference}" data-status="answered"' in page.text
    assert "副本已于今日寄出" in page.text
    messages = sql(demo, "SELECT title, url FROM notifications")
    assert messages == [("您的个人信息请求已答复", "/me/data#requests")]
    actions = {
        r[0] for r in sql(demo, "SELECT action FROM audit_records WHERE object_type = 'rights_request'")
    }
    assert actions == {"rights.request", "rights.answer"}


def test_the_benefit_amount_explains_itself_and_an_explanation_can_be_asked(demo, client):
    enrolment = _enrolment_of(demo, "张建国")
    citizen_login(client, demo, ZHANG)
    page = client.get("/me/data")
    assert f"about=enrolment:{enrolment}" in page.text and 'data-rule="standard"' in page.text
    form = client.get(f"/me/data/requests/new?kind=explanation&about=enrolment:{enrolment}")
    assert f'name="about" value="enrolment:{enrolment}"' in form.text
    sent = post_form(
        client,
        "/me/data/requests",
        {"kind": "explanation", "description": "", "about": f"enrolment:{enrolment}"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert sql(demo, "SELECT kind, about FROM rights_requests") == [("explanation", f"enrolment:{enrolment}")]
    # someone else's decision cannot be named
    other = _enrolment_of(demo, "李秀英")
    refused = post_form(
        client,
        "/me/data/requests",
        {"kind": "explanation", "description": "x", "about": f"enrolment:{other}"},
    )
    assert refused.status_code == 422
    assert sql(demo, "SELECT count(*) FROM rights_requests")[0][0] == 1


def test_an_applicant_sees_how_the_amount_was_calculated_and_may_ask(demo, client):
    reference = apply_fully(client, demo)
    page = client.get(f"/apply/{reference}")
    assert page.status_code == 200
    assert "data-ask-explanation" in page.text and f"about=application:{reference}" in page.text
    assert "data-rule=" in page.text


def test_cancelling_ends_every_session_releases_the_identity_and_keeps_the_records(demo, client):
    citizen_login(client, demo, ZHANG)
    citizen_id = sql(demo, "SELECT id FROM citizens WHERE phone = :p", p=ZHANG)[0][0]
    phone_two = TestClient(create_app(demo), base_url="http://testserver.local")
    with phone_two:
        sql(demo, "DELETE FROM otp_challenges")  # (the one-minute wait between codes, skipped)
        citizen_login(phone_two, demo, ZHANG)  # the same account signed in on a second phone
        assert phone_two.get("/me/data").status_code == 200
        page = client.get("/me/cancel")
        assert "实名绑定解除" in page.text
        unconfirmed = post_form(client, "/me/cancel", {})
        assert unconfirmed.status_code == 422
        done = post_form(client, "/me/cancel", {"confirm": "on"}, follow_redirects=False)
        assert done.status_code == 303
        for c in (client, phone_two):  # signed out everywhere
            gone = c.get("/me/data", follow_redirects=False)
            assert gone.status_code in (302, 303) and "/login" in gone.headers["location"]
    row = sql(
        demo, "SELECT phone, id_hash, identity_level, cancelled_at FROM citizens WHERE id = :i", i=citizen_id
    )[0]
    assert row[0] != ZHANG and row[1] is None and row[2] is None and row[3] is not None
    assert sql(demo, "SELECT count(*) FROM enrolments")[0][0] == 4  # benefits stay
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'citizen.cancel'")[0][0] == 1
    # coming back: the same number signs in to a new, empty account
    sql(demo, "DELETE FROM otp_challenges")
    citizen_login(client, demo, ZHANG)
    again = sql(demo, "SELECT id, identity_level FROM citizens WHERE phone = :p", p=ZHANG)[0]
    assert again[0] != citizen_id and again[1] is None
    assert client.get("/me/data").status_code == 200


def test_a_survival_check_failed_by_the_machine_offers_an_explanation(demo, client):
    person = _person_id(demo, "张建国")
    sql(
        demo,
        "INSERT INTO survival_checks (person_id, region_code, actions, assisted, created_at, decision, "
        "reasons, metrics, status, frame_count) VALUES (:p, '331102001001', '[]', false, :at, 'fail', "
        "'[\"face.mismatch\"]', '{}', 'failed', 0)",
        p=person,
        at=clock.now(),
    )
    check_id = sql(demo, "SELECT id FROM survival_checks WHERE person_id = :p", p=person)[0][0]
    citizen_login(client, demo, ZHANG)
    result = client.get(f"/survival/checks/{check_id}")
    assert f"about=survival_check:{check_id}" in result.text
    assert f"about=survival_check:{check_id}" in client.get("/me/data").text
    sent = post_form(
        client,
        "/me/data/requests",
        {"kind": "explanation", "about": f"survival_check:{check_id}"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    # 李秀英 cannot ask about his check
    other = TestClient(create_app(demo), base_url="http://testserver.local")
    with other:
        citizen_login(other, demo, LI)
        refused = post_form(
            other, "/me/data/requests", {"kind": "explanation", "about": f"survival_check:{check_id}"}
        )
        assert refused.status_code == 422


def test_a_data_check_finding_that_led_to_a_proposal_can_be_asked_about(demo, client):
    li = _person_id(demo, "李秀英")
    found = sql(demo, "SELECT id, rule FROM verification_warnings WHERE person_id = :p", p=li)
    assert found, "the demo's car record raises a warning for 李秀英"
    warning_id, rule = found[0]
    citizen_login(client, demo, LI)
    assert f"about=warning:{warning_id}" not in client.get("/me/data").text  # still open: no decision
    sql(
        demo,
        "UPDATE verification_warnings SET status = 'confirmed', action = 'suspend', reason = '有车' "
        "WHERE id = :i",
        i=warning_id,
    )
    page = client.get("/me/data")
    assert f"about=warning:{warning_id}" in page.text and f'data-finding="{rule}"' in page.text
    sent = post_form(
        client,
        "/me/data/requests",
        {"kind": "explanation", "about": f"warning:{warning_id}"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sql(demo, "SELECT about, region_code FROM rights_requests") == [
        (f"warning:{warning_id}", "331102001002")
    ]
