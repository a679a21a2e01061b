"""A certificate's life as a table, what a verifier is told and how a scanned token compares: pure,
no database."""

from __future__ import annotations

from datetime import date

import pytest

from server.accounts.permissions import Role, allows
from server.certificates import rules
from server.certificates.rules import Action, Paper, Status, Verdict
from server.errors import Kind

EXPECTED = {
    (Status.REQUESTED, Action.ISSUE): Status.ISSUED,
    (Status.REQUESTED, Action.REJECT): Status.REJECTED,
    (Status.ISSUED, Action.REVOKE): Status.REVOKED,
    (Status.ISSUED, Action.REISSUE): Status.REPLACED,
}


@pytest.mark.parametrize("state", list(Status))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [*Role, "citizen", None])
def test_every_state_action_and_role_by_the_table(state, action, role):
    want = EXPECTED.get((state, action))
    if want is not None and allows(role, rules.TRANSITIONS[(state, action)][1]):
        assert rules.transition(state, action, role) == want
        return
    with pytest.raises(rules.CertificateRuleError) as refused:
        rules.transition(state, action, role)
    if want is None:
        assert refused.value.kind == Kind.CONFLICT and refused.value.code == rules.ACTION_ERRORS[action]
    else:
        assert refused.value.kind == Kind.FORBIDDEN


def test_the_table_is_the_whole_truth():
    assert {k: to for k, (to, _) in rules.TRANSITIONS.items()} == EXPECTED
    assert set(rules.ACTION_ERRORS) == set(Action)
    for state in rules.FINAL:
        assert not [a for (s, a) in rules.TRANSITIONS if s == state], f"{state} is final"
    assert set(rules.REASON_CODES) == {Status.REVOKED, Status.REPLACED}
    assert set(rules.STATES) == set(Status)


def test_what_a_verifier_is_told():
    until, today = date(2026, 12, 31), date(2026, 12, 1)
    assert rules.verdict(Status.ISSUED, until, today) == Verdict.VALID
    assert rules.verdict(Status.ISSUED, until, date(2027, 1, 1)) == Verdict.EXPIRED
    assert rules.verdict(Status.REVOKED, until, today) == Verdict.REVOKED
    assert rules.verdict(Status.REPLACED, until, today) == Verdict.REPLACED
    for status in (Status.REQUESTED, Status.REJECTED, None, "bogus"):
        assert rules.verdict(status, until, today) == Verdict.UNKNOWN


def test_the_seal_is_shown_only_for_a_known_record_whose_paper_does_not_differ():
    for verdict in (Verdict.VALID, Verdict.EXPIRED, Verdict.REVOKED, Verdict.REPLACED):
        assert rules.shows_seal(verdict, Paper.MATCH) and rules.shows_seal(verdict, Paper.UNCHECKED)
        assert rules.shows_seal(verdict, Paper.LEGACY)
        assert not rules.shows_seal(verdict, Paper.MISMATCH) and not rules.shows_seal(verdict, Paper.FORGED)
    assert not rules.shows_seal(Verdict.UNKNOWN, Paper.MATCH)


def test_a_scanned_token_against_the_record():
    record = rules.signed_fields(
        serial="S1",
        code="ABCD2345",
        holder_masked="张*国",
        id_masked="3311**********0012",
        community_code="331102001001",
        community_name="天宁社区",
        address="解放街 12 号",
        purpose="子女入学",
        resident_since=date(2015, 3, 1),
        valid_until=date(2027, 5, 30),
    ) | {"k": "kid"}
    assert rules.compare({**record, "v": 2}, record, "S1") == Paper.MATCH
    assert rules.compare(None, record, "S1") == Paper.FORGED
    assert rules.compare({**record, "v": 2}, record, "S2") == Paper.MISMATCH
    assert rules.compare({**record, "a": "别处", "v": 2}, record, "S1") == Paper.MISMATCH
    legacy = {f: record[f] for f in rules.LEGACY_FIELDS}
    assert rules.compare(legacy, record, "S1") == Paper.LEGACY
    assert rules.compare({**legacy, "n": "别的社区"}, record, "S1") == Paper.MISMATCH
