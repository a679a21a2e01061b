"""Who must consent to the household check, at which ages, and when the check may run; and the
notice names every source the check reads, in Chinese and English."""

from __future__ import annotations

import re
from datetime import date

import pytest

from server.domains import register_messages
from server.i18n import EN
from server.privacy import notice
from server.privacy.rules import (
    Basis,
    Given,
    Member,
    Move,
    Role,
    State,
    age_on,
    applicant_may_be_guardian,
    check_may_run,
    may_move,
    members_of,
    missing,
    needed,
)
from server.verification.sources import SOURCES

TODAY = date(2026, 12, 5)


def born(years: int, days_after: int = 0) -> date:
    """A birth date that makes the person ``years`` old today (a day later: one year younger)."""
    d = date(TODAY.year - years, TODAY.month, TODAY.day)
    return d.replace(day=d.day + days_after)


def person(key: str, years: int, relationship: str = "spouse", applicant: bool = False) -> Member:
    return Member(key, key, key, born(years), relationship, applicant)


@pytest.mark.parametrize(
    ("age", "owed"),
    [
        (0, {Role.GUARDIAN}),
        (13, {Role.GUARDIAN}),
        (14, {Role.SELF, Role.GUARDIAN}),
        (17, {Role.SELF, Role.GUARDIAN}),
        (18, {Role.SELF}),
        (90, {Role.SELF}),
    ],
)
def test_who_consents_depends_on_age(age, owed):
    assert needed(age) == owed


def test_age_is_counted_in_whole_years_to_the_birthday():
    assert age_on(born(18), TODAY) == 18
    assert age_on(born(18, days_after=1), TODAY) == 17, "the day before the 18th birthday is still 17"
    assert age_on(None, TODAY) == 18, "no birth date (never from an ID number): treated as an adult"


def test_every_adult_consents_for_themself_and_nobody_else_can():
    applicant, spouse = person("a", 40, "applicant", True), person("s", 38)
    members = [applicant, spouse]
    assert missing(members, [Given("a", Role.SELF, Basis.SELF)], TODAY) == [(spouse, Role.SELF)]
    assert not check_may_run(members, [Given("a", Role.SELF, Basis.SELF)], TODAY)
    # a guardian's consent does not stand for an adult's own
    assert not check_may_run(
        members, [Given("a", Role.SELF, Basis.SELF), Given("s", Role.GUARDIAN, Basis.GUARDIAN)], TODAY
    )
    assert check_may_run(members, [Given("a", "self", "self"), Given("s", "self", "self")], TODAY)


def test_a_paper_form_counts_for_every_consent_a_member_owes():
    teen = person("t", 15, "child")
    assert missing([teen], [], TODAY) == [(teen, Role.GUARDIAN), (teen, Role.SELF)]
    assert missing([teen], [Given("t", Role.SELF, Basis.SELF)], TODAY) == [(teen, Role.GUARDIAN)]
    assert missing([teen], [Given("t", Role.SELF, Basis.PAPER)], TODAY) == []


def test_a_child_under_14_needs_only_the_guardian():
    child = person("c", 10, "child")
    assert missing([child], [Given("c", Role.SELF, Basis.SELF)], TODAY) == [(child, Role.GUARDIAN)]
    assert check_may_run([child], [Given("c", Role.GUARDIAN, Basis.GUARDIAN)], TODAY)


def test_the_check_never_runs_for_an_application_naming_nobody():
    assert not check_may_run([], [], TODAY)


def test_the_applicant_is_guardian_only_of_their_own_minor_children_and_grandchildren():
    applicant = person("a", 40, "applicant", True)
    assert applicant_may_be_guardian(applicant, person("c", 10, "child"), TODAY)
    assert applicant_may_be_guardian(applicant, person("g", 16, "grandchild"), TODAY)
    assert not applicant_may_be_guardian(applicant, person("n", 10, "sibling"), TODAY), "a paper form"
    assert not applicant_may_be_guardian(applicant, person("c", 19, "child"), TODAY), "an adult child"
    assert not applicant_may_be_guardian(person("y", 17, "applicant", True), person("c", 1, "child"), TODAY)


def test_a_consent_is_withdrawn_once_and_a_withdrawn_one_cannot_be_withdrawn_again():
    assert may_move(None, Move.GIVE) == State.GIVEN
    assert may_move(State.GIVEN, Move.WITHDRAW) == State.WITHDRAWN
    assert may_move(State.WITHDRAWN, Move.WITHDRAW) is None


def test_the_people_of_an_application_come_from_its_answers():
    answers = {
        "applicant": {"name": "甲", "id_hash": "h1", "id_masked": "1***", "birth": "1980-02-14"},
        "members": [
            {
                "name": "乙",
                "id_hash": "h2",
                "id_masked": "2***",
                "birth": "2016-03-01",
                "relationship": "child",
            }
        ],
    }
    people = members_of(answers)
    assert [(p.name, p.applicant, p.relationship) for p in people] == [
        ("甲", True, "applicant"),
        ("乙", False, "child"),
    ]
    assert people[1].birth == date(2016, 3, 1)
    assert members_of({}) == []


def test_the_notice_names_every_source_the_check_reads_with_its_department():
    assert [(s.code, s.label, s.department) for s in notice.SOURCES] == [
        (s.code, s.label, s.department) for s in SOURCES.values()
    ]
    assert notice.SERVICE_NOTICES["assistance"].sources == tuple(SOURCES)


def test_the_notice_states_the_platform_retention_periods():
    periods = {r.data: r.period for r in notice.RETENTION}
    assert "30天" in periods["生存认证时拍摄的画面"]
    assert "5年" in periods["申请材料（证件照片、证明、核对报告）"]
    assert "3年" in periods["操作日志（审计记录）"] and "6个月" in periods["操作日志（审计记录）"]
    assert periods["短信验证码"] == "1天"


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        return [t for k in value.__dataclass_fields__ for t in _texts(getattr(value, k))]
    return []


def test_every_sentence_of_the_notice_reads_in_english():
    register_messages()
    texts = {
        t
        for name, value in vars(notice).items()
        if name.isupper()
        for t in _texts(value)
        if re.search(r"[\u4e00-\u9fff]", t)
    }
    assert texts, "the notice has Chinese text"
    assert sorted(t for t in texts if t not in EN) == []
