"""Survival checks end to end with real faces (matplotlib's grace_hopper.jpg is the enrolled
recipient 张建国, scikit-image's astronaut is someone else): the capture upload, a still replay,
reused and late nonces, the review queue, region scoping, the schedule round with suspension
through the enrolment workflow, and deleting old frames."""

from __future__ import annotations

import io
import json
import random
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from server import clock
from server.audit.service import SYSTEM
from server.db import utcnow
from server.people.models import Person
from server.survival import demo as faces
from server.survival import queries, rules, service, vision
from server.survival.models import Check, CheckFrame
from tests.people.support import STREET, decide_waiting
from tests.support import citizen_login, csrf_token, in_db, post_form, sql, staff_login

GRACE = faces.sample_photo()
ASTRONAUT = faces.sample_photo("astronaut")
ZHANG = "13800000001"  # demo citizen 张建国, enrolled from grace_hopper by the demo seed

pytestmark = pytest.mark.skipif(GRACE is None or ASTRONAUT is None, reason="matplotlib/scikit-image missing")


def person_id(settings, name: str = "张建国") -> int:
    return sql(settings, "SELECT id FROM persons WHERE name = :n", n=name)[0][0]


def challenge(client, url: str = "/survival/challenge") -> dict:
    response = client.post(url, headers={"x-csrftoken": csrf_token(client), "accept": "application/json"})
    assert response.status_code == 201, response.text
    return response.json()


def upload(client, nonce: str, frames: list[bytes], url: str = "/survival/check"):
    files = {f"frame{i}": (f"frame{i}.jpg", raw, "image/jpeg") for i, raw in enumerate(frames)}
    return client.post(
        url,
        data={"nonce": nonce},
        files=files,
        headers={"x-csrftoken": csrf_token(client), "accept": "application/json"},
    )


def still_frames(rgb, n: int = 15) -> list[bytes]:
    """One photo held in front of the camera: moved about a little, the light changing."""
    return [faces.jpeg(faces.jitter(rgb, random.Random(i))) for i in range(n)]


def lost_last_frame(frames: list[bytes]) -> list[bytes]:
    """The phone slipped at the end: no face in the last frame, so a person reviews the check."""
    blank = io.BytesIO()
    Image.new("RGB", (512, 600), (90, 90, 90)).save(blank, "JPEG")
    return [*frames[:-1], blank.getvalue()]


@pytest.fixture
def zhang(client, demo):
    client.app.state.today = lambda: clock.today()
    assert citizen_login(client, demo, ZHANG).status_code in (302, 303)
    return client


def test_the_enrolled_person_passes_with_frames_from_the_real_photo(zhang, demo):
    page = zhang.get("/survival")
    assert page.status_code == 200 and "开始认证" in page.text and "data-next-due" in page.text
    c = challenge(zhang)
    assert len(c["actions"]) == 2 and not set(c["actions"]) <= rules.RIGID and c["expires_in"] == 120
    assert "encoding" not in json.dumps(c)
    result = upload(zhang, c["nonce"], faces.capture_frames(GRACE, c["actions"]))
    assert result.status_code == 201 and result.json()["decision"] == "pass", result.json()
    shown = zhang.get(result.json()["url"])
    assert "已通过" in shown.text and "下次认证日期" in shown.text
    pid = person_id(demo)
    next_due, last = sql(
        demo, "SELECT next_due, last_passed_on FROM survival_schedules WHERE person_id = :p", p=pid
    )[0]
    assert (
        str(next_due) == rules.add_months(clock.today(), 3).isoformat()
        and str(last) == clock.today().isoformat()
    )
    assert sql(demo, "SELECT status, assisted, frame_count FROM survival_checks")[0] == ("passed", False, 15)
    assert ("生存认证已通过",) in sql(demo, "SELECT title FROM notifications")
    assert sql(demo, "SELECT action FROM audit_records WHERE action = 'survival.check'") == [
        ("survival.check",)
    ]
    # the history shows it; the frames are kept only as re-encoded JPEGs, sealed at rest
    assert "已通过" in zhang.get("/survival").text
    check_id, n, raw = sql(demo, "SELECT check_id, n, data FROM survival_frames ORDER BY n LIMIT 1")[0]
    assert bytes(raw).startswith(b"HM2:aes:k0:") and b"JFIF" not in bytes(raw)
    frame = in_db(demo, lambda s: queries.frame_data(s, check_id, n))
    assert Image.open(io.BytesIO(frame)).format == "JPEG"


