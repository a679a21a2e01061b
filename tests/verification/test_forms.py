"""The verification center's forms as a user meets them: a refused upload or decision names the
question at fault in an error summary linked to it and keeps what was typed; the department API
checks the key before the body and refuses a body of the wrong shape plainly."""

from __future__ import annotations

from server.verification.service import create_api_client
from tests.support import in_db, post_form, sql
from tests.verification.support import write_csv
from tests.verification.test_pages import signed_in, upload
from tests.verification.test_rules import NUM, register


def test_a_refused_upload_names_its_question_and_keeps_the_choices(demo, client):
    signed_in(client, demo)
    no_source = upload(client, "", b"x", mode="replace")
    assert no_source.status_code == 422
    assert 'href="#f-source"' in no_source.text and "请选择数据源" in no_source.text
    assert '<option value="replace" selected>' in no_source.text, "the mode chosen is kept"
    wrong_type = upload(client, "deaths", b"x", filename="photo.png")
    assert wrong_type.status_code == 422 and 'href="#f-file"' in wrong_type.text
    assert '<option value="deaths" selected>' in wrong_type.text
    assert 'id="filter-source"' in wrong_type.text, "the list's filter keeps its own id"


def test_a_refused_decision_on_a_warning_keeps_what_was_typed(demo, client, tmp_path):
    register(demo)
    signed_in(client, demo)
    rows = [{"id_number": NUM["a"], "name": "赵大山", "death_date": "2026-10-01"}]
    upload(client, "deaths", write_csv(tmp_path / "d.csv", "deaths", rows).read_bytes())
    wid = sql(demo, "SELECT id FROM verification_warnings WHERE rule = 'deceased'")[0][0]
    refused = post_form(
        client,
        f"/office/verification/warnings/{wid}",
        {"decision": "dismiss", "action": "none", "reason": "   "},
    )
    assert refused.status_code == 422 and 'href="#f-reason"' in refused.text
    assert 'value="dismiss" checked' in refused.text
    unknown = post_form(
        client,
        f"/office/verification/warnings/{wid}",
        {"decision": "confirm", "action": "explode", "reason": "查实"},
    )
    assert unknown.status_code == 422 and 'href="#f-action"' in unknown.text and "查实" in unknown.text
    assert sql(demo, "SELECT status FROM verification_warnings WHERE id = :i", i=wid) == [("open",)]


def test_the_push_api_checks_the_key_before_the_body(demo, client):
    key = in_db(demo, lambda s: create_api_client(s, "市公安局人口系统", ["deaths"], "331100"))
    url = "/api/verification/deaths"
    for body in ({"rows": "x"}, [1, 2], {"mode": "append"}):
        assert client.post(url, json=body, headers={"authorization": "Bearer nope"}).status_code == 401
        assert client.post(url, json=body).status_code == 401
        refused = client.post(url, json=body, headers={"authorization": f"Bearer {key}"})
        assert refused.status_code == 400 and refused.json()["error"], body
    empty = client.post(url, json={"rows": []}, headers={"authorization": f"Bearer {key}"})
    assert (empty.status_code, empty.json()["error"]) == (400, "verification.api_body")
    odd_mode = client.post(
        url,
        json={"rows": [{"id_number": "123", "name": "错号"}, 7], "mode": ["replace"]},
        headers={"authorization": f"Bearer {key}"},
    )
    assert odd_mode.status_code == 201 and odd_mode.json()["rejected"] == 2
    last = "SELECT mode, channel FROM verification_imports WHERE source = 'deaths' ORDER BY id DESC LIMIT 1"
    assert sql(demo, last) == [("append", "api")], "an unknown mode means the source's default"
