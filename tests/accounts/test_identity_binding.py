"""Binding a resident ID to a citizen account is checked (outside review: any new phone could bind an
enrolled recipient's number, be treated as her and lock her out until her benefit was suspended).

A register person's number is only claimed (pending) until a face match with her survival reference
or a community worker of her region proves it; the claim gives nothing. The real person is never
blocked: she claims too, or disputes a binding another account holds, and staff of her region
resolve it. A citizen's application is made under the identity bound to the account."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from server import clock
from server.accounts import rules
from server.survival import demo as faces
from tests.assistance.support import ANSWERS, answer, id_of, idem, start
from tests.support import citizen_login, csrf_token, post_form, sql, staff_login

GRACE = faces.sample_photo()
ASTRONAUT = faces.sample_photo("astronaut")
ATTACKER, REAL = "13700000001", "13700000002"
WANG = ("王桂兰", id_of("33110219580921002"))  # enrolled (张建国's household, 天宁社区), no reference face
ZHANG = ("张建国", id_of("33110219560312001"))  # enrolled, reference face from grace_hopper (demo)
SUN = ("孙丽华", id_of("33110219800214002"))  # not on the register: a new applicant


def login(client, settings, phone):
    client.cookies.clear()
    # signing in again within a minute waits for the code's resend interval: age earlier codes
    sql(settings, "UPDATE otp_challenges SET created_at = :t", t=datetime.now(UTC) - timedelta(minutes=2))
    assert citizen_login(client, settings, phone).status_code == 303


def bind(client, name, number, **kw):
    return post_form(
        client, "/me/identity", {"name": name, "id_number": number}, follow_redirects=False, **kw
    )


def citizen_row(settings, phone):
    return sql(settings, "SELECT id_hash, identity_level, name FROM citizens WHERE phone = :p", p=phone)[0]


def claim_id(settings, phone):
    return sql(
        settings,
        "SELECT k.id FROM identity_claims k JOIN citizens c ON c.id = k.citizen_id "
        "WHERE c.phone = :p ORDER BY k.id DESC",
        p=phone,
    )[0][0]


def as_staff(client, username):
    client.cookies.clear()
    assert staff_login(client, username).status_code == 303


def survival_challenge(client):
    return client.post(
        "/survival/challenge", headers={"x-csrftoken": csrf_token(client), "accept": "application/json"}
    )


def test_a_new_phone_claiming_an_enrolled_recipient_gets_nothing_and_she_is_not_blocked(client, demo):
    login(client, demo, ATTACKER)
    wrong = bind(client, "王小花", WANG[1])
    assert wrong.status_code == 422 and "姓名与登记信息不一致" in wrong.text
    claimed = bind(client, *WANG)
    assert claimed.status_code == 303 and claimed.headers["location"] == "/me?pending=1"
    me = client.get("/me")
    assert 'data-claim="pending"' in me.text and "不能查看此人的待遇信息" in me.text
    assert citizen_row(demo, ATTACKER)[0] is None, "a pending claim binds nothing"
    survival = client.get("/survival")
    assert "没有找到需要您认证的待遇信息" in survival.text and 'data-unproven="1"' in survival.text
    assert survival_challenge(client).status_code == 404
    # she claims her own number: not "ID taken", she gets to the same place
    login(client, demo, REAL)
    assert bind(client, *WANG).headers["location"] == "/me?pending=1"
    # the community worker sees both claims, flagged, and confirms hers after seeing her ID card
    as_staff(client, "qt_community")
    assert WANG[0] not in client.get("/office/identity").text, "another region does not see them"
    assert (
        post_form(
            client, f"/office/identity/claims/{claim_id(demo, REAL)}", {"verdict": "confirm"}
        ).status_code
        == 404
    )
    as_staff(client, "street")
    assert (
        post_form(
            client, f"/office/identity/claims/{claim_id(demo, REAL)}", {"verdict": "confirm"}
        ).status_code
        == 403
    )
    as_staff(client, "community")
    listing = client.get("/office/identity")
    assert listing.status_code == 200 and 'data-rivals="2"' in listing.text
    refuse = post_form(client, f"/office/identity/claims/{claim_id(demo, ATTACKER)}", {"verdict": "refuse"})
    assert refuse.status_code == 422, "refusing needs an opinion"
    ok = post_form(
        client,
        f"/office/identity/claims/{claim_id(demo, REAL)}",
        {"verdict": "confirm", "note": "查验身份证原件"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert citizen_row(demo, REAL)[1:] == ("verified", WANG[0])
    assert (
        sql(demo, "SELECT status FROM identity_claims WHERE id = :i", i=claim_id(demo, ATTACKER))[0][0]
        == "superseded"
    )
    assert citizen_row(demo, ATTACKER)[0] is None
    assert (
        sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'citizen.identity_verified'")[0][0] == 1
    )
    # the attacker trying again now meets a verified holder: refused, and only a dispute is offered
    login(client, demo, ATTACKER)
    again = bind(client, *WANG)
    assert (
        again.status_code == 409
        and "已绑定其他账号" in again.text
        and 'action="/me/identity/dispute"' in again.text
    )


def test_the_real_person_disputes_a_binding_and_the_region_unbinds_the_other_account(client, demo):
    # the attacker got through (a worker's mistake): the real person is told and offered the dispute path
    login(client, demo, ATTACKER)
    bind(client, *WANG)
    as_staff(client, "community")
    post_form(client, f"/office/identity/claims/{claim_id(demo, ATTACKER)}", {"verdict": "confirm"})
    assert citizen_row(demo, ATTACKER)[1] == "verified"
    login(client, demo, REAL)
    taken = bind(client, *WANG)
    assert (
        taken.status_code == 409
        and "提出异议" in taken.text
        and 'action="/me/identity/dispute"' in taken.text
    )
    assert client.get("/me").text.count('href="/me?dispute=1#dispute"') == 1, "always reachable from 我的"
    disputed = post_form(
        client,
        "/me/identity/dispute",
        {"name": WANG[0], "id_number": WANG[1], "statement": "我没有注册过"},
        follow_redirects=False,
    )
    assert disputed.status_code == 303 and "异议处理中" in client.get("/me").text
    dispute = sql(demo, "SELECT id FROM identity_disputes")[0][0]
    as_staff(client, "qt_community")
    assert (
        post_form(
            client, f"/office/identity/disputes/{dispute}", {"verdict": "uphold", "note": "x"}
        ).status_code
        == 404
    )
    as_staff(client, "community")
    assert "我没有注册过" in client.get("/office/identity").text
    assert post_form(client, f"/office/identity/disputes/{dispute}", {"verdict": "uphold"}).status_code == 422
    upheld = post_form(
        client,
        f"/office/identity/disputes/{dispute}",
        {"verdict": "uphold", "note": "本人持身份证到社区核实"},
        follow_redirects=False,
    )
    assert upheld.status_code == 303
    assert citizen_row(demo, ATTACKER) == (None, None, None)
    assert citizen_row(demo, REAL)[1:] == ("verified", WANG[0])
    assert (
        post_form(
            client, f"/office/identity/disputes/{dispute}", {"verdict": "dismiss", "note": "x"}
        ).status_code
        == 409
    )
    actions = {r[0] for r in sql(demo, "SELECT action FROM audit_records WHERE action LIKE 'citizen.%'")}
    assert {
        "citizen.identity_dispute",
        "citizen.identity_dispute_upheld",
        "citizen.unbind_identity",
    } <= actions
    told = sql(
        demo,
        "SELECT n.title FROM notifications n JOIN citizens c ON c.id = n.citizen_id WHERE c.phone = :p",
        p=ATTACKER,
    )
    assert ("实名信息已解除",) in told


def test_a_dispute_tells_nothing_about_the_number_and_is_limited(client, demo):
    """Whatever the number (free, held, on the register under another name), the dispute is taken
    and the answer is the same: it is no way around the daily limit on binding attempts."""
    login(client, demo, REAL)
    answers = [
        post_form(client, "/me/identity/dispute", {"name": name, "id_number": number}, follow_redirects=False)
        for name, number in (WANG, ("王小花", ZHANG[1]), SUN)
    ]
    assert [a.status_code for a in answers] == [303, 303, 303]
    assert {a.headers["location"] for a in answers} == {"/me?disputed=1"}
    assert sql(demo, "SELECT count(*) FROM identity_disputes")[0][0] == 3
    again = post_form(
        client, "/me/identity/dispute", {"name": "赵德福", "id_number": id_of("33110219440105003")}
    )
    assert again.status_code == 429 and sql(demo, "SELECT count(*) FROM identity_disputes")[0][0] == 3


def test_someone_not_on_the_register_binds_by_declaration_to_apply_only(client, demo):
    login(client, demo, REAL)
    assert bind(client, *SUN).headers["location"] == "/me?bound=1"
    assert citizen_row(demo, REAL)[1:] == ("declared", SUN[0])
    assert survival_challenge(client).status_code == 404
    # a second account cannot take it silently, but is shown the dispute path, which goes to the city
    login(client, demo, ATTACKER)
    assert bind(client, *SUN).status_code == 409
    post_form(client, "/me/identity/dispute", {"name": SUN[0], "id_number": SUN[1]})
    assert sql(demo, "SELECT region_code FROM identity_disputes")[0][0] == "331100"
    as_staff(client, "community")
    assert SUN[0] not in client.get("/office/identity").text
    as_staff(client, "city")
    assert SUN[0] in client.get("/office/identity").text


def test_a_declared_holder_gives_way_when_the_register_person_proves_who_she_is(client, demo):
    """Someone declared a number before its person was on the register (or the register learned of
    her later): her claim verified in person unbinds the mere declaration."""
    login(client, demo, ATTACKER)
    bind(client, *SUN)
    sql(demo, "UPDATE citizens SET identity_level = 'declared' WHERE phone = :p", p=ATTACKER)
    from server.people.service import register_person
    from tests.support import in_db

    in_db(
        demo,
        lambda s: register_person(
            s, demo.secret_key, name=SUN[0], id_number=SUN[1], region_code="331102001001"
        ),
    )
    login(client, demo, REAL)
    assert bind(client, *SUN).headers["location"] == "/me?pending=1"
    as_staff(client, "community")
    post_form(client, f"/office/identity/claims/{claim_id(demo, REAL)}", {"verdict": "confirm"})
    assert citizen_row(demo, REAL)[1] == "verified" and citizen_row(demo, ATTACKER)[0] is None


def test_binding_attempts_are_limited_per_day(client, demo):
    login(client, demo, ATTACKER)
    for _ in range(rules.MAX_CLAIMS_PER_DAY):
        assert bind(client, "王小花", WANG[1]).status_code == 422
    assert bind(client, *WANG).status_code == 429


@pytest.mark.skipif(GRACE is None or ASTRONAUT is None, reason="matplotlib/scikit-image missing")
def test_a_face_match_with_the_reference_completes_the_binding_and_another_face_does_not(client, demo):
    client.app.state.today = lambda: clock.today()
    # 张建国's account has lost its binding (say he changed phones): his number is free again
    sql(
        demo,
        "UPDATE citizens SET id_hash = NULL, id_masked = NULL, id_cipher = NULL, name = NULL, "
        "identity_level = NULL, verified_at = NULL WHERE phone = '13800000001'",
    )
    checks_before = sql(demo, "SELECT count(*) FROM survival_checks")[0][0]
    headers = lambda: {"x-csrftoken": csrf_token(client), "accept": "application/json"}  # noqa: E731

    def capture(photo):
        c = client.post("/me/identity/challenge", headers=headers())
        assert c.status_code == 201, c.text
        frames = faces.capture_frames(photo, c.json()["actions"])
        files = {f"frame{i}": (f"frame{i}.jpg", raw, "image/jpeg") for i, raw in enumerate(frames)}
        return client.post(
            "/me/identity/check", data={"nonce": c.json()["nonce"]}, files=files, headers=headers()
        )

    login(client, demo, ATTACKER)
    assert bind(client, *ZHANG).headers["location"] == "/me/identity/face"
    assert "/me/identity/challenge" in client.get("/me/identity/face").text
    other = capture(ASTRONAUT)
    assert (
        other.status_code == 201
        and other.json()["decision"] != "pass"
        and other.json()["status"] == "pending"
    )
    assert citizen_row(demo, ATTACKER)[0] is None and survival_challenge(client).status_code == 404
    # a binding challenge is no survival check: the real person's own checks are not touched
    assert sql(demo, "SELECT count(*) FROM survival_checks")[0][0] == checks_before

    login(client, demo, "13800000001")
    assert bind(client, *ZHANG).headers["location"] == "/me/identity/face"
    mine = capture(GRACE)
    assert mine.json() == {"decision": "pass", "status": "verified", "url": "/me?bound=1"}
    assert citizen_row(demo, "13800000001")[1:] == ("verified", ZHANG[0])
    assert (
        sql(demo, "SELECT method FROM identity_claims WHERE id = :i", i=claim_id(demo, "13800000001"))[0][0]
        == "face"
    )
    assert (
        sql(demo, "SELECT status FROM identity_claims WHERE id = :i", i=claim_id(demo, ATTACKER))[0][0]
        == "superseded"
    )
    assert survival_challenge(client).status_code == 201, "now he certifies as himself"
    assert sql(demo, "SELECT count(*) FROM survival_checks")[0][0] == checks_before


def test_the_applicant_is_the_identity_bound_to_the_account(client, demo):
    # 李秀英's verified account types someone else's name and number: the application is hers
    login(client, demo, "13800000002")
    reference = start(client)
    page = client.get(f"/apply/{reference}/applicant")
    assert 'data-applicant-fixed="1"' in page.text and "李秀英" in page.text
    assert answer(client, reference, "applicant", ANSWERS["applicant"]).status_code == 303
    name, masked = sql(
        demo,
        "SELECT applicant_name, id_masked FROM assistance_applications WHERE reference = :r",
        r=reference,
    )[0]
    assert name == "李秀英" and masked == "331102********" + id_of("33110219880506002")[-4:]
    # an account with no identity, or one still waiting to be proven, cannot apply: it cannot even
    # consent to the check, which is the first thing an application asks
    login(client, demo, "13800000003")
    assert "data-needs-identity" in client.get("/apply").text
    page = client.get("/apply")
    key = re.search(r'name="key" value="([0-9a-f]+)-', page.text).group(1)
    created = post_form(client, "/apply", {"benefit": "dibao", "key": f"{key}-dibao"}, follow_redirects=False)
    reference = created.headers["location"].split("/")[2]
    refused = post_form(client, f"/apply/{reference}/privacy", {"agree": "on"}, follow_redirects=False)
    assert refused.status_code == 403 and "实名认证" in refused.text
    bind(client, *WANG)  # pending
    refused = post_form(client, f"/apply/{reference}/privacy", {"agree": "on"}, follow_redirects=False)
    assert refused.status_code == 403 and "实名认证" in refused.text
    step = client.get(f"/apply/{reference}/applicant", follow_redirects=False)
    assert step.status_code == 303 and step.headers["location"].endswith("/privacy"), "no question before it"
    assert (
        sql(demo, "SELECT status FROM assistance_applications WHERE reference = :r", r=reference)[0][0]
        == "draft"
    )
    assert sql(
        demo,
        "SELECT count(*) FROM privacy_consents WHERE application_id = "
        "(SELECT id FROM assistance_applications WHERE reference = :r)",
        r=reference,
    ) == [(0,)]


def test_an_application_is_not_submitted_under_an_identity_the_account_no_longer_holds(client, demo):
    login(client, demo, REAL)
    bind(client, *SUN)
    reference = start(client)
    for step, data in ANSWERS.items():
        assert answer(client, reference, step, data).status_code == 303, step
    sql(
        demo,
        "UPDATE citizens SET id_hash = NULL, identity_level = NULL, id_cipher = NULL WHERE phone = :p",
        p=REAL,
    )
    check = client.get(f"/apply/{reference}/check")
    assert post_form(client, f"/apply/{reference}/submit", {"idem": idem(check.text)}).status_code == 403
    login(client, demo, ATTACKER)
    bind(client, *SUN)  # the number went to someone else: the draft still names it, and is refused
    login(client, demo, REAL)
    bind(client, "孙丽", id_of("33110219800214011"))
    check = client.get(f"/apply/{reference}/check")
    assert post_form(client, f"/apply/{reference}/submit", {"idem": idem(check.text)}).status_code == 409
