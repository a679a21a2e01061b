"""What the law asks of the survival check (issue #23): a failed check goes to a person at the
recipient's request (申请人工复核) and a pass on review counts as the period's proof; a worker records
an in-person proof of life without a face; a reference face is taken only on a recorded consent (a
guardian's under 14), and withdrawing it deletes the face. Real faces, real database, real pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server import clock
from server.audit.service import SYSTEM, Actor
from server.people.enrolments import change_status
from server.people.models import Enrolment, HouseholdMember, Person
from server.survival import demo as faces
from server.survival import rules, service
from server.survival.models import Check, Schedule
from tests.support import citizen_login, csrf_token, in_db, post_form, sql, staff_login

GRACE = faces.sample_photo()
ASTRONAUT = faces.sample_photo("astronaut")
ZHANG = "13800000001"  # 张建国, enrolled from grace_hopper by the demo seed (on a paper consent)

pytestmark = pytest.mark.skipif(GRACE is None or ASTRONAUT is None, reason="matplotlib/scikit-image missing")


def person_id(settings, name: str = "张建国") -> int:
    return sql(settings, "SELECT id FROM persons WHERE name = :n", n=name)[0][0]


def failed_check(settings, pid: int, photo=None, today: date | None = None) -> int:
    """Someone else's face at 张建国's check: the machine fails it (face.mismatch)."""

    async def go(session):
        person = await session.get(Person, pid)
        nonce, ch = await service.issue_challenge(session, person)
        check = await service.submit(
            session,
            SYSTEM,
            person,
            nonce,
            faces.capture_frames(ASTRONAUT if photo is None else photo, ch.actions),
            today=today or clock.today(),
        )
        return check.id, check.status

    check_id, status = in_db(settings, go)
    assert status == "failed"
    return check_id


def suspend_for_lapse(settings, pid: int, day: date) -> int:
    """The household's benefit held for the person's lapsed check, as the survival round leaves it."""

    async def go(session):
        enrolment = await session.scalar(
            select(Enrolment.id)
            .join(HouseholdMember, HouseholdMember.household_id == Enrolment.household_id)
            .where(HouseholdMember.person_id == pid)
        )
        row = await session.get(Enrolment, enrolment)
        await change_status(session, SYSTEM, row, "suspended", "生存认证逾期", source="survival.overdue")
        schedule = await session.get(Schedule, pid)
        schedule.next_due = day - timedelta(days=40)
        schedule.suspended_on, schedule.suspended_enrolments = day - timedelta(days=5), [row.id]
        return row.id

    return in_db(settings, go)


def status_of_enrolment(settings, enrolment_id: int) -> str:
    return sql(settings, "SELECT status FROM enrolments WHERE id = :e", e=enrolment_id)[0][0]


def switch(client, cookies: dict[str, str]) -> None:
    """Back to a session signed in before (a second sign-in by SMS would wait for the resend limit)."""
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)


@pytest.fixture
def zhang(client, demo):
    client.app.state.today = lambda: clock.today()
    assert citizen_login(client, demo, ZHANG).status_code in (302, 303)
    return client


# --- 申请人工复核 ------------------------------------------------------------------------------


def test_a_failed_check_goes_to_a_person_on_request_and_their_pass_is_the_periods_proof(zhang, demo):
    pid = person_id(demo)
    today = clock.today()
    enrolment = suspend_for_lapse(demo, pid, today)
    check_id = failed_check(demo, pid)
    result = zhang.get(f"/survival/checks/{check_id}")
    assert "与参考照片不是同一个人" in result.text and "申请人工复核" in result.text
    asked = post_form(
        zhang, f"/survival/checks/{check_id}/review-request", {"note": "是我本人，当时戴着帽子"}
    )
    assert asked.status_code == 200 and "您已申请人工复核" in asked.text
    assert 'data-status="review"' in asked.text and "review-request" not in asked.text
    # one request per check
    again = post_form(zhang, f"/survival/checks/{check_id}/review-request", {"note": "再申请"})
    assert again.status_code == 409
    assert sql(demo, "SELECT count(*), max(note) FROM survival_review_requests") == [
        (1, "是我本人，当时戴着帽子")
    ]
    assert ("已申请人工复核",) in sql(demo, "SELECT title FROM notifications")
    citizen = dict(zhang.cookies)
    zhang.cookies.clear()

    staff_login(zhang, "street")
    queue = zhang.get("/office/survival/reviews")
    assert f'data-check="{check_id}"' in queue.text and "本人申请人工复核" in queue.text
    detail = zhang.get(f"/office/survival/checks/{check_id}")
    assert "是我本人，当时戴着帽子" in detail.text and f"/checks/{check_id}/frames/0" in detail.text
    # the reviewer's look at the faces is audited and the person sees who looked
    assert sql(
        demo,
        "SELECT actor_name FROM audit_records WHERE action = 'view.face' AND object_id = :c",
        c=str(check_id),
    ) == [("紫金街道审核员 张丽",)]
    assert sql(demo, "SELECT what, person_id, role FROM person_accesses") == [
        ("face", pid, "street_reviewer")
    ]
    # a decision on the person's request carries an opinion, whichever way it goes
    url = f"/office/survival/checks/{check_id}/review"
    bare = post_form(zhang, url, {"verdict": "confirm"})
    assert bare.status_code == 422 and "请填写复核意见" in bare.text
    done = post_form(zhang, url, {"verdict": "confirm", "note": "对照参考照片，是本人"})
    assert done.status_code == 200 and "审核通过" in done.text
    assert post_form(zhang, url, {"verdict": "reject", "note": "改主意"}).status_code == 409  # decided once

    # a pass on review is the period's proof, exactly as an automatic pass: the schedule moves on
    # and the benefit held for the lapse is paid again
    next_due, last, suspended = sql(
        demo,
        "SELECT next_due, last_passed_on, suspended_on FROM survival_schedules WHERE person_id = :p",
        p=pid,
    )[0]
    assert str(next_due) == rules.add_months(today, 3).isoformat() and str(last) == today.isoformat()
    assert suspended is None and status_of_enrolment(demo, enrolment) == "active"
    actions = [
        a for (a,) in sql(demo, "SELECT action FROM audit_records WHERE object_type = 'survival_check'")
    ]
    assert "survival.review_requested" in actions and "survival.confirmed" in actions
    body = sql(demo, "SELECT body FROM notifications WHERE title = '生存认证已通过'")
    assert any("人工复核" in b for (b,) in body)

    switch(zhang, citizen)
    shown = zhang.get(f"/survival/checks/{check_id}")
    assert 'data-status="confirmed"' in shown.text and "对照参考照片，是本人" in shown.text


def test_a_rejected_request_is_final_and_only_failed_checks_with_frames_are_asked_about(zhang, demo):
    pid = person_id(demo)
    check_id = failed_check(demo, pid)
    assert post_form(zhang, f"/survival/checks/{check_id}/review-request", {}).status_code == 200
    citizen = dict(zhang.cookies)
    zhang.cookies.clear()
    staff_login(zhang, "street")
    url = f"/office/survival/checks/{check_id}/review"
    assert post_form(zhang, url, {"verdict": "reject", "note": "不是本人"}).status_code == 200
    switch(zhang, citizen)
    shown = zhang.get(f"/survival/checks/{check_id}")
    assert 'data-status="rejected"' in shown.text and "不是本人" in shown.text
    assert "review-request" not in shown.text  # decided: not asked about again
    assert post_form(zhang, f"/survival/checks/{check_id}/review-request", {}).status_code == 409
    body = sql(demo, "SELECT body FROM notifications WHERE title = '生存认证未通过' ORDER BY id DESC")[0][0]
    assert "不是本人" in body and "窗口" in body
    # a failed check whose frames were deleted has nothing to look at
    old = failed_check(demo, pid)
    sql(demo, "DELETE FROM survival_frames WHERE check_id = :c", c=old)
    sql(demo, "UPDATE survival_checks SET frames_purged_at = closed_at WHERE id = :c", c=old)
    assert "review-request" not in zhang.get(f"/survival/checks/{old}").text
    assert post_form(zhang, f"/survival/checks/{old}/review-request", {}).status_code == 409
    # nor someone else's check
    zhang.cookies.clear()
    citizen_login(zhang, demo, "13800000002")
    other = failed_check(demo, pid)
    assert post_form(zhang, f"/survival/checks/{other}/review-request", {}).status_code == 404
    assert sql(demo, "SELECT status FROM survival_checks WHERE id = :c", c=other) == [("failed",)]


def test_the_worker_who_ran_an_assisted_check_does_not_decide_it(demo):
    pid = person_id(demo)
    street = sql(demo, "SELECT id FROM staff WHERE username = 'street'")[0][0]
    check_id = failed_check(demo, pid)
    sql(demo, "UPDATE survival_checks SET staff_id = :s, assisted = true WHERE id = :c", s=street, c=check_id)

    async def ask_then_decide(session):
        check = await session.get(Check, check_id)
        await service.request_review(session, SYSTEM, check, "", citizen_id=None)
        reviewer = Actor(kind="staff", id=str(street), name="张丽", role="street_reviewer")
        await service.review(session, reviewer, check, action="confirm", note="是本人", today=clock.today())

    with pytest.raises(service.SurvivalError) as refused:
        in_db(demo, ask_then_decide)
    assert refused.value.code == "error.forbidden"
    assert sql(demo, "SELECT status FROM survival_checks WHERE id = :c", c=check_id) == [("failed",)]


# --- in person, without a face -----------------------------------------------------------------


def test_a_worker_records_an_in_person_proof_and_it_counts_as_the_periods_proof(client, demo):
    client.app.state.today = lambda: clock.today()
    today = clock.today()
    zhao = person_id(demo, "赵德福")  # no reference face, no schedule yet
    url = f"/office/survival/people/{zhao}/in-person"
    staff_login(client, "qt_community")  # another district: nobody there
    assert (
        post_form(client, url, {"proved_on": today.isoformat(), "method": "home", "note": "在家"}).status_code
        == 404
    )
    client.cookies.clear()
    staff_login(client, "funeral")
    assert (
        post_form(client, url, {"proved_on": today.isoformat(), "method": "home", "note": "在家"}).status_code
        == 403
    )
    client.cookies.clear()

    staff_login(client, "community")
    page = client.get(f"/office/survival/people/{zhao}")
    assert "线下认证（不刷脸）" in page.text and "上门认证" in page.text and "窗口认证" in page.text
    future = post_form(
        client, url, {"proved_on": (today + timedelta(days=1)).isoformat(), "method": "home", "note": "在家"}
    )
    assert future.status_code == 422 and "认证日期不能晚于今天" in future.text
    no_note = post_form(client, url, {"proved_on": today.isoformat(), "method": "counter", "note": " "})
    assert no_note.status_code == 422 and "请填写认证情况" in no_note.text
    bad_method = post_form(client, url, {"proved_on": today.isoformat(), "method": "phone", "note": "x"})
    assert bad_method.status_code == 422
    day = today - timedelta(days=2)
    done = post_form(
        client,
        url,
        {"proved_on": day.isoformat(), "method": "home", "note": "本人在家，精神良好", "witness": "赵小红"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    method, witness, proved_on = sql(
        demo, "SELECT method, witness, proved_on FROM survival_in_person WHERE person_id = :p", p=zhao
    )[0]
    assert (method, witness, str(proved_on)) == ("home", "赵小红", day.isoformat())
    next_due, last, active = sql(
        demo, "SELECT next_due, last_passed_on, active FROM survival_schedules WHERE person_id = :p", p=zhao
    )[0]
    assert str(next_due) == rules.add_months(day, 3).isoformat() and str(last) == day.isoformat() and active
    after = sql(demo, "SELECT actor_kind, after FROM audit_records WHERE action = 'survival.in_person'")
    assert len(after) == 1 and after[0][0] == "staff" and "赵小红" not in str(after[0][1])
    shown = client.get(f"/office/survival/people/{zhao}").text
    assert 'data-proof="home"' in shown and "本人在家，精神良好" in shown
    # on the in-person path, not on the list of people still to photograph
    assert "赵德福" not in client.get("/office/survival").text.split("尚未采集参考照片")[1]
    # a date before the last proof is refused
    earlier = post_form(
        client, url, {"proved_on": (day - timedelta(days=1)).isoformat(), "method": "video", "note": "视频"}
    )
    assert earlier.status_code == 422


def test_an_in_person_proof_lifts_a_suspension_for_the_lapse_and_the_citizen_sees_it(zhang, demo):
    pid = person_id(demo)
    today = clock.today()
    enrolment = suspend_for_lapse(demo, pid, today)
    page = zhang.get("/survival")
    assert "不方便刷脸？可以请社区工作人员上门或到窗口认证" in page.text
    citizen = dict(zhang.cookies)
    zhang.cookies.clear()
    staff_login(zhang, "street")
    done = post_form(
        zhang,
        f"/office/survival/people/{pid}/in-person",
        {"proved_on": today.isoformat(), "method": "counter", "note": "本人到街道窗口"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert status_of_enrolment(demo, enrolment) == "active"
    assert sql(demo, "SELECT suspended_on FROM survival_schedules WHERE person_id = :p", p=pid) == [(None,)]
    switch(zhang, citizen)
    assert 'data-proof="counter"' in zhang.get("/survival").text


# --- consent to a reference face ---------------------------------------------------------------


def test_a_citizen_consents_after_the_notice_and_withdrawing_deletes_the_face(zhang, demo):
    pid = person_id(demo)
    closed = failed_check(demo, pid)
    # 张建国's reference was taken on a paper consent (the demo); he reads the notice in the app
    notice = zhang.get("/survival/consent")
    assert notice.status_code == 200 and "认证结束后1年删除" in notice.text and "不刷脸也可以" in notice.text
    assert 'data-consent="paper"' in notice.text
    gone = post_form(zhang, "/survival/consent/withdraw", {}, follow_redirects=False)
    assert gone.status_code == 303
    assert sql(demo, "SELECT count(*) FROM survival_references WHERE person_id = :p", p=pid) == [(0,)]
    assert sql(demo, "SELECT count(*) FROM survival_frames WHERE check_id = :c", c=closed) == [(0,)]
    assert sql(
        demo, "SELECT withdrawn_at IS NOT NULL FROM survival_consents WHERE person_id = :p", p=pid
    ) == [(True,)]
    audit = sql(demo, "SELECT after FROM audit_records WHERE action = 'survival.consent_withdrawn'")
    assert len(audit) == 1 and "reference_deleted" in str(audit[0][0])
    assert ("已撤回人脸识别同意",) in sql(demo, "SELECT title FROM notifications")
    # the person stays on the schedule and is checked in person from now on
    page = zhang.get("/survival")
    assert 'data-in-person="1"' in page.text and "不需要刷脸" in page.text
    assert sql(demo, "SELECT active FROM survival_schedules WHERE person_id = :p", p=pid) == [(True,)]
    assert zhang.get("/survival/capture").status_code == 409

    # consenting again in the app: the box must be ticked; the notice version is kept
    unticked = post_form(zhang, "/survival/consent", {})
    assert unticked.status_code == 422 and "请勾选同意" in unticked.text
    assert post_form(zhang, "/survival/consent", {"agree": "on"}, follow_redirects=False).status_code == 303
    assert post_form(zhang, "/survival/consent", {"agree": "on"}, follow_redirects=False).status_code == 303
    rows = sql(
        demo,
        "SELECT basis, notice_version, citizen_id IS NOT NULL FROM survival_consents "
        "WHERE person_id = :p AND withdrawn_at IS NULL",
        p=pid,
    )
    assert rows == [("citizen", rules.FACE_NOTICE_VERSION, True)]  # once, however often it is sent

    # now a worker may take the reference face again (the consent id is in the audit)
    async def enrol(session):
        await service.enrol_reference(
            session,
            SYSTEM,
            await session.get(Person, pid),
            faces.jpeg(GRACE),
            source="office",
            today=clock.today(),
        )

    in_db(demo, enrol)
    after = sql(
        demo, "SELECT after FROM audit_records WHERE action = 'survival.reference' ORDER BY seq DESC"
    )[0][0]
    assert "citizen" in str(after)


def test_under_fourteen_only_a_guardian_consents_and_no_face_is_taken_without_it(client, demo):
    client.app.state.today = lambda: clock.today()
    child = person_id(demo, "陈晨")  # born 2015: under 14
    staff_login(client, "street")
    page = client.get(f"/office/survival/people/{child}")
    assert 'data-consent="none"' in page.text and 'data-minor="1"' in page.text
    assert 'data-consent-missing="1"' in page.text
    url = f"/office/survival/people/{child}/consent"
    paper = post_form(client, url, {"basis": "paper", "document": "同意书 1"})
    assert paper.status_code == 422 and "只能由监护人同意" in paper.text
    legal = post_form(client, url, {"basis": "legal", "document": "某条例第5条"})
    assert legal.status_code == 422
    nameless = post_form(client, url, {"basis": "guardian", "document": "监护人同意书 3"})
    assert nameless.status_code == 422 and "请填写监护人姓名" in nameless.text
    photo = client.post(
        f"/office/survival/people/{child}/reference",
        files={"photo": ("p.jpg", faces.jpeg(GRACE), "image/jpeg")},
        headers={"x-csrftoken": csrf_token(client)},
    )
    assert photo.status_code == 422 and sql(demo, "SELECT count(*) FROM survival_references") == [(1,)]
    ok = post_form(
        client,
        url,
        {"basis": "guardian", "guardian": "李秀英", "document": "监护人同意书 3"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert sql(demo, "SELECT basis, guardian FROM survival_consents WHERE person_id = :p", p=child) == [
        ("guardian", "李秀英")
    ]
    assert post_form(client, url, {"basis": "paper", "document": "x"}).status_code == 409  # one standing

    # the guardian withdraws at the office: recorded by the worker, audited
    gone = post_form(client, f"/office/survival/people/{child}/consent/withdraw", {}, follow_redirects=False)
    assert gone.status_code == 303
    assert 'data-consent="none"' in client.get(f"/office/survival/people/{child}").text
    assert sql(demo, "SELECT actor_kind FROM audit_records WHERE action = 'survival.consent_withdrawn'") == [
        ("staff",)
    ]

    # nor can a child consent for themselves in the app
    async def self_consent(session):
        await service.record_consent(
            session, SYSTEM, await session.get(Person, child), "citizen", today=clock.today()
        )

    with pytest.raises(service.SurvivalError) as refused:
        in_db(demo, self_consent)
    assert refused.value.code == "survival.consent_guardian"