def test_a_mirrored_capture_passes_with_the_turn_seen_the_other_way():
    reference = vision.reference_from_photo(faces.jpeg(GRACE))[0]
    shot = faces.capture_arrays(GRACE, ("open_mouth", "turn_left"), seed=3)
    mirrored = [faces.jpeg(np.ascontiguousarray(f[:, ::-1])) for f in shot]
    frames, _ = vision.analyse_frames(mirrored)
    assert rules.decide(frames, ("open_mouth", "turn_right"), reference, rules.NonceFacts()).outcome == "pass"
    assert (
        "turn_left.missing"
        in rules.decide(frames, ("open_mouth", "turn_left"), reference, rules.NonceFacts()).reasons
    )


def test_another_person_fails(zhang, demo):
    c = challenge(zhang)
    result = upload(zhang, c["nonce"], faces.capture_frames(ASTRONAUT, c["actions"]))
    assert result.json()["decision"] == "fail"
    reasons = sql(demo, "SELECT reasons FROM survival_checks")[0][0]
    assert "face.mismatch" in (reasons if isinstance(reasons, list) else json.loads(reasons))
    assert "与参考照片不是同一个人" in zhang.get(result.json()["url"]).text
    assert ("生存认证未通过",) in sql(demo, "SELECT title FROM notifications")


def aligned(photo, like):
    """``photo`` scaled and moved so that its face lies where the face of ``like`` is: another
    person stepping in front of the camera in the enrolled person's place."""
    (t, r, b, le), (t2, r2, b2, le2) = vision._detect(photo)[0], vision._detect(like)[0]
    scale = (r2 - le2) / (r - le)
    big = np.asarray(
        Image.fromarray(photo).resize((round(photo.shape[1] * scale), round(photo.shape[0] * scale)))
    )
    dx, dy = round((r2 + le2) / 2 - (r + le) * scale / 2), round((t2 + b2) / 2 - (t + b) * scale / 2)
    canvas = Image.new("RGB", (like.shape[1], like.shape[0]), (128, 128, 128))
    canvas.paste(Image.fromarray(big), (dx, dy))
    return np.asarray(canvas)


def test_another_person_doing_the_actions_between_frames_of_the_recipient_fails(zhang, demo):
    """The recipient's photo at the start and the end, someone else in the same place doing the
    actions in between: the frames of the actions are compared with the reference too."""
    c = challenge(zhang)
    own = faces.capture_arrays(GRACE, c["actions"], seed=3)
    other = faces.capture_arrays(aligned(ASTRONAUT, GRACE), c["actions"], seed=3)
    mixed = [faces.jpeg(f) for f in own[:2] + other[2:-1] + own[-1:]]
    result = upload(zhang, c["nonce"], mixed)
    assert result.json()["decision"] != "pass", result.json()
    reasons = sql(demo, "SELECT reasons FROM survival_checks")[0][0]
    assert {"face.changed", "face.mismatch"} & set(
        reasons if isinstance(reasons, list) else json.loads(reasons)
    )


def test_a_still_photo_replayed_fails(zhang, demo):
    c = challenge(zhang)
    result = upload(zhang, c["nonce"], still_frames(GRACE))
    assert result.json()["decision"] == "fail"
    assert "像是翻拍的静止照片" in zhang.get(result.json()["url"]).text
    same = challenge(zhang)  # the very same frame, byte for byte
    assert upload(zhang, same["nonce"], [faces.jpeg(GRACE)] * 15).json()["decision"] == "fail"
    for (reasons,) in sql(demo, "SELECT reasons FROM survival_checks"):
        assert "replay.still" in (reasons if isinstance(reasons, list) else json.loads(reasons))


