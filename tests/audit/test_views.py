"""Reads of sensitive records are written as views: each page or file a member of staff opens that
shows health, disability, income, department records (deaths, prison), faces or documents leaves
an audit record ``view.<what>`` and one ``person_accesses`` row for every person it shows, which is
what the citizen reads on "who looked at my data"."""

from __future__ import annotations

from server import clock
from server.audit.service import SYSTEM
from server.people.models import Person
from server.survival import service as survival
from tests.support import in_db, sql, staff_login
from tests.survival.test_flow import GRACE, still_frames
from tests.verification.test_pages import signed_in, upload
from tests.verification.test_rules import NUM, register


def accesses(settings, person_id: int, what: str) -> list[tuple]:
    return sql(
        settings,
        "SELECT actor_name, role, object_type, audit_seq FROM person_accesses "
        "WHERE person_id = :p AND what = :w ORDER BY id",
        p=person_id,
        w=what,
    )


def zhang_household(settings) -> tuple[int, int, int, list[int]]:
    """张建国's enrolment, household, his person id and the ids of everyone in the household."""
    person = sql(settings, "SELECT id FROM persons WHERE name = '张建国'")[0][0]
    household = sql(settings, "SELECT household_id FROM household_members WHERE person_id = :p", p=person)[0][
        0
    ]
    enrolment = sql(settings, "SELECT id FROM enrolments WHERE household_id = :h LIMIT 1", h=household)[0][0]
    members = [
        p
        for (p,) in sql(
            settings, "SELECT person_id FROM household_members WHERE household_id = :h", h=household
        )
    ]
    return enrolment, household, person, members


def test_household_page_report_case_and_document_are_views_of_everyone_they_show(client, demo):
    enrolment, household, zhang, members = zhang_household(demo)
    assert len(members) >= 2
    # a case from that household (a 临时救助 application of an enrolled household), with a document
    reference = sql(
        demo, "SELECT reference FROM assistance_applications WHERE region_code = '331102001001' LIMIT 1"
    )[0][0]
    app_id = sql(demo, "SELECT id FROM assistance_applications WHERE reference = :r", r=reference)[0][0]
    sql(demo, "UPDATE assistance_applications SET household_id = :h WHERE id = :a", h=household, a=app_id)
    folder = demo.var_dir / "uploads" / "assistance"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc-test.jpg").write_bytes(b"\xff\xd8\xff\xe0 a photo of an ID card")
    sql(
        demo,
        "INSERT INTO assistance_documents (application_id, kind, stored_name, content_type, size, width, "
        "height, sha256, uploaded_at) "
        "VALUES (:a, 'id_card', 'doc-test.jpg', 'image/jpeg', 24, 10, 10, :h, :t)",
        a=app_id,
        h="0" * 64,
        t=clock.now(),
    )
    doc = sql(demo, "SELECT id FROM assistance_documents WHERE application_id = :a", a=app_id)[0][0]
    staff_login(client, "street")
    walks = [
        (f"/office/assistance/households/{enrolment}", "household", "enrolment"),
        (f"/office/verification/households/{household}/report", "report", "household"),
        (f"/office/verification/applications/{reference}/report", "report", "application"),
        (f"/office/assistance/{reference}", "application", "application"),
        (f"/office/assistance/{reference}/documents/{doc}", "documents", "document"),
    ]
    for url, what, object_type in walks:
        before = {p: len(accesses(demo, p, what)) for p in members}
        assert client.get(url).status_code == 200, url
        for person in members:
            rows = accesses(demo, person, what)
            assert len(rows) == before[person] + 1, (url, person)
            actor, role, kind, seq = rows[-1]
            assert (actor, role, kind) == ("紫金街道审核员 张丽", "street_reviewer", object_type), url
            action = sql(demo, "SELECT action FROM audit_records WHERE seq = :s", s=seq)[0][0]
            assert action == f"view.{what}"
    # staff of another district see nothing, and nothing is written
    count = sql(demo, "SELECT count(*) FROM person_accesses")[0][0]
    client.cookies.clear()
    staff_login(client, "qt_street")
    for url, _, _ in walks:
        assert client.get(url).status_code == 404, url
    assert sql(demo, "SELECT count(*) FROM person_accesses")[0][0] == count


def test_a_face_a_check_frame_a_warning_and_a_review_are_views_of_their_person(client, demo):
    _, _, zhang, _ = zhang_household(demo)

    async def make_check(session):
        person = await session.get(Person, zhang)
        nonce, _ = await survival.issue_challenge(session, person)
        check = await survival.submit(
            session, SYSTEM, person, nonce, still_frames(GRACE, 8), today=clock.today()
        )
        return check.id

    check_id = in_db(demo, make_check)
    staff_login(client, "community")
    assert client.get(f"/office/survival/people/{zhang}/reference.jpg").status_code == 200
    assert client.get(f"/office/survival/checks/{check_id}/frames/0").status_code == 200
    faces = accesses(demo, zhang, "face")
    assert [kind for _, _, kind, _ in faces] == ["survival_reference", "survival_check"]
    # a department's death record of a person, on the warning page
    register(demo)
    client.cookies.clear()
    signed_in(client, demo)
    upload(client, "deaths", f"公民身份号码,姓名,死亡日期\n{NUM['a']},赵大山,2026-10-01\n".encode())
    warning, person = sql(demo, "SELECT id, person_id FROM verification_warnings WHERE rule = 'deceased'")[0]
    client.cookies.clear()
    signed_in(client, demo, "street")
    assert client.get(f"/office/verification/warnings/{warning}").status_code == 200
    assert [kind for _, _, kind, _ in accesses(demo, person, "report")] == ["verification_warning"]
