"""Every verification rule, with a case it must catch and a look-alike it must leave alone; then
the import's error report, legacy IDs, possible matches, rollback, incremental checks and the
de-duplication of warnings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.assistance.models import Application
from server.errors import DomainError, Kind
from server.people.idcard import check_char
from server.verification import checks_service as checks
from server.verification import imports_service as loader
from server.verification import service, synth
from server.verification.models import VerificationWarning
from tests.people.support import decide_waiting
from tests.support import in_db, sql
from tests.verification.support import OFFICER, TODAY, import_csv, write_csv


def number(region6: str, birth: date, seq: int) -> str:
    first17 = f"{region6}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


C = "331102001001"
BORN = date(1970, 5, 6)
PEOPLE = {  # key: (name, birth)
    "a": ("赵大山", BORN),
    "b": ("钱小河", date(1972, 8, 9)),
    "c": ("孙一一", date(2000, 1, 2)),
    "old": ("李长寿", date(1966, 3, 1)),  # turns 60 on 2026-03-01, after enrolment on 2026-01-01
    "kid": ("周小小", date(2008, 6, 1)),  # turns 18 on 2026-06-01
    "young": ("吴平平", date(1990, 1, 1)),
}
NUM = {k: number("331102", birth, 11 + 2 * i) for i, (k, (_, birth)) in enumerate(PEOPLE.items())}


def register(settings) -> None:
    members = {
        k: synth.Member(i, name, NUM[k], birth, True) for i, (k, (name, birth)) in enumerate(PEOPLE.items())
    }
    city = synth.SynthCity(
        communities=[C],
        households=[
            (C, [members["a"], members["b"]]),
            (C, [members["c"]]),
            (C, [members["old"], members["kid"]]),
            (C, [members["young"]]),
        ],
    )
    in_db(settings, lambda s: synth.build_register(s, settings.secret_key, city))


def warned(settings, rule: str | None = None) -> set[tuple[str, str]]:
    rows = sql(
        settings,
        "SELECT w.rule, p.name FROM verification_warnings w JOIN persons p ON p.id = w.person_id "
        "WHERE w.status = 'open'",
    )
    ours = {name for name, _ in PEOPLE.values()}  # not the demo city's own warnings
    return {(r, n) for r, n in rows if n in ours and (rule is None or r == rule)}


def full_check(settings, today: date = TODAY):
    async def go(session):
        return await checks.run_checks(session, checks.Scope(prefix="3311", city_code="331100", today=today))

    return in_db(settings, go)


CASES = [  # rule, source, row that must raise it (for person "a"), look-alike row that must not
    ("deceased", "deaths", {"death_date": "2026-10-01"}, None),
    (
        "imprisoned",
        "prisoners",
        {"admitted_on": "2025-02-01", "release_on": "2027-02-01"},
        {"admitted_on": "2015-02-01", "release_on": "2017-02-01"},
    ),
    (
        "business",
        "business",
        {"credit_code": "91331100MA2A0001X1", "role": "legal_rep", "registered_on": "2021-01-01"},
        {
            "credit_code": "91331100MA2A0002X1",
            "role": "legal_rep",
            "registered_on": "2011-01-01",
            "deregistered_on": "2015-01-01",
        },
    ),
    (
        "duplicate",
        "other_benefits",
        {"benefit": "dibao", "region_code": "330102", "start_date": "2025-01-01"},
        {"benefit": "dibao", "region_code": "330102", "start_date": "2020-01-01", "end_date": "2024-12-31"},
    ),
    ("staff_relative", "staff_relatives", {"relationship": "spouse", "staff_name": "某干部"}, None),
    (
        "vehicle",
        "vehicles",
        {"plate": "浙K12345", "kind": "car", "value": "120000"},
        {"plate": "浙K1234残", "kind": "disability", "value": "9000"},
    ),
    (
        "property",
        "property",
        {"certificate_no": "P-1", "use": "commercial", "area_m2": "30"},
        {"certificate_no": "P-2", "use": "residential", "area_m2": "70"},
    ),
    (
        "income",
        "tax_income",
        {"year": "2025", "annual_income": str(1080 * 12 * 2)},
        {"year": "2025", "annual_income": str(1080 * 12 * 2 - 12)},
    ),
    (
        "deposits",
        "housing_fund",
        {"account_no": "G-1", "status": "sealed", "balance": str(32400 * 2 + 1)},
        {"account_no": "G-2", "status": "sealed", "balance": str(32400 * 2)},
    ),
]


@pytest.mark.parametrize("rule,source,hit,look_alike", CASES, ids=[c[0] for c in CASES])
def test_rule_catches_the_case_and_not_the_look_alike(demo, tmp_path, rule, source, hit, look_alike):
    register(demo)
    other = number("331122", date(1980, 1, 1), 99)  # someone who is not enrolled here
    rows = [{"id_number": other, "name": "路人甲", **hit}]
    if look_alike:
        rows.append({"id_number": NUM["a"], "name": "赵大山", **look_alike})
    imp = import_csv(demo, source, write_csv(tmp_path / "neg.csv", source, rows))
    assert imp.rows_accepted == len(rows)
    full_check(demo)
    assert warned(demo, rule) == set(), "look-alike raised a warning"
    import_csv(
        demo,
        source,
        write_csv(tmp_path / "pos.csv", source, [{"id_number": NUM["a"], "name": "赵大山", **hit}]),
    )
    assert (rule, "赵大山") in warned(demo, rule)
    assert {name for _, name in warned(demo, rule)} <= {"赵大山", "钱小河"}  # only that household


def test_hukou_outside_the_city_and_moved_back(demo, tmp_path):
    register(demo)
    rows = [
        {"id_number": NUM["a"], "name": "赵大山", "region_code": "330106", "registered_on": "2025-05-01"},
        {"id_number": NUM["b"], "name": "钱小河", "region_code": "330106", "registered_on": "2010-05-01"},
        {"id_number": NUM["b"], "name": "钱小河", "region_code": C, "registered_on": "2015-05-01"},
        {"id_number": NUM["c"], "name": "孙一一", "region_code": C, "registered_on": "2015-05-01"},
    ]
    import_csv(demo, "hukou", write_csv(tmp_path / "h.csv", "hukou", rows))
    assert warned(demo, "hukou_outside") == {("hukou_outside", "赵大山")}


def test_property_two_homes_is_over_one_home_is_not(demo, tmp_path):
    register(demo)
    homes = [
        {"id_number": NUM["a"], "name": "赵大山", "certificate_no": "H-1", "use": "residential"},
        {"id_number": NUM["c"], "name": "孙一一", "certificate_no": "H-3", "use": "residential"},
        {"id_number": NUM["b"], "name": "钱小河", "certificate_no": "H-2", "use": "residential"},
    ]
    import_csv(demo, "property", write_csv(tmp_path / "p.csv", "property", homes))
    assert {n for _, n in warned(demo, "property")} == {"赵大山", "钱小河"}  # 孙一一 has one home only


def test_age_thresholds_60_and_18_crossed_after_enrolment(demo):
    register(demo)
    full_check(demo, date(2026, 2, 1))
    assert warned(demo, "age") == set()
    full_check(demo, date(2026, 7, 1))
    assert warned(demo, "age") == {("age", "李长寿"), ("age", "周小小")}


def test_paid_twice_inside_the_city_two_enrolments(demo):
    register(demo)
    sql(
        demo,
        "INSERT INTO households (region_code, address, head_person_id, created_at) "
        "SELECT region_code, 'second address', id, created_at FROM persons WHERE name = '吴平平'",
    )
    sql(
        demo,
        "INSERT INTO household_members (household_id, person_id, relationship_to_head, serious_illness) "
        "SELECT max(h.id), p.id, 'head', false FROM households h, persons p WHERE p.name = '吴平平' "
        "GROUP BY p.id",
    )
    sql(
        demo,
        "INSERT INTO enrolments "
        "(household_id, benefit, status, monthly_amount_cents, start_date, region_code, updated_at) "
        "SELECT max(id), 'tekun', 'active', 100, '2026-02-01', '331121001001', '2026-02-01' FROM households",
    )
    full_check(demo)
    assert warned(demo, "duplicate") == {("duplicate", "吴平平")}
    count = sql(demo, "SELECT count(*) FROM verification_warnings WHERE rule = 'duplicate'")[0][0]
    assert count == 2  # one for each enrolment, each naming the other as evidence


def test_approval_overdue(demo):
    register(demo)

    async def add(session):
        for ref, due in (("DB-LATE", TODAY - timedelta(days=2)), ("DB-OK", TODAY + timedelta(days=2))):
            session.add(
                Application(
                    reference=ref,
                    benefit="dibao",
                    status="street",
                    region_code=C,
                    applicant_name="申请人",
                    step_due_on=due,
                    answers={},
                )
            )

    in_db(demo, add)
    full_check(demo)
    rows = sql(demo, "SELECT detail FROM verification_warnings WHERE rule = 'approval_overdue'")
    assert rows == [("申请 DB-LATE",)]


def test_rejected_rows_reported_with_reasons_and_good_rows_loaded(demo, tmp_path):
    register(demo)
    legacy = NUM["a"][:6] + NUM["a"][8:17]  # the 15-digit form of the same person
    rows = [
        {"id_number": legacy, "name": "赵大山", "death_date": "2026-10-01"},
        {
            "id_number": NUM["b"][:17] + ("0" if NUM["b"][17] != "0" else "1"),
            "name": "钱小河",
            "death_date": "2026-10-01",
        },
        {"id_number": NUM["c"], "name": "", "death_date": "2026-13-01"},
        {"id_number": "", "name": "无证人", "death_date": "2026-10-01"},
    ]
    imp = import_csv(demo, "deaths", write_csv(tmp_path / "d.csv", "deaths", rows))
    assert (imp.rows_total, imp.rows_accepted, imp.rows_rejected, imp.legacy_ids) == (4, 1, 3, 1)
    errors = loader.read_error_text(demo, imp.id)
    assert "3,公民身份号码：校验位不正确" in errors
    assert "姓名：必填" in errors and "死亡日期：不是有效日期" in errors
    assert "出生日期：身份证号为空时必填" in errors
    assert warned(demo, "deceased") == {("deceased", "赵大山")}  # found through the converted legacy ID


def test_a_file_without_the_required_columns_is_refused_as_a_whole(demo, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("姓名,日期\n张三,2026-01-01\n", encoding="utf-8")
    with pytest.raises(loader.ImportRefused) as refused:
        import_csv(demo, "deaths", path)
    assert "公民身份号码" in refused.value.message and "死亡日期" in refused.value.message


def test_possible_match_without_id_is_confirmed_by_a_person(demo, tmp_path):
    register(demo)
    rows = [
        {"id_number": "", "name": "赵 大山", "birth_date": BORN.isoformat(), "death_date": "2026-10-01"},
        {"id_number": "", "name": "钱小河", "birth_date": "1999-01-01", "death_date": "2026-10-01"},
    ]
    imp = import_csv(demo, "deaths", write_csv(tmp_path / "m.csv", "deaths", rows))
    assert imp.without_id == 2
    assert warned(demo) == set()  # a name is not enough to warn
    matches = sql(
        demo,
        "SELECT m.id, p.name FROM verification_matches m JOIN persons p ON p.id = m.person_id "
        "JOIN verification_records r ON r.id = m.record_id WHERE r.import_id = :i",
        i=imp.id,
    )
    assert [n for _, n in matches] == ["赵大山"]

    async def confirm(session):
        from server.verification.models import PossibleMatch

        return await service.decide_match(
            session, OFFICER, await session.get(PossibleMatch, matches[0][0]), True, TODAY
        )

    assert in_db(demo, confirm) == 1
    assert warned(demo) == {("deceased", "赵大山")}


def test_same_fact_twice_is_one_warning_and_reviews_do_not_repeat_it(demo, tmp_path):
    register(demo)
    rows = [{"id_number": NUM["a"], "name": "赵大山", "death_date": "2026-10-01"}] * 2
    for i in range(2):
        import_csv(demo, "deaths", write_csv(tmp_path / f"d{i}.csv", "deaths", rows))
    full_check(demo)
    full_check(demo)
    assert (
        sql(
            demo,
            "SELECT count(*) FROM verification_warnings w JOIN persons p ON p.id = w.person_id "
            "WHERE rule = 'deceased' AND p.name = '赵大山'",
        )[0][0]
        == 1
    )
    assert sql(demo, "SELECT count(*) FROM verification_records WHERE name = '赵大山'")[0][0] == 4


def test_an_import_checks_only_the_people_it_touches(demo, tmp_path):
    register(demo)
    import_csv(
        demo,
        "vehicles",
        write_csv(
            tmp_path / "v.csv",
            "vehicles",
            [{"id_number": NUM["young"], "name": "吴平平", "plate": "浙K1", "kind": "car"}],
        ),
    )
    # a death record for 赵大山 arrives in the live data without its own check
    # (as if loaded before the rules ran)
    sql(demo, "DELETE FROM verification_warnings")
    import_csv(
        demo,
        "deaths",
        write_csv(
            tmp_path / "d.csv",
            "deaths",
            [{"id_number": NUM["c"], "name": "孙一一", "death_date": "2026-10-01"}],
        ),
    )
    assert warned(demo) == {("deceased", "孙一一")}  # 吴平平's car was not looked at again
    full_check(demo)
    assert warned(demo) - warned(demo, "age") == {("deceased", "孙一一"), ("vehicle", "吴平平")}


def test_rollback_withdraws_warnings_and_restores_the_replaced_snapshot(demo, tmp_path):
    register(demo)
    first = import_csv(
        demo,
        "vehicles",
        write_csv(
            tmp_path / "v1.csv",
            "vehicles",
            [{"id_number": NUM["a"], "name": "赵大山", "plate": "浙K1", "kind": "car"}],
        ),
    )
    second = import_csv(
        demo,
        "vehicles",
        write_csv(
            tmp_path / "v2.csv",
            "vehicles",
            [{"id_number": NUM["c"], "name": "孙一一", "plate": "浙K2", "kind": "car"}],
        ),
    )
    states = dict(sql(demo, "SELECT id, status FROM verification_imports"))
    assert (states[first.id], states[second.id]) == ("superseded", "active")
    assert warned(demo) == {("vehicle", "赵大山"), ("vehicle", "孙一一")}

    async def roll(session):
        from server.verification.models import DataImport

        return await loader.rollback_import(
            session, OFFICER, await session.get(DataImport, second.id), "文件发错了"
        )

    assert in_db(demo, roll) == 1
    states = dict(sql(demo, "SELECT id, status FROM verification_imports"))
    assert (states[first.id], states[second.id]) == ("active", "rolled_back")
    assert warned(demo) == {("vehicle", "赵大山")}
    assert sql(demo, "SELECT count(*) FROM verification_records WHERE import_id = :i", i=second.id)[0][0] == 0
    assert sql(demo, "SELECT action FROM audit_records WHERE action = 'verification.rollback'") == [
        ("verification.rollback",)
    ]
    with pytest.raises(DomainError) as refused:
        in_db(demo, roll)
    assert (refused.value.code, refused.value.kind) == ("verification.not_live", Kind.CONFLICT)


def test_warning_confirmed_and_acted_on_through_the_assistance_workflow(demo, tmp_path):
    register(demo)
    import_csv(
        demo,
        "business",
        write_csv(
            tmp_path / "b.csv",
            "business",
            [{"id_number": NUM["young"], "name": "吴平平", "credit_code": "X1", "role": "legal_rep"}],
        ),
    )

    async def act(session):
        w = await session.scalar(select(VerificationWarning).where(VerificationWarning.rule == "business"))
        await service.handle_warning(
            session, OFFICER, w, decision="confirm", action="stop", reason="工商登记属实", today=TODAY
        )
        return w.enrolment_id

    enrolment_id = in_db(demo, act)
    assert sql(demo, "SELECT status FROM enrolments WHERE id = :i", i=enrolment_id) == [("active",)]
    assert decide_waiting(demo) >= 1  # a district approver approves the proposal
    assert sql(demo, "SELECT status, status_reason FROM enrolments WHERE id = :i", i=enrolment_id) == [
        ("stopped", "法人保：工商登记属实")
    ]
    sources = [
        r[0]
        for r in sql(
            demo,
            "SELECT action FROM audit_records "
            "WHERE object_type IN ('enrolment', 'verification_warning') ORDER BY seq",
        )
    ]
    confirmed = sources.index("verification.warning_confirmed")
    assert "enrolment.stopped" in sources[confirmed:], "stopped on approval, after the confirmation"


def test_survival_check_overdue(demo):
    register(demo)
    sql(
        demo,
        "INSERT INTO survival_schedules "
        "(person_id, region_code, active, interval_months, next_due, updated_at) "
        "SELECT id, region_code, true, 3, '2026-11-20', '2026-08-20' FROM persons WHERE name = '钱小河'",
    )
    sql(
        demo,
        "INSERT INTO survival_schedules "
        "(person_id, region_code, active, interval_months, next_due, updated_at) "
        "SELECT id, region_code, true, 3, '2026-12-20', '2026-09-20' FROM persons WHERE name = '孙一一'",
    )
    full_check(demo)
    assert warned(demo, "survival_overdue") == {("survival_overdue", "钱小河")}
    full_check(demo)  # the same missed date is one warning
    assert (
        sql(
            demo,
            "SELECT count(*) FROM verification_warnings WHERE rule = 'survival_overdue' "
            "AND evidence = 'due:2026-11-20'",
        )[0][0]
        == 1
    )
