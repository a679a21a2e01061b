"""The binding rules as plain functions (accounts/rules.py): no web, no database."""

from __future__ import annotations

import pytest

from server.accounts import rules as R


def test_names_compare_without_spacing_width_or_dot_differences():
    assert R.names_match("张 三", "张三") and R.names_match("ＡＢＣ", "abc")
    assert R.names_match("买买提·艾力", "买买提•艾力") and R.names_match("买买提 · 艾力", "买买提・艾力")
    assert not R.names_match("张三", "张三丰") and not R.names_match(" ", "")


@pytest.mark.parametrize(
    ("on_register", "name_ok", "reference", "holder", "deceased", "outcome"),
    [
        (True, False, True, None, False, "mismatch"),
        (False, False, False, None, False, "declared"),  # not on the register: no name to compare
        (True, True, True, None, False, "face"),
        (True, True, False, None, False, "pending"),
        (True, True, True, R.Holder(False, "verified"), False, "taken"),  # never displaced by a claim
        (True, True, False, R.Holder(False, "declared"), False, "pending"),  # a mere declaration gives way
        (False, False, False, R.Holder(False, "declared"), False, "taken"),
        (True, True, True, R.Holder(True, "verified"), False, "already"),
        (True, True, True, R.Holder(True, "declared"), False, "face"),  # proving one's own declaration
        (False, False, False, R.Holder(True, "declared"), False, "already"),
        (True, True, True, None, True, "deceased"),
    ],
)
def test_binding_outcomes(on_register, name_ok, reference, holder, deceased, outcome):
    assert (
        R.binding_outcome(
            on_register=on_register,
            name_ok=name_ok,
            has_reference=reference,
            holder=holder,
            deceased=deceased,
        )
        == outcome
    )


def test_only_a_verified_identity_is_the_person_and_no_claim_applies():
    assert R.is_the_person("verified") and not R.is_the_person("declared") and not R.is_the_person(None)
    assert (
        R.may_apply("declared")
        and R.may_apply("verified")
        and not R.may_apply(None)
        and not R.may_apply("pending")
    )


def test_decisions_need_an_open_case_a_verdict_and_a_reason_for_no():
    claim = R.CLAIM_DECISIONS
    assert R.decision_refusal("pending", "confirm", "", claim, "pending") is None
    assert R.decision_refusal("pending", "refuse", " ", claim, "pending") == "identity.note"
    assert R.decision_refusal("verified", "confirm", "", claim, "pending") == "identity.decided"
    assert R.decision_refusal("pending", "approve", "x", claim, "pending") == "form.choose"
    assert R.decision_refusal("open", "uphold", "", R.DISPUTE_DECISIONS, "open") == "identity.note"
    assert R.claim_refusal(R.MAX_CLAIMS_PER_DAY - 1) is None and R.claim_refusal(R.MAX_CLAIMS_PER_DAY)
