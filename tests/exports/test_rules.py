"""The export workflow as plain rules: the state table, a second person, the download limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.errors import DomainError, Kind
from server.exports import rules
from server.exports.rules import Action, Status, Who

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_state_machine_as_a_table():
    table = {(s.value, a.value): (to.value, who.value) for (s, a), (to, who) in rules.TRANSITIONS.items()}
    assert table == {
        ("requested", "approve"): ("approved", "approver"),
        ("requested", "reject"): ("rejected", "approver"),
        ("requested", "cancel"): ("cancelled", "requester"),
        ("requested", "expire"): ("expired", "system"),
        ("approved", "download"): ("used", "requester"),
        ("approved", "expire"): ("expired", "system"),
    }
    for status in (Status.REJECTED, Status.CANCELLED, Status.USED, Status.EXPIRED):
        for action in Action:
            with pytest.raises(DomainError) as refused:
                rules.transition(status, action, Who.REQUESTER)
            assert refused.value.kind == Kind.CONFLICT


def test_the_requester_never_approves_and_a_refusal_says_why():
    with pytest.raises(DomainError) as own:
        rules.decide("requested", True, "", "7", "7")
    assert own.value.code == "export.self" and own.value.kind == Kind.FORBIDDEN
    with pytest.raises(DomainError) as silent:
        rules.decide("requested", False, "  ", "8", "7")
    assert silent.value.code == "export.opinion"
    assert rules.decide("requested", True, "", "8", "7") == Status.APPROVED
    assert rules.decide("requested", False, "没有必要导出全区名册", "8", "7") == Status.REJECTED
    with pytest.raises(DomainError):
        rules.decide("approved", True, "", "8", "7")  # decided once


def test_a_request_names_a_known_kind_and_format_a_reason_and_the_kinds_own_permission():
    assert rules.check_request("payment_roll", "xlsx", "报送银行", "district_approver")
    for kind, fmt, reason, role, code in [
        ("payment_roll", "pdf", "报送银行", "district_approver", "export.kind"),
        ("everything", "csv", "报送银行", "district_approver", "export.kind"),
        ("payment_roll", "csv", " ", "district_approver", "export.reason"),
        ("payment_roll", "csv", "长" * 501, "district_approver", "export.reason"),
        ("payment_roll", "csv", "报送银行", "community_worker", "error.forbidden"),
        ("case_documents", "zip", "移交法院", "city_supervisor", "error.forbidden"),
    ]:
        with pytest.raises(DomainError) as refused:
            rules.check_request(kind, fmt, reason, role)
        assert refused.value.code == code, (kind, fmt, role)


def test_only_the_requester_downloads_an_approved_export_in_time_and_as_often_as_allowed():
    until = rules.expires_at(NOW, 24)
    rules.may_download("approved", "7", "7", NOW + timedelta(hours=23), until)
    for status, actor, when, code in [
        ("approved", "8", NOW, "export.not_yours"),
        ("approved", "7", NOW + timedelta(hours=24), "export.expired"),
        ("requested", "7", NOW, "export.state"),
        ("rejected", "7", NOW, "export.state"),
        ("used", "7", NOW, "export.state"),
    ]:
        with pytest.raises(DomainError) as refused:
            rules.may_download(status, "7", actor, when, until)
        assert refused.value.code == code
    assert [rules.after_download(n, 3) for n in (1, 2, 3)] == ["approved", "approved", "used"]
