"""Typed inputs of social assistance through the real HTTP path: amounts people type (full-width
digits, thousands separators) are read right, and hostile ones (inf, 1e400) are a plain form error,
never a server error; every form's struct carries every question its page asks."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from server.assistance import answers, calc
from server.assistance import forms as f
from tests.assistance.support import ANSWERS, answer, bind_applicant, start
from tests.support import citizen_login, csrf_token, post_form, sql, staff_login

MONEY_ERROR = "请填写正确的金额"


def saved(settings, reference: str, step: str) -> dict:
    raw = sql(settings, "SELECT answers FROM assistance_applications WHERE reference = :r", r=reference)[0][0]
    return (json.loads(raw) if isinstance(raw, str) else raw).get(step, {})


def an_application(client, demo) -> str:
    citizen_login(client, demo, "13600000002")
    bind_applicant(client, demo)
    return start(client)


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("inf", None), ("1e400", None), ("-inf", None), ("nan", None), ("１２", 1200), ("1,000.5", 100050)],
)
def test_an_amount_typed_into_the_income_and_deposit_fields(client, demo, typed, fen):
    reference = an_application(client, demo)
    income = answer(client, reference, "income", {**ANSWERS["income"], "wages": typed})
    assets = answer(client, reference, "assets", {**ANSWERS["assets"], "deposits": typed})
    if fen is None:
        for response in (income, assets):
            assert response.status_code == 422 and MONEY_ERROR in response.text
            assert 'aria-invalid="true"' in response.text and 'href="#f-' in response.text, "linked summary"
        assert saved(demo, reference, "income") == {} and saved(demo, reference, "assets") == {}
    else:
        assert income.status_code == 303 and assets.status_code == 303
        assert saved(demo, reference, "income")["wages"] == fen
        assert saved(demo, reference, "assets")["deposits"] == fen


def test_a_large_saved_amount_is_shown_again_as_typed_not_in_exponent_form(client, demo):
    reference = an_application(client, demo)
    assert (
        answer(client, reference, "assets", {**ANSWERS["assets"], "deposits": "1000000"}).status_code == 303
    )
    page = client.get(f"/apply/{reference}/assets")
    assert 'value="1000000"' in page.text and "e+" not in page.text
    again = answer(client, reference, "assets", {**ANSWERS["assets"], "deposits": "12.5"})
    assert again.status_code == 303 and 'value="12.50"' in client.get(f"/apply/{reference}/assets").text


def test_a_disability_grade_that_is_not_offered_is_a_form_error(client, demo):
    reference = an_application(client, demo)
    for grade in ("x", "5", "１"):
        bad = answer(client, reference, "health", {**ANSWERS["health"], "disability_grade": grade})
        assert bad.status_code == 422, grade


def test_hostile_amounts_in_the_office_forms_are_form_errors(client, demo):
    staff_login(client, "street")
    enrolment_id = sql(
        demo, "SELECT id FROM enrolments WHERE region_code LIKE '331102001%' ORDER BY id LIMIT 1"
    )
    for typed in ("inf", "1e400"):
        changed = post_form(
            client,
            f"/office/assistance/households/{enrolment_id[0][0]}/change",
            {"income": typed, "reason": "收入变化"},
        )
        assert changed.status_code == 422 and MONEY_ERROR in changed.text
    post_form(client, "/office/logout")
    staff_login(client, "city")
    for typed in ("inf", "1e400", "NaN"):
        refused = post_form(
            client,
            "/office/assistance/policies",
            {"effective_from": "2026-12-01", "standard": typed, "asset_limit": "10000", "tekun_pct": "130"},
        )
        assert refused.status_code == 422, typed


def test_every_question_on_a_page_is_a_field_of_its_form():
    asked = {fl.name for step in answers.STEPS for fl in step.fields}
    assert asked <= f.ANSWER_FIELDS
    assert set(calc.INCOME_KINDS) <= f.ANSWER_FIELDS
    for struct, questions in (
        (f.PolicyForm, f.POLICY_FIELDS),
        (f.ActForm, (*f.VISIT_FIELDS, f.OBJECTION_FIELD, f.OPINION_FIELD)),
        (f.ChangeForm, f.CHANGE_FIELDS),
        (f.StatusForm, f.STATUS_FIELDS),
        (f.RollForm, f.ROLL_FIELDS),
    ):
        assert {q.name for q in questions} <= {fl.name for fl in fields(struct)}, struct
    assert {fl.name for fl in fields(f.PolicyForm)} >= {f"extra_{g}" for g in calc.GROUPS}


def test_a_photo_sent_as_a_plain_field_is_a_bad_request_not_a_server_error(client, demo):
    reference = an_application(client, demo)
    body = b'--b\r\nContent-Disposition: form-data; name="photo"\r\n\r\n\x89PNG\r\n\x1a\n\r\n--b--\r\n'
    sent = client.post(
        f"/apply/{reference}/upload",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=b", "x-csrftoken": csrf_token(client)},
    )
    assert sent.status_code == 400