def test_a_reused_nonce_fails_and_a_late_one_too(zhang, demo):
    c = challenge(zhang)
    frames = faces.capture_frames(GRACE, c["actions"])
    assert upload(zhang, c["nonce"], frames).json()["decision"] == "pass"
    again = upload(zhang, c["nonce"], frames)
    assert again.status_code == 201 and again.json()["decision"] == "fail"
    assert "已经用过了" in zhang.get(again.json()["url"]).text
    late = challenge(zhang)
    sql(
        demo,
        "UPDATE survival_challenges SET expires_at = :t WHERE used_at IS NULL",
        t=utcnow() - timedelta(seconds=1),
    )
    assert (
        upload(zhang, late["nonce"], faces.capture_frames(GRACE, late["actions"])).json()["decision"]
        == "fail"
    )
    rows = sql(demo, "SELECT status, reasons FROM survival_checks ORDER BY id")
    assert [r[0] for r in rows] == ["passed", "failed", "failed"]
    assert [json.loads(r[1]) if isinstance(r[1], str) else r[1] for r in rows[1:]] == [
        ["nonce.used"],
        ["nonce.expired"],
    ]
    # the schedule moved once, for the one real pass
    assert len(sql(demo, "SELECT seq FROM audit_records WHERE action = 'survival.check'")) == 3


def test_unknown_nonce_garbage_frames_and_other_peoples_results(zhang, demo, client):
    assert upload(zhang, "made-up", faces.capture_frames(GRACE, ["blink", "open_mouth"])).status_code == 422
    c = challenge(zhang)
    junk = upload(zhang, c["nonce"], [b"not a photo"] * 12)
    assert junk.status_code == 201 and junk.json()["decision"] == "fail"
    assert sql(demo, "SELECT reasons FROM survival_checks")[0][0] in (
        ["frames.unreadable"],
        '["frames.unreadable"]',
    )
    check_id = sql(demo, "SELECT id FROM survival_checks")[0][0]
    zhang.cookies.clear()
    citizen_login(zhang, demo, "13800000002")
    assert zhang.get(f"/survival/checks/{check_id}").status_code == 404
    page = zhang.get("/survival")
    assert page.status_code == 200 and "还没有参考照片" in page.text
    assert "不需要刷脸" in page.text and "上门或到窗口认证" in page.text  # the way without a face
    assert zhang.get("/survival/capture").status_code == 409


def test_challenges_are_limited_per_hour(zhang, demo):
    for _ in range(service.CHALLENGES_PER_HOUR):
        challenge(zhang)
    refused = zhang.post(
        "/survival/challenge", headers={"x-csrftoken": csrf_token(zhang), "accept": "application/json"}
    )
    assert refused.status_code == 429 and refused.json()["error"] == "error.too_many"


def test_the_capture_page_explains_what_to_do_without_a_camera(zhang):
    page = zhang.get("/survival/capture")
    assert page.status_code == 200
    assert "/static/js/survival.js" in page.text and "<script>" not in page.text
    assert "上门协助认证" in page.text and "无法使用摄像头" in page.text and 'id="cap-nojs"' in page.text


