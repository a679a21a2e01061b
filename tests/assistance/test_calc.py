"""Worked examples of the benefit calculation (Lishui-style figures, in fen)."""

from datetime import date

from server.assistance import calc, rules
from server.assistance.calc import Household, Member, PolicyTerms, calculate
from server.calendar.days import Calendar

POLICY = PolicyTerms(
    standard_cents=1_080_00,
    asset_limit_cents=2_000_000,
    floor_cents=100_00,
    extra_pct={
        "severe_disabled": 30,
        "serious_ill": 20,
        "elderly": 10,
        "minor": 10,
        "single_parent_minor": 20,
    },
)


def test_dibao_pays_the_gap_times_members_plus_extras():
    # a couple, wife with a grade-2 disability; 600 yuan of pension a month
    home = Household(
        members=(Member("张建国", 70), Member("王桂兰", 68, disability_grade=2)),
        income_cents={"pension": 600_00},
    )
    result = calculate("dibao", home, POLICY)
    assert result.eligible
    # gap: 1080*2 - 600 = 1560; extras: elderly 10% = 108 (张),
    # severe disability 30% = 324 (王, beats elderly 10%)
    assert result.amount_cents == 1560_00 + 108_00 + 324_00
    rules_by_member = {ln.member: ln.rule for ln in result.lines if ln.member}
    assert rules_by_member == {"张建国": "elderly", "王桂兰": "severe_disabled"}
    assert result.lines[-1].label == "每月救助金额" and result.lines[-1].amount_cents == result.amount_cents


def test_income_at_the_standard_is_not_eligible():
    home = Household(members=(Member("李", 40),), income_cents={"wages": 1_080_00})
    result = calculate("dibao", home, POLICY)
    assert not result.eligible and result.amount_cents == 0 and result.reasons == ("calc.income_over",)


def test_assets_vehicles_and_second_homes_each_give_a_reason():
    home = Household(members=(Member("李", 40),), deposits_cents=3_000_000, vehicles=1, extra_housing=1)
    assert calculate("dibao", home, POLICY).reasons == ("calc.assets_over", "calc.vehicle", "calc.housing")


def test_floor_applies_when_the_gap_is_small():
    home = Household(members=(Member("赵", 45),), income_cents={"wages": 1_050_00})
    result = calculate("dibao", home, POLICY)
    assert result.amount_cents == 100_00 and result.lines[-2].rule == "floor"


def test_single_parent_minors_get_the_higher_extra():
    home = Household(
        members=(Member("母", 35), Member("子", 8)), income_cents={"wages": 800_00}, single_parent=True
    )
    result = calculate("dibao", home, POLICY)
    assert result.amount_cents == (2 * 1_080_00 - 800_00) + 216_00


def test_tekun_is_the_standard_times_the_multiplier():
    result = calculate("tekun", Household(members=(Member("孤老", 82),)), POLICY)
    assert result.amount_cents == 1_404_00  # 1080 x 130%


def test_temporary_and_medical_assistance_are_capped():
    home = Household(members=(Member("钱", 50),), requested_cents=5_000_00, out_of_pocket_cents=100_000_00)
    assert calculate("linshi", home, POLICY).amount_cents == 3 * 1_080_00
    assert calculate("yiliao", home, POLICY).amount_cents == POLICY.yiliao_cap_cents


def test_groups_and_best_group():
    assert calc.groups_of(Member("x", 65, 1, True), False) == ["severe_disabled", "serious_ill", "elderly"]
    assert calc.best_group(Member("x", 65, None, True), False, {"serious_ill": 20, "elderly": 10}) == (
        "serious_ill",
        20,
    )
    assert calc.best_group(Member("x", 30), False, POLICY.extra_pct) is None


def test_prechecks_name_each_problem():
    found = rules.prechecks(
        benefit="tekun",
        hukou_in_city=False,
        applicant_age=45,
        applicant_disability=None,
        already_receiving=["王桂兰"],
    )
    assert [f.code for f in found] == ["precheck.hukou", "precheck.age_tekun", "precheck.duplicate"]
    assert (
        rules.prechecks(
            benefit="tekun",
            hukou_in_city=True,
            applicant_age=70,
            applicant_disability=None,
            already_receiving=[],
        )
        == []
    )


def test_working_days_skip_weekends_holidays_and_count_make_up_days():
    cal = Calendar(
        holidays={
            date(2026, 10, 1),
            date(2026, 10, 2),
            date(2026, 10, 5),
            date(2026, 10, 6),
            date(2026, 10, 7),
        },
        workdays={date(2026, 9, 20), date(2026, 10, 10)},
    )
    # Friday 25 Sep 2026 + 5 working days: 28, 29, 30 Sep, then (1-7 Oct off but for 3-4 Oct weekend) 8, 9 Oct
    assert cal.add_working_days(date(2026, 9, 25), 5) == date(2026, 10, 9)
    # Friday 9 Oct + 1: Saturday 10 Oct is a make-up working day
    assert cal.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert cal.working_days_between(date(2026, 9, 25), date(2026, 10, 12)) == 7
    assert rules.total_due(cal, "dibao", date(2026, 11, 2)) == date(2026, 12, 7)


def test_public_notice_masks_names():
    assert [rules.mask_name(n) for n in ("张建国", "李丽", "欧阳小明")] == ["张*国", "李*", "欧**明"]
