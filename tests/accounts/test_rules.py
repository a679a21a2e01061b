"""Table tests of the accounts rules (pure: no web, no database): every (state, verdict) pair of the
identity claim and dispute decisions, and every (role, region level) pair of staff placement."""

from __future__ import annotations

import itertools

import pytest

from server.accounts import rules as R
from server.accounts.permissions import Role

CLAIM_STATES = ("pending", "verified", "refused")
DISPUTE_STATES = ("open", "upheld", "dismissed")
VERDICTS = ("confirm", "refuse", "uphold", "dismiss", "", "approve")


@pytest.mark.parametrize(("state", "verdict"), itertools.product(CLAIM_STATES, VERDICTS))
def test_every_claim_decision_lands_where_the_table_says_or_is_refused(state, verdict):
    with_note = R.decision_refusal(state, verdict, "seen the card", R.CLAIM_DECISIONS, "pending")
    without = R.decision_refusal(state, verdict, "  ", R.CLAIM_DECISIONS, "pending")
    if state != "pending":  # a decided claim is final: no way out
        assert with_note == without == "identity.decided"
    elif verdict not in R.CLAIM_DECISIONS:
        assert with_note == without == "form.choose"
    else:
        assert with_note is None
        assert R.CLAIM_DECISIONS[verdict] in CLAIM_STATES[1:]
        # a no needs its reason; a yes does not
        assert without == ("identity.note" if verdict == "refuse" else None)


@pytest.mark.parametrize(("state", "verdict"), itertools.product(DISPUTE_STATES, VERDICTS))
def test_every_dispute_decision_lands_where_the_table_says_or_is_refused(state, verdict):
    with_note = R.decision_refusal(state, verdict, "met both", R.DISPUTE_DECISIONS, "open")
    without = R.decision_refusal(state, verdict, "", R.DISPUTE_DECISIONS, "open")
    if state != "open":
        assert with_note == without == "identity.decided"
    elif verdict not in R.DISPUTE_DECISIONS:
        assert with_note == without == "form.choose"
    else:
        assert with_note is None and R.DISPUTE_DECISIONS[verdict] in DISPUTE_STATES[1:]
        assert without == "identity.note"  # upholding unbinds someone, dismissing says no: both explained


LEVEL_CODE = {"city": "331100", "district": "331102", "street": "331102001", "community": "331102001001"}


@pytest.mark.parametrize(("role", "level"), itertools.product(list(Role), list(LEVEL_CODE)))
def test_every_role_sits_only_at_its_levels(role, level):
    problem = R.role_problem(role, LEVEL_CODE[level])
    assert problem == (None if level in R.ROLE_LEVELS[role] else "user.role_level")


def test_unknown_roles_and_region_codes_are_refused_by_name():
    assert set(R.ROLE_LEVELS) == set(Role)
    assert R.role_problem("root", "331100") == "user.role"
    assert R.role_problem("", "331100") == "user.role"
    assert R.role_problem(Role.SECURITY_ADMIN, "33") == "region.unknown"
