"""Discovery through the web: the report form's errors are named and linked, hostile values give
plain form errors, and a report moves only by its table (a closed report cannot be flagged spam)."""

from __future__ import annotations

from server.discovery.demo import outline_of
from tests.support import post_form, sql, staff_login

TIANNING = outline_of("331102001001")[0]


def report(client, **fields):
    data = {
        "situation": "elderly_alone",
        "name": "王大爷",
        "age": "80",
        "lat": str(TIANNING[0]),
        "lon": str(TIANNING[1]),
        **fields,
    }
    return post_form(client, "/report", data, follow_redirects=False)


def test_the_form_names_each_error_keeps_the_answers_and_refuses_hostile_values(client, demo):
    page = client.get("/report")
    assert 'id="f-situation"' in page.text and 'id="f-place"' in page.text and "data-downscale" in page.text
    bad_age = report(client, age="1e400", name="李奶奶")
    assert bad_age.status_code == 422 and 'href="#f-age"' in bad_age.text and "李奶奶" in bad_age.text
    for hostile in ("inf", "nan", "1e400"):
        nowhere = report(client, lat=hostile, lon=hostile, place="")
        assert nowhere.status_code == 422 and 'href="#f-place"' in nowhere.text
    bad_phone = report(client, phone="12000000000")
    assert bad_phone.status_code == 422 and 'href="#f-phone"' in bad_phone.text
    assert report(client, situation="bogus").status_code == 422
    assert report(client, phone="138 0000 0001").status_code == 303, "a phone number as people type it"
    assert sql(demo, "SELECT reporter_phone FROM discovery_reports")[0][0] == "13800000001"


def test_a_closed_report_stays_closed(client, demo):
    client.get("/report")
    report(client)
    report_id = sql(demo, "SELECT id FROM discovery_reports")[0][0]
    staff_login(client, "community")
    visit = {"findings": "家人已接回", "decision": "no_help"}
    assert post_form(client, f"/office/discovery/{report_id}/visit", visit).status_code == 200
    assert sql(demo, "SELECT status FROM discovery_reports")[0][0] == "closed"
    assert post_form(client, f"/office/discovery/{report_id}/spam", {"reason": "改主意"}).status_code == 409
    assert post_form(client, f"/office/discovery/{report_id}/visit", visit).status_code == 409
    worker = sql(demo, "SELECT id FROM staff WHERE username = 'community'")[0][0]
    assert (
        post_form(client, f"/office/discovery/{report_id}/assign", {"assignee_id": worker}).status_code == 409
    )
    assert sql(demo, "SELECT status FROM discovery_reports")[0][0] == "closed"
