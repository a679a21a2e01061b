"""The audit trail keeps field names and keyed hashes of sensitive values, never the values: an
application (ID number, phone, bank account, address, income, health), a household change (income)
and a residence certificate (address) leave no raw value in any row, the chain still verifies, and
an auditor holding the key can match a value they already know."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from server.audit import rules
from server.audit.service import value_hash
from server.cli import main
from tests.assistance.support import ANSWERS, MEMBER, apply_fully, id_of
from tests.certificates.test_flow import request_one
from tests.support import post_form, sql, staff_login


def _json(text: str | None) -> str:
    """A JSON column as text with its Chinese readable (SQLite stores it \\u-escaped)."""
    return json.dumps(json.loads(text), ensure_ascii=False) if text else ""


def _trail(demo) -> str:
    rows = sql(
        demo,
        'SELECT action, CAST("before" AS TEXT), CAST("after" AS TEXT), opinion '
        "FROM audit_records ORDER BY seq",
    )
    return "\n".join(
        f"{action} {_json(before)} {_json(after)} {opinion}" for action, before, after, opinion in rows
    )


def test_no_raw_id_number_phone_or_bank_account_in_any_audit_row(client, demo):
    reference = apply_fully(client, demo)
    staff_login(client, "street")
    enrolment_id = sql(
        demo, "SELECT id FROM enrolments WHERE region_code = '331102001001' AND benefit = 'dibao' LIMIT 1"
    )[0][0]
    changed = post_form(
        client,
        f"/office/assistance/households/{enrolment_id}/change",
        {"income": "1234.56", "reason": "妻子退休金到账"},
    )
    assert changed.status_code == 200
    post_form(client, "/office/logout")
    request_one(client, demo)

    trail = _trail(demo)
    applicant = ANSWERS["applicant"]
    raw = [
        applicant["id_number"],
        id_of(MEMBER[1]),
        applicant["phone"],
        re.sub(r"\s", "", applicant["bank_account"]),
        ANSWERS["address"]["address"],
        "天宁社区 解放街 12 号",  # the certificate's address
        "123456",  # the new income, in fen
    ]
    leaked = [value for value in raw if value in trail]
    assert leaked == [], f"raw sensitive values in the audit trail: {leaked}"
    # the field names are still there, with a keyed hash in place of the value
    step = sql(
        demo,
        "SELECT CAST(\"after\" AS TEXT) FROM audit_records WHERE action = 'assistance.answer.applicant' "
        "AND object_id = :r",
        r=reference,
    )[0][0]
    step = _json(step)
    assert '"phone"' in step and rules.HASH_PREFIX in step and applicant["name"] in step
    change = sql(
        demo,
        "SELECT CAST(\"before\" AS TEXT) FROM audit_records WHERE action = 'enrolment.change' "
        "ORDER BY seq DESC",
    )[0][0]
    assert '"income_cents": "hmac:' in _json(change)
    # an auditor with the key matches a phone they already know (huimin audit hash-value)
    assert value_hash(demo.secret_key, applicant["phone"]) in step
    env = {"HUIMIN_SECRET_KEY": demo.secret_key, "HUIMIN_VAR_DIR": str(demo.var_dir)}
    hashed = CliRunner().invoke(main, ["audit", "hash-value", applicant["phone"]], env=env)
    assert hashed.exit_code == 0 and f'"phone": "{hashed.output.strip()}"' in step
    # and the chain, computed over what is stored, still verifies
    staff_login(client, "auditor")  # the audit administrator, the only one who verifies
    assert "审计链完整" in client.get("/office/audit/verify").text


def test_redact_keeps_names_and_hashes_nested_values_by_name_and_by_action():
    def h(text: str) -> str:
        return f"<{text}>"

    out = rules.redact(
        "enrolment.change",
        {"amount_cents": 10, "income_cents": 500, "details": {"phone": "13800000001", "ok": 1}, "x": None},
        h,
    )
    assert out == {
        "amount_cents": 10,
        "income_cents": "hmac:<500>",
        "details": {"phone": "hmac:<13800000001>", "ok": 1},
        "x": None,
    }
    income = rules.redact("assistance.answer.income", {"wages": 50000, "name": "孙丽华"}, h)
    assert income == {"wages": "hmac:<50000>", "name": "孙丽华"}
    assert rules.redact("x", None, h) is None
    # a value already hashed is not hashed again
    assert rules.redact("x", {"phone": "hmac:abc"}, h) == {"phone": "hmac:abc"}