def test_review_queue_frames_beside_the_reference_confirm_and_reject(zhang, demo):
    c = challenge(zhang)
    result = upload(zhang, c["nonce"], lost_last_frame(faces.capture_frames(GRACE, c["actions"])))
    assert result.json()["decision"] == "review"
    assert "人工审核" in zhang.get(result.json()["url"]).text
    check_id = int(result.json()["url"].rsplit("/", 1)[1])
    second = challenge(zhang)
    upload(zhang, second["nonce"], lost_last_frame(faces.capture_frames(GRACE, second["actions"])))
    zhang.cookies.clear()

    staff_login(zhang, "community")
    queue = zhang.get("/office/survival/reviews")
    assert queue.status_code == 200 and "张建国" in queue.text
    detail = zhang.get(f"/office/survival/checks/{check_id}")
    assert f"/office/survival/checks/{check_id}/frames/0" in detail.text and "reference.jpg" in detail.text
    assert "不通过" not in detail.text  # a community worker sees the queue but does not decide
    frame = zhang.get(f"/office/survival/checks/{check_id}/frames/0")
    assert frame.headers["content-type"] == "image/jpeg" and "no-store" in frame.headers["cache-control"]
    for n in (99, 2**40, -(2**40)):  # no such frame, or a number no column holds: not found, never 500
        assert zhang.get(f"/office/survival/checks/{check_id}/frames/{n}").status_code == 404
    assert (
        post_form(zhang, f"/office/survival/checks/{check_id}/review", {"verdict": "confirm"}).status_code
        == 403
    )
    zhang.cookies.clear()

    staff_login(zhang, "street")
    assert (
        post_form(zhang, f"/office/survival/checks/{check_id}/review", {"verdict": "reject"}).status_code
        == 422
    )
    done = post_form(
        zhang, f"/office/survival/checks/{check_id}/review", {"verdict": "confirm", "note": "本人无误"}
    )
    assert done.status_code == 200 and "审核通过" in done.text
    assert (
        post_form(zhang, f"/office/survival/checks/{check_id}/review", {"verdict": "confirm"}).status_code
        == 409
    )
    other = check_id + 1
    post_form(zhang, f"/office/survival/checks/{other}/review", {"verdict": "reject", "note": "照片模糊"})
    rows = sql(
        demo, "SELECT status, reviewed_by IS NOT NULL, closed_at IS NOT NULL FROM survival_checks ORDER BY id"
    )
    assert rows == [("confirmed", True, True), ("rejected", True, True)]
    actions = [
        a
        for (a,) in sql(
            demo,
            "SELECT action FROM audit_records WHERE object_type = 'survival_check' "
            "AND action NOT LIKE 'view.%' ORDER BY seq",  # the frames looked at are views (tests/audit)
        )
    ]
    assert [a for a in actions if not a.startswith("view.")] == [
        "survival.check",
        "survival.check",
        "survival.confirmed",
        "survival.rejected",
    ]
    # every showing of the frames to staff is a view of faces, which 张建国 sees on "who looked"
    looked = (
        "SELECT count(*) FROM audit_records WHERE object_type = 'survival_check' AND action = 'view.face'"
    )
    assert sql(demo, looked)[0][0] >= 1
    assert sql(demo, "SELECT DISTINCT what, person_id FROM person_accesses") == [("face", person_id(demo))]
    last = sql(demo, "SELECT last_passed_on FROM survival_schedules WHERE person_id = :p", p=person_id(demo))[
        0
    ][0]
    assert str(last) == clock.today().isoformat()


def test_staff_outside_the_region_see_nothing(client, demo):
    pid = person_id(demo)

    async def make_check(session):
        person = await session.get(Person, pid)
        nonce, ch = await service.issue_challenge(session, person)
        check = await service.submit(
            session, SYSTEM, person, nonce, still_frames(GRACE, 8), today=clock.today()
        )
        return check.id

    check_id = in_db(demo, make_check)
    staff_login(client, "qt_community")  # 鹤城社区, another district
    for url in (
        f"/office/survival/people/{pid}",
        f"/office/survival/people/{pid}/reference.jpg",
        f"/office/survival/people/{pid}/capture",
        f"/office/survival/checks/{check_id}",
        f"/office/survival/checks/{check_id}/frames/0",
    ):
        assert client.get(url).status_code == 404, url
    assert challenge_status(client, f"/office/survival/people/{pid}/challenge") == 404
    assert "张建国" not in client.get("/office/survival").text
    client.cookies.clear()
    staff_login(client, "funeral")
    assert client.get("/office/survival").status_code == 403
    client.cookies.clear()
    staff_login(client, "district")  # 莲都区, above 天宁社区
    assert client.get(f"/office/survival/people/{pid}/reference.jpg").status_code == 200
    assert "张建国" in client.get("/office/survival").text


def challenge_status(client, url: str) -> int:
    return client.post(
        url, headers={"x-csrftoken": csrf_token(client), "accept": "application/json"}
    ).status_code


