"""Pure rules of issue #23's survival parts: who may decide a check in review, when a recipient may
ask a person to review a failed check, what counts as the period's proof of life, an in-person
proof as recorded, and consent to a reference face (age from the ID number's birth date; under 14
only a guardian). No database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.accounts.permissions import Role
from server.survival import rules
from server.survival.rules import CheckStatus, ConsentBasis, InPersonMethod, Proof

TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("role", "staff_id", "ran_by", "allowed"),
    [
        (Role.STREET_REVIEWER, 7, None, True),  # a citizen's own check
        (Role.DISTRICT_APPROVER, 7, 3, True),  # an assisted check run by someone else
        (Role.STREET_REVIEWER, 3, 3, False),  # the worker who ran the assisted check
        (Role.COMMUNITY_WORKER, 7, None, False),  # sees the queue, does not decide
        (Role.FUNERAL_OPERATOR, 7, None, False),
        (None, None, None, False),
    ],
)
def test_who_may_decide_a_check_in_review(role, staff_id, ran_by, allowed):
    assert rules.may_review(role, staff_id, ran_by) is allowed


@pytest.mark.parametrize(
    ("status", "frames_kept", "refusal"),
    [
        (CheckStatus.FAILED, True, None),
        (CheckStatus.FAILED, False, "survival.review_no_frames"),  # nothing left to look at
        (CheckStatus.REVIEW, True, "survival.review_requested"),  # one open request per check
        (CheckStatus.REJECTED, True, "survival.review_closed"),  # decided: never again
        (CheckStatus.CONFIRMED, True, "survival.review_closed"),
        (CheckStatus.PASSED, True, "survival.review_closed"),
    ],
)
def test_when_a_recipient_may_ask_a_person_to_review(status, frames_kept, refusal):
    assert rules.review_request_refusal(status, frames_kept) == refusal
    if refusal is None:
        assert rules.move(status, rules.CheckAction.REQUEST) == (CheckStatus.REVIEW, None)


def test_a_request_needs_an_opinion_either_way_and_a_machine_review_only_to_reject():
    from server.errors import DomainError

    rules.check_review_note(rules.CheckAction.CONFIRM, "", requested=False)
    with pytest.raises(DomainError) as refused:
        rules.check_review_note(rules.CheckAction.CONFIRM, " ", requested=True)
    assert (refused.value.code, refused.value.field) == ("survival.opinion", "note")
    rules.check_review_note(rules.CheckAction.CONFIRM, "是本人", requested=True)


def test_what_counts_as_the_periods_proof():
    assert rules.proof_of(CheckStatus.PASSED) == Proof.FACE
    assert rules.proof_of(CheckStatus.CONFIRMED) == Proof.REVIEWED  # a person's pass counts the same
    for status in (CheckStatus.FAILED, CheckStatus.REVIEW, CheckStatus.REJECTED, CheckStatus.SUBMITTED):
        assert rules.proof_of(status) is None
    assert {s for s in CheckStatus if rules.proof_of(s)} == rules.PASSING
    assert {m.value for m in InPersonMethod} == {"home", "counter", "video"}


@pytest.mark.parametrize(
    ("method", "proved_on", "last", "note", "refusal"),
    [
        ("home", TODAY, None, "在家", None),
        ("video", TODAY - timedelta(days=30), None, "视频", None),
        ("counter", TODAY, TODAY, "窗口", None),
        ("phone", TODAY, None, "x", ("form.choose", "method")),
        ("home", None, None, "x", ("survival.proved_on", "proved_on")),
        ("home", TODAY + timedelta(days=1), None, "x", ("survival.proved_on_future", "proved_on")),
        ("home", TODAY - timedelta(days=31), None, "x", ("survival.proved_on_old", "proved_on")),
        (
            "home",
            TODAY - timedelta(days=2),
            TODAY - timedelta(days=1),
            "x",
            ("survival.proved_on_before", "proved_on"),
        ),
        ("home", TODAY, None, "  ", ("survival.in_person_note", "note")),
    ],
)
def test_an_in_person_proof_as_recorded(method, proved_on, last, note, refusal):
    assert rules.in_person_refusal(method, proved_on, TODAY, last, note) == refusal


def test_age_from_the_birth_date_in_the_id_number():
    birth = date(2012, 12, 6)  # 14 tomorrow
    assert rules.age_on(birth, TODAY) == 13
    assert rules.age_on(birth, TODAY + timedelta(days=1)) == 14
    assert rules.age_on(date(2012, 2, 29), date(2026, 2, 28)) == 13
    assert rules.age_on(date(2012, 2, 29), date(2026, 3, 1)) == 14


@pytest.mark.parametrize(
    ("basis", "age", "guardian", "document", "refusal"),
    [
        (ConsentBasis.CITIZEN, 70, "", "", None),
        (ConsentBasis.PAPER, 70, "", "同意书 17", None),
        (ConsentBasis.LEGAL, 40, "", "某条例第5条", None),
        (ConsentBasis.GUARDIAN, 90, "张小明", "监护人同意书", None),  # a guardian for an adult too
        (ConsentBasis.GUARDIAN, 11, "李秀英", "监护人同意书", None),
        (ConsentBasis.CITIZEN, 13, "", "", ("survival.consent_guardian", "basis")),
        (ConsentBasis.PAPER, 13, "", "同意书", ("survival.consent_guardian", "basis")),
        (ConsentBasis.LEGAL, 5, "", "某条例", ("survival.consent_guardian", "basis")),
        (ConsentBasis.GUARDIAN, 11, " ", "同意书", ("survival.consent_guardian_name", "guardian")),
        (ConsentBasis.PAPER, 50, "", " ", ("survival.consent_document", "document")),
        ("application", 50, "", "x", ("form.choose", "basis")),  # an application photo is no consent
    ],
)
def test_which_consents_can_be_recorded(basis, age, guardian, document, refusal):
    assert rules.consent_refusal(basis, age, guardian=guardian, document=document) == refusal


def test_no_reference_face_without_a_standing_consent_and_under_14_only_a_guardians():
    assert rules.enrol_refusal(None, 60) == "survival.consent_missing"
    assert rules.enrol_refusal(ConsentBasis.PAPER, 60) is None
    assert rules.enrol_refusal(ConsentBasis.PAPER, 13) == "survival.consent_guardian"
    assert rules.enrol_refusal(ConsentBasis.GUARDIAN, 13) is None
    assert rules.GUARDIAN_UNDER == 14 and rules.FACE_NOTICE_VERSION
