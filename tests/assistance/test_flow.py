"""Social assistance end to end through the HTTP interface: a citizen applies on the phone,
staff of each level act, the benefit is computed by rule, enrolled, recalculated and paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server import clock
from tests.assistance.support import (
    ANSWERS,
    APPLICANT_PHONE,
    MEMBER,
    answer,
    apply_fully,
    id_of,
    idem,
    start,
    status_of,
)
from tests.support import citizen_login, post_form, sql, staff_login


def act(client, reference, action, opinion="同意", **extra):
    return post_form(
        client,
        f"/office/assistance/{reference}/act",
        {"action": action, "opinion": opinion, **extra},
        follow_redirects=False,
    )


def as_staff(client, username):
    post_form(client, "/office/logout")
    assert staff_login(client, username).status_code == 303


def test_citizen_applies_step_by_step_and_sees_a_reference_and_timeline(client, demo):
    reference = apply_fully(client, demo)
    assert reference.startswith("DB")
    page = client.get(f"/apply/{reference}")
    assert page.status_code == 200 and reference in page.text and "社区受理" in page.text
    assert "提交申请" in page.text, "the timeline shows the submission"
    row = sql(
        demo,
        "SELECT consent_signer, consent_at IS NOT NULL, amount_cents, id_masked FROM assistance_applications "
        "WHERE reference = :r",
        r=reference,
    )[0]
    assert row[0] == ANSWERS["consent"]["signer"] and row[1]
    # 2 people, 500 yuan income: gap 1080*2-500 = 1660;
    # the child is a minor in a single-parent home: +20% of 1080
    assert row[2] == 1660_00 + 216_00
    assert row[3].startswith("331102") and "*" in row[3]
    # the resident ID is never stored in clear
    assert (
        sql(
            demo,
            "SELECT count(*) FROM assistance_applications WHERE CAST(answers AS TEXT) LIKE :n",
            n=f"%{id_of(ANSWERS['applicant']['id_number'][:17])}%",
        )[0][0]
        == 0
    )


def test_a_step_sent_twice_is_applied_once(client, demo):
    citizen_login(client, demo, "13800000002")
    reference = start(client)
    page = client.get(f"/apply/{reference}/members")
    member = {
        "name": MEMBER[0],
        "id_number": id_of(MEMBER[1]),
        "relationship": "child",
        "employment": "student",
        "idem": idem(page.text),
        "more": "1",
    }
    first = post_form(client, f"/apply/{reference}/members", member, follow_redirects=False)
    again = post_form(client, f"/apply/{reference}/members", member, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    members = sql(demo, "SELECT answers FROM assistance_applications WHERE reference = :r", r=reference)[0][0]
    import json

    assert len((json.loads(members) if isinstance(members, str) else members)["members"]) == 1
    # creating the application twice with the same key gives the same application
    key_page = client.get("/apply")
    import re

    key = re.search(r'name="key" value="([0-9a-f]+)-', key_page.text).group(1)
    a = post_form(client, "/apply", {"benefit": "linshi", "key": f"{key}-linshi"}, follow_redirects=False)
    b = post_form(client, "/apply", {"benefit": "linshi", "key": f"{key}-linshi"}, follow_redirects=False)
    assert a.headers["location"] == b.headers["location"]


def test_bad_answers_are_explained_and_nothing_is_saved(client, demo):
    citizen_login(client, demo, "13800000002")
    reference = start(client)
    bad = answer(client, reference, "applicant", {"phone": "123", "bank_account": "12"})
    assert bad.status_code == 422
    assert "11位手机号码" in bad.text and "银行卡号" in bad.text
    assert 'aria-invalid="true"' in bad.text
    member = answer(
        client,
        reference,
        "members",
        {
            "name": "孙小宝",
            "id_number": "331102201603010031",
            "relationship": "child",
            "employment": "student",
        },
    )
    assert member.status_code == 422 and "校验位不对" in member.text
    assert (
        sql(demo, "SELECT applicant_name FROM assistance_applications WHERE reference = :r", r=reference)[0][
            0
        ]
        is None
    )
    money = answer(
        client,
        reference,
        "income",
        {"wages": "很多", "pension": "0", "business": "0", "farming": "0", "transfer": "0"},
    )
    assert money.status_code == 422 and "请填写正确的金额" in money.text


def test_prechecks_are_shown_to_the_applicant_and_recorded(client, demo):
    citizen_login(client, demo, "13800000001")  # 张建国, already in an enrolled 低保 household
    reference = start(client, "tekun")
    answers = {
        **ANSWERS,
        "applicant": {**ANSWERS["applicant"], "name": "张建国", "id_number": id_of("33110219560312001")},
        "hukou": {"hukou": "other"},
        "consent": {"agree": "on", "signer": "张建国"},
    }
    for step, data in answers.items():
        assert answer(client, reference, step, data).status_code == 303, step
    page = client.get(f"/apply/{reference}/check")
    assert 'data-precheck="precheck.hukou"' in page.text
    assert "precheck.age_tekun" not in page.text, "70 years old: the age rule is met"
    post_form(client, f"/apply/{reference}/submit", {"idem": idem(page.text)})
    reference2 = start(client, "dibao")
    for step, data in answers.items():
        answer(client, reference2, step, data)
    page2 = client.get(f"/apply/{reference2}/check")
    assert 'data-precheck="precheck.duplicate"' in page2.text and "张建国" in page2.text
    recorded = sql(demo, "SELECT prechecks FROM assistance_applications WHERE reference = :r", r=reference)[
        0
    ][0]
    assert "precheck.hukou" in str(recorded)


def test_four_levels_notice_enrolment_and_return_for_correction(client, demo):
    reference = apply_fully(client, demo)
    post_form(client, "/logout")
    # a street reviewer cannot act at the community step, and another district cannot even see it
    as_staff(client, "qt_street")
    assert client.get(f"/office/assistance/{reference}").status_code == 404
    as_staff(client, "street")
    assert act(client, reference, "approve").status_code == 403
    as_staff(client, "community")
    assert act(client, reference, "approve", opinion="").status_code == 422
    assert act(client, reference, "approve", "材料齐全").status_code == 303
    as_staff(client, "street")
    assert act(client, reference, "approve", "同意").status_code == 422, "the home visit must be recorded"
    assert act(client, reference, "return", "请补充孩子的户口簿照片").status_code == 303
    post_form(client, "/office/logout")
    # the citizen sees why, fixes it and resubmits: the case goes back to the street
    sql(demo, "UPDATE otp_challenges SET created_at = :t", t=datetime.now(UTC) - timedelta(minutes=2))
    citizen_login(client, demo, APPLICANT_PHONE)
    status = client.get(f"/apply/{reference}")
    assert "请补充孩子的户口簿照片" in status.text and "修改并重新提交" in status.text
    check = client.get(f"/apply/{reference}/check")
    post_form(client, f"/apply/{reference}/submit", {"idem": idem(check.text)})
    assert status_of(demo, reference) == "street"
    as_staff(client, "street")
    visit = {"visit_date": "2026-11-20", "visitors": "张丽、刘芳", "findings": "家中无其他收入，情况属实"}
    assert act(client, reference, "approve", "同意", **visit).status_code == 303
    as_staff(client, "district")
    assert act(client, reference, "approve", "同意，予以公示").status_code == 303
    assert status_of(demo, reference) == "notice"
    assert "孙*华" in client.get("/notice").text
    assert act(client, reference, "enrol", "公示期满").status_code == 403, "not before the 7 days are over"
    client.app.state.today = lambda: clock.today() + timedelta(days=8)
    assert act(client, reference, "enrol", "公示期满无异议").status_code == 303
    assert status_of(demo, reference) == "enrolled"
    enrolment = sql(
        demo,
        "SELECT e.status, e.monthly_amount_cents, e.benefit FROM enrolments e JOIN assistance_applications a "
        "ON a.household_id = e.household_id WHERE a.reference = :r",
        r=reference,
    )[0]
    assert enrolment == ("active", 1660_00 + 216_00, "dibao")
    assert sql(
        demo,
        "SELECT employment, schooling FROM household_members WHERE relationship_to_head = 'child' "
        "ORDER BY id DESC LIMIT 1",
    )[0] == ("student", "天宁小学三年级")
    actions = [
        r[0]
        for r in sql(demo, "SELECT action FROM audit_records WHERE object_id = :r ORDER BY seq", r=reference)
    ]
    assert actions[-6:] == [
        "assistance.approve",
        "assistance.return",
        "assistance.submit",
        "assistance.approve",
        "assistance.approve",
        "assistance.enrol",
    ]
    detail = client.get(f"/office/assistance/{reference}")
    assert 'data-rule="single_parent_minor"' in detail.text and "不可手工修改" in detail.text


def test_overdue_cases_are_highlighted_with_a_fixed_clock(client, demo):
    reference = apply_fully(client, demo)
    as_staff(client, "community")
    listing = client.get("/office/assistance", params={"overdue": "true"})
    assert reference not in listing.text
    client.app.state.today = lambda: clock.today() + timedelta(days=30)
    late = client.get("/office/assistance", params={"overdue": "true"})
    assert reference in late.text and 'data-overdue="1"' in late.text and "已超期" in late.text


def test_search_by_id_number_and_name(client, demo):
    reference = apply_fully(client, demo)
    as_staff(client, "street")
    assert reference in client.get("/office/assistance", params={"q": ANSWERS["applicant"]["id_number"]}).text
    assert reference in client.get("/office/assistance", params={"q": "孙丽"}).text
    partial = client.get("/office/assistance", params={"q": "孙丽"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and reference in partial.text


def test_policy_change_recalculates_every_household_and_reports(client, demo):
    staff_login(client, "district")
    form = {
        "effective_from": "2026-12-01",
        "standard": "1200",
        "asset_limit": "36000",
        "floor": "100",
        "tekun_pct": "130",
        "extra_severe_disabled": "30",
        "extra_serious_ill": "20",
        "extra_elderly": "10",
        "extra_minor": "10",
        "extra_single_parent_minor": "20",
        "region_code": "331100",
    }
    assert post_form(client, "/office/assistance/policies", form).status_code == 403, "only the city level"
    as_staff(client, "city")
    before = dict(sql(demo, "SELECT id, monthly_amount_cents FROM enrolments"))
    done = post_form(client, "/office/assistance/policies", form)
    assert done.status_code == 200 and 'data-count="households"' in done.text
    after = dict(sql(demo, "SELECT id, monthly_amount_cents FROM enrolments"))
    # every monthly household went up by the standard's rise (120 yuan x members, more with extras)
    recalcs = sql(demo, "SELECT enrolment_id, old_cents, new_cents FROM assistance_recalculations")
    assert len(recalcs) == len([e for e in before]) and all(new > old for _, old, new in recalcs)
    assert all(after[e] == new for e, _, new in recalcs)
    # and the SQL agrees with the pure calculation shown on each household's page
    for enrolment_id, _, new in recalcs:
        page = client.get(f"/office/assistance/households/{enrolment_id}")
        assert f'data-amount="{new}"' in page.text
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'assistance.policy_apply'")[0][0] == 1


def test_change_request_and_suspension(client, demo):
    staff_login(client, "street")
    enrolment_id, amount = sql(
        demo,
        "SELECT id, monthly_amount_cents FROM enrolments WHERE region_code = '331102001001' "
        "AND benefit = 'dibao' ORDER BY id LIMIT 1",
    )[0]
    changed = post_form(
        client,
        f"/office/assistance/households/{enrolment_id}/change",
        {"income": "1500", "reason": "妻子退休金到账"},
    )
    assert changed.status_code == 200
    new_amount = sql(demo, "SELECT monthly_amount_cents FROM enrolments WHERE id = :i", i=enrolment_id)[0][0]
    assert new_amount != amount
    refused = post_form(
        client, f"/office/assistance/households/{enrolment_id}/status", {"status": "suspended", "reason": ""}
    )
    assert refused.status_code == 422 and "请填写变更原因" in refused.text
    post_form(
        client,
        f"/office/assistance/households/{enrolment_id}/status",
        {"status": "suspended", "reason": "核查中"},
    )
    # a second person before money stops: proposed here, suspended once a district approver approves
    assert sql(demo, "SELECT status FROM enrolments WHERE id = :i", i=enrolment_id)[0][0] == "active"
    _approve_proposal(client, demo, enrolment_id)
    assert sql(demo, "SELECT status FROM enrolments WHERE id = :i", i=enrolment_id)[0][0] == "suspended"


def _approve_proposal(client, demo, enrolment_id):
    (proposal,) = sql(
        demo,
        "SELECT id FROM status_proposals WHERE enrolment_id = :e AND status = 'proposed'",
        e=enrolment_id,
    )[0]
    as_staff(client, "district")
    approved = post_form(
        client, f"/office/proposals/{proposal}/decide", {"decision": "approve", "opinion": "同意"}
    )
    assert approved.status_code == 200


def test_payment_roll_excludes_suspended_and_locks_after_two_approvals(client, demo):
    staff_login(client, "street")
    suspended = sql(demo, "SELECT id FROM enrolments WHERE region_code LIKE '331102%' ORDER BY id LIMIT 1")[
        0
    ][0]
    post_form(
        client,
        f"/office/assistance/households/{suspended}/status",
        {"status": "suspended", "reason": "死亡预警核实中"},
    )
    _approve_proposal(client, demo, suspended)
    made = post_form(
        client,
        "/office/assistance/payments",
        {"month": "2026-12", "region_code": "331102"},
        follow_redirects=False,
    )
    roll = made.headers["location"].rsplit("/", 1)[1]
    lines = sql(
        demo,
        "SELECT enrolment_id, amount_cents FROM assistance_payment_lines WHERE roll_id = :r",
        r=int(roll),
    )
    active = sql(
        demo,
        "SELECT id, monthly_amount_cents FROM enrolments "
        "WHERE region_code LIKE '331102%' AND status = 'active'",
    )
    assert sorted(lines) == sorted(active) and suspended not in [e for e, _ in lines]
    page = client.get(f"/office/assistance/payments/{roll}")
    assert "**** ****" in page.text and "6222020200000000001" not in page.text
    assert client.get(f"/office/assistance/payments/{roll}/export/csv").status_code == 404, (
        "no direct export: a second person approves it (tests/exports)"
    )
    assert post_form(client, f"/office/assistance/payments/{roll}/approve").status_code == 200
    assert post_form(client, f"/office/assistance/payments/{roll}/approve").status_code == 403, (
        "not twice by the district"
    )
    as_staff(client, "city")
    assert post_form(client, f"/office/assistance/payments/{roll}/approve").status_code == 200
    assert (
        sql(demo, "SELECT status FROM assistance_payment_rolls WHERE id = :r", r=int(roll))[0][0] == "locked"
    )
    as_staff(client, "district")
    again = post_form(client, "/office/assistance/payments", {"month": "2026-12", "region_code": "331102"})
    assert again.status_code == 409 and "已审核锁定" in again.text


def test_holidays_are_configured_by_the_city_and_move_deadlines(client, demo):
    staff_login(client, "street")
    assert client.get("/office/calendar").status_code == 403
    as_staff(client, "sysadmin")  # the calendar is configuration: the system administrator's
    monday = clock.today() + timedelta(days=(7 - clock.today().weekday()))
    post_form(client, "/office/calendar", {"day": str(monday + timedelta(days=1)), "name": "测试假日"})
    assert (
        "测试假日" in client.get("/office/calendar", params={"year": (monday + timedelta(days=1)).year}).text
    )
    from server.calendar.service import load_calendar
    from tests.support import in_db

    cal = in_db(demo, load_calendar)
    assert not cal.is_working_day(monday + timedelta(days=1))
    assert cal.add_working_days(monday, 1) > monday + timedelta(days=1), "the deadline moves past the holiday"