def test_community_worker_enrols_a_reference_and_runs_an_assisted_check(client, demo):
    zhao = person_id(demo, "赵德福")
    staff_login(client, "community")
    listing = client.get("/office/survival")
    assert "张建国" in listing.text and "赵德福" in listing.text  # due, and still without a reference face
    blank = io.BytesIO()
    Image.new("RGB", (400, 400), (200, 200, 200)).save(blank, "JPEG")
    refused = client.post(
        f"/office/survival/people/{zhao}/reference",
        files={"photo": ("p.jpg", blank.getvalue(), "image/jpeg")},
        headers={"x-csrftoken": csrf_token(client)},
    )
    assert refused.status_code == 422 and "没有记录本人对采集人脸信息的同意" in refused.text
    assert "data-consent-missing" in client.get(f"/office/survival/people/{zhao}").text
    consent = post_form(
        client,
        f"/office/survival/people/{zhao}/consent",
        {"basis": "paper", "document": "同意书 2026-017，存社区档案柜"},
        follow_redirects=False,
    )
    assert consent.status_code == 303
    refused = client.post(
        f"/office/survival/people/{zhao}/reference",
        files={"photo": ("p.jpg", blank.getvalue(), "image/jpeg")},
        headers={"x-csrftoken": csrf_token(client)},
    )
    assert refused.status_code == 422 and "没有找到清晰的人脸" in refused.text
    made = client.post(
        f"/office/survival/people/{zhao}/reference",
        files={"photo": ("p.jpg", faces.jpeg(ASTRONAUT), "image/jpeg")},
        headers={"x-csrftoken": csrf_token(client)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert client.get(f"/office/survival/people/{zhao}/reference.jpg").headers["content-type"] == "image/jpeg"
    source, by = sql(demo, "SELECT source, created_by FROM survival_references WHERE person_id = :p", p=zhao)[
        0
    ]
    assert source == "office" and by is not None
    assert ("survival.reference",) in sql(
        demo, "SELECT action FROM audit_records WHERE object_id = :p", p=str(zhao)
    )
    assert "赵德福" not in client.get("/office/survival").text.split("尚未采集参考照片")[1]

    page = client.get(f"/office/survival/people/{zhao}/capture")
    assert page.status_code == 200 and "上门协助认证" in page.text
    c = challenge(client, f"/office/survival/people/{zhao}/challenge")
    result = upload(
        client,
        c["nonce"],
        faces.capture_frames(ASTRONAUT, c["actions"], seed=5),
        url=f"/office/survival/people/{zhao}/check",
    )
    assert result.status_code == 201 and result.json()["url"].startswith("/office/survival/checks/")
    assisted, staff_id = sql(
        demo, "SELECT assisted, staff_id FROM survival_checks WHERE person_id = :p", p=zhao
    )[0]
    assert assisted and staff_id is not None
    # the worker who took the reference photo cannot also certify the person alone (a second
    # person reviews it; the capture itself may also fail, the astronaut's turns are faint)
    assert result.json()["decision"] in ("review", "fail")
    detail = client.get(result.json()["url"]).text
    assert 'data-reason="assisted.same_staff"' in detail and "需要另一名工作人员审核" in detail
    assert "data-reference-changed" not in detail
    again = client.post(
        f"/office/survival/people/{zhao}/reference",
        files={"photo": ("p.jpg", faces.jpeg(GRACE), "image/jpeg")},
        headers={"x-csrftoken": csrf_token(client)},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert "data-reference-changed" in client.get(result.json()["url"]).text, "the reviewer is told"
    # a recipient whose reference someone else took passes an assisted check without review
    pid = person_id(demo)
    c = challenge(client, f"/office/survival/people/{pid}/challenge")
    result = upload(
        client,
        c["nonce"],
        faces.capture_frames(GRACE, c["actions"]),
        url=f"/office/survival/people/{pid}/check",
    )
    assert result.json()["decision"] == "pass", result.json()
    # a citizen's nonce cannot be spent by staff, nor the other way round
    theirs = in_db(demo, lambda s: _citizen_challenge(s, pid))
    assert (
        upload(client, theirs, still_frames(GRACE), url=f"/office/survival/people/{pid}/check").status_code
        == 422
    )


async def _citizen_challenge(session, pid):
    nonce, _ = await service.issue_challenge(session, await session.get(Person, pid), citizen_id=1)
    return nonce


def test_schedule_round_reminds_warns_then_suspends_through_the_workflow_and_a_pass_resumes(demo):
    pid = person_id(demo)
    due = date(2026, 6, 1)
    sql(demo, "UPDATE survival_schedules SET next_due = :d WHERE person_id = :p", d=due, p=pid)
    policy = service.Policy(grace_days=30)

    def round_(day):
        return in_db(demo, lambda s: service.run_round(s, day, policy))

    assert round_(date(2026, 5, 1))["reminded"] == 0
    assert round_(date(2026, 5, 20))["reminded"] == 1
    assert round_(date(2026, 5, 21))["reminded"] == 0  # once a week at most
    assert round_(date(2026, 6, 2))["overdue"] == 1
    assert round_(date(2026, 6, 20)) == {"reminded": 0, "overdue": 0, "proposed": 0, "purged": 0}
    assert sql(
        demo,
        "SELECT status FROM enrolments e JOIN households h ON h.id = e.household_id "
        "WHERE h.head_person_id = :p",
        p=pid,
    ) == [("active",)]
    assert round_(date(2026, 7, 2))["proposed"] == 1
    assert _household_status(demo, pid) == "active", "paid until the street reviewer confirms"
    assert decide_waiting(demo, STREET) == 1
    status, reason = sql(
        demo,
        "SELECT e.status, e.status_reason FROM enrolments e JOIN households h ON h.id = e.household_id "
        "WHERE h.head_person_id = :p",
        p=pid,
    )[0]
    assert status == "suspended" and "生存认证" in reason
    audit = sql(demo, "SELECT actor_kind, after FROM audit_records WHERE action = 'enrolment.suspended'")
    assert len(audit) == 1 and audit[0][0] == "staff" and "survival.overdue" in str(audit[0][1])
    titles = [t for (t,) in sql(demo, "SELECT title FROM notifications ORDER BY id")]
    assert titles == ["生存认证提醒", "生存认证已逾期", "待遇将暂停发放", "待遇变更通知"]
    assert round_(date(2026, 7, 3))["proposed"] == 0  # never twice

    async def passes(session):
        person = await session.get(Person, pid)
        nonce, ch = await service.issue_challenge(session, person)
        return (
            await service.submit(
                session,
                SYSTEM,
                person,
                nonce,
                faces.capture_frames(GRACE, ch.actions),
                today=date(2026, 7, 5),
            )
        ).status

    assert in_db(demo, passes) == "passed"
    assert sql(
        demo,
        "SELECT e.status FROM enrolments e JOIN households h ON h.id = e.household_id "
        "WHERE h.head_person_id = :p",
        p=pid,
    ) == [("active",)]
    schedule = sql(demo, "SELECT next_due, suspended_on FROM survival_schedules WHERE person_id = :p", p=pid)[
        0
    ]
    assert str(schedule[0]) == "2026-10-05" and schedule[1] is None
    assert len(sql(demo, "SELECT seq FROM audit_records WHERE action = 'enrolment.active'")) == 1


def _household_status(settings, pid) -> str:
    return sql(
        settings,
        "SELECT e.status FROM enrolments e JOIN household_members m ON m.household_id = e.household_id "
        "WHERE m.person_id = :p",
        p=pid,
    )[0][0]


def _pass(settings, pid, day):
    async def go(session):
        person = await session.get(Person, pid)
        nonce, ch = await service.issue_challenge(session, person)
        return (
            await service.submit(
                session, SYSTEM, person, nonce, faces.capture_frames(GRACE, ch.actions), today=day
            )
        ).status

    assert in_db(settings, go) == "passed"


def test_a_benefit_held_by_two_lapsed_members_resumes_only_when_both_have_certified(demo):
    zhang, wang = person_id(demo), person_id(demo, "王桂兰")  # one household

    async def enrol_wang(session):
        await service.record_consent(
            session, SYSTEM, await session.get(Person, wang), "paper", today=date(2026, 3, 1), document="表 1"
        )
        await service.enrol_reference(
            session,
            SYSTEM,
            await session.get(Person, wang),
            faces.jpeg(GRACE),
            source="office",
            today=date(2026, 3, 1),
        )

    in_db(demo, enrol_wang)
    sql(demo, "UPDATE survival_schedules SET next_due = :d", d=date(2026, 6, 1))
    policy = service.Policy(grace_days=30)
    counts = in_db(demo, lambda s: service.run_round(s, date(2026, 7, 2), policy))
    assert counts["proposed"] == 1 and decide_waiting(demo, STREET) == 1
    assert _household_status(demo, zhang) == "suspended"
    _pass(demo, zhang, date(2026, 7, 5))
    assert _household_status(demo, zhang) == "suspended", "王桂兰 has still not certified"
    _pass(demo, wang, date(2026, 7, 6))
    assert _household_status(demo, zhang) == "active"


def test_a_member_who_died_is_not_reminded_and_does_not_hold_the_household_benefit(demo):
    zhang, wang = person_id(demo), person_id(demo, "王桂兰")
    sql(
        demo,
        "INSERT INTO survival_schedules "
        "(person_id, region_code, active, interval_months, next_due, updated_at) "
        "SELECT id, region_code, true, 3, :d, :t FROM persons WHERE id = :p",
        d=date(2026, 6, 1),
        t=utcnow(),
        p=wang,
    )
    sql(demo, "UPDATE persons SET deceased_on = :d WHERE id = :p", d=date(2026, 5, 20), p=wang)
    sql(demo, "UPDATE survival_schedules SET next_due = :d WHERE person_id = :p", d=date(2026, 9, 1), p=zhang)
    policy = service.Policy(grace_days=30)
    assert in_db(demo, lambda s: service.run_round(s, date(2026, 7, 2), policy)) == {
        "reminded": 0,
        "overdue": 0,
        "proposed": 0,
        "purged": 0,
    }
    assert _household_status(demo, zhang) == "active"


def test_a_pass_does_not_lift_a_suspension_made_for_another_reason(demo):
    pid = person_id(demo)
    sql(demo, "UPDATE survival_schedules SET next_due = :d WHERE person_id = :p", d=date(2026, 6, 1), p=pid)
    policy = service.Policy(grace_days=30)
    in_db(demo, lambda s: service.run_round(s, date(2026, 7, 2), policy))
    decide_waiting(demo, STREET)
    assert _household_status(demo, pid) == "suspended"
    # staff resume the benefit by hand, then suspend it for a verification warning
    enrolment_id = sql(
        demo,
        "SELECT e.id FROM enrolments e JOIN household_members m ON m.household_id = e.household_id "
        "WHERE m.person_id = :p",
        p=pid,
    )[0][0]

    async def by_hand(session, status, reason, source):
        from server.people.enrolments import change_status
        from server.people.models import Enrolment

        await change_status(
            session, SYSTEM, await session.get(Enrolment, enrolment_id), status, reason, source=source
        )

    in_db(demo, lambda s: by_hand(s, "active", "误停，恢复", "office"))
    assert in_db(demo, lambda s: service.run_round(s, date(2026, 7, 3), policy))["proposed"] == 1, (
        "while the check is lapsed the benefit is held again"
    )
    assert decide_waiting(demo, STREET) == 1
    in_db(demo, lambda s: by_hand(s, "active", "误停，恢复", "office"))
    in_db(demo, lambda s: by_hand(s, "suspended", "收入超标待核查", "verification.warning:1"))
    _pass(demo, pid, date(2026, 7, 5))
    assert sql(demo, "SELECT status, status_reason FROM enrolments WHERE id = :e", e=enrolment_id) == [
        ("suspended", "收入超标待核查")
    ]


def test_a_check_waiting_for_review_holds_back_the_overdue_notice_and_the_suspension(demo):
    pid = person_id(demo)
    sql(demo, "UPDATE survival_schedules SET next_due = :d WHERE person_id = :p", d=date(2026, 6, 1), p=pid)

    async def submitted_for_review(session):
        person = await session.get(Person, pid)
        nonce, ch = await service.issue_challenge(session, person)
        frames = lost_last_frame(faces.capture_frames(GRACE, ch.actions))
        return (await service.submit(session, SYSTEM, person, nonce, frames, today=date(2026, 5, 30))).status

    assert in_db(demo, submitted_for_review) == "review"
    policy = service.Policy(grace_days=30)
    assert in_db(demo, lambda s: service.run_round(s, date(2026, 7, 2), policy)) == {
        "reminded": 0,
        "overdue": 0,
        "proposed": 0,
        "purged": 0,
    }
    assert _household_status(demo, pid) == "active"


def test_nobody_certifies_for_a_person_recorded_as_deceased(zhang, demo):
    sql(demo, "UPDATE persons SET deceased_on = :d WHERE id = :p", d=date(2026, 10, 1), p=person_id(demo))
    refused = zhang.post(
        "/survival/challenge", headers={"x-csrftoken": csrf_token(zhang), "accept": "application/json"}
    )
    assert refused.status_code == 409 and "已故" in refused.json()["message"]


def test_frames_are_deleted_after_the_retention_period_but_not_while_in_review(demo):
    pid = person_id(demo)

    async def two_checks(session):
        person = await session.get(Person, pid)
        ids = []
        for _ in range(2):
            nonce, _ch = await service.issue_challenge(session, person)
            ids.append(
                (
                    await service.submit(
                        session, SYSTEM, person, nonce, still_frames(GRACE, 8), today=clock.today()
                    )
                ).id
            )
        review = await session.get(Check, ids[1])
        review.status, review.closed_at = "review", None
        old = await session.get(Check, ids[0])
        old.closed_at = utcnow() - timedelta(days=31)
        return ids

    closed, open_ = in_db(demo, two_checks)
    counts = in_db(demo, lambda s: service.run_round(s, clock.today(), service.Policy(retention_days=30)))
    assert counts["purged"] == 8

    async def left(session):
        rows = await session.execute(select(CheckFrame.check_id))
        return sorted({r[0] for r in rows})

    assert in_db(demo, left) == [open_]
    assert sql(demo, "SELECT frames_purged_at IS NOT NULL FROM survival_checks ORDER BY id") == [
        (True,),
        (False,),
    ]
    assert closed < open_


def test_policy_from_the_environment():
    policy = service.load_policy(
        {
            "HUIMIN_SURVIVAL_INTERVAL_MONTHS": "6",
            "HUIMIN_SURVIVAL_TOLERANCE": "0.45",
            "HUIMIN_SURVIVAL_GRACE_DAYS": "bad",
        }
    )
    assert (policy.interval_months, policy.tolerance, policy.grace_days, policy.retention_days) == (
        6,
        0.45,
        30,
        30,
    )


def test_datetime_helpers_are_timezone_aware():
    assert isinstance(utcnow(), datetime) and utcnow().tzinfo is not None


def test_a_photo_uploaded_with_the_application_becomes_the_reference_only_on_recorded_consent(client, demo):
    from server.assistance.documents_service import store_document
    from server.assistance.models import Application

    zhao = person_id(demo, "赵德福")

    async def apply_with_photo(session):
        person = await session.get(Person, zhao)
        app = Application(
            reference="TK2026000001",
            benefit="tekun",
            status="draft",
            id_hash=person.id_hash,
            region_code=person.region_code,
            answers={},
        )
        session.add(app)
        await session.flush()
        return (await store_document(session, SYSTEM, demo, app, "id_card", faces.jpeg(ASTRONAUT))).id

    doc = in_db(demo, apply_with_photo)
    staff_login(client, "qt_community")  # another district: neither the person nor the photo
    assert (
        post_form(
            client, f"/office/survival/people/{zhao}/reference/document", {"document_id": doc}
        ).status_code
        == 404
    )
    client.cookies.clear()
    staff_login(client, "community")
    # never without the person's recorded consent to a reference face: the photos are not offered,
    # and a choice posted anyway is refused
    page = client.get(f"/office/survival/people/{zhao}")
    assert "用作参考照片" not in page.text and "data-consent-missing" in page.text
    refused = post_form(client, f"/office/survival/people/{zhao}/reference/document", {"document_id": doc})
    assert refused.status_code == 422 and "没有记录本人对采集人脸信息的同意" in refused.text
    assert sql(demo, "SELECT count(*) FROM survival_references WHERE person_id = :p", p=zhao) == [(0,)]
    post_form(client, f"/office/survival/people/{zhao}/consent", {"basis": "paper", "document": "同意书 17"})
    page = client.get(f"/office/survival/people/{zhao}")
    assert f"/office/assistance/TK2026000001/documents/{doc}" in page.text and "用作参考照片" in page.text
    other = person_id(demo)  # 张建国's page cannot take 赵德福's document
    assert (
        post_form(
            client, f"/office/survival/people/{other}/reference/document", {"document_id": doc}
        ).status_code
        == 404
    )
    made = post_form(
        client,
        f"/office/survival/people/{zhao}/reference/document",
        {"document_id": doc},
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert sql(demo, "SELECT source FROM survival_references WHERE person_id = :p", p=zhao) == [
        ("application",)
    ]
