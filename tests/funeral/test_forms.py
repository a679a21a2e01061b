"""Funeral forms as a person meets them: the grave look-up with or without a year, a refused booking
or subsidy shown again with an error summary and what was typed, hostile amounts and the device
feed answered plainly, and a complaint answered once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server import clock
from server.people.idcard import check_char
from tests.support import citizen_login, post_form, sql, staff_login

LOCAL = "33110219400101001" + check_char("33110219400101001")


def test_grave_search_with_the_year_left_blank_finds_every_namesake(client, demo):
    """The form sends ``year=`` when the optional year is left blank: that was a 400."""
    page = client.get("/funeral/graves", params={"name": "王德顺", "year": ""})
    assert page.status_code == 200, page.text
    assert page.text.count('href="/funeral/graves/') == 2, "two people share the name"
    assert 'id="f-name"' in page.text and 'id="f-year"' in page.text


def test_grave_search_with_a_year_that_is_not_one_says_so_by_the_field(client, demo):
    page = client.get("/funeral/graves", params={"name": "王德顺", "year": "去年"})
    assert page.status_code == 200
    assert 'href="#f-year"' in page.text and 'id="f-year-err"' in page.text
    assert 'value="去年"' in page.text, "what was typed stays"
    assert 'href="/funeral/graves/' not in page.text


def _home_and_hall(demo) -> tuple[int, int]:
    facility = sql(demo, "SELECT id FROM funeral_facilities WHERE kind = 'funeral_home'")[0][0]
    slot = sql(
        demo,
        "SELECT id FROM funeral_slots WHERE facility_id = :f AND kind = 'hall' AND day >= :d"
        " ORDER BY day LIMIT 1",
        f=facility,
        d=clock.today() + timedelta(days=2),
    )[0][0]
    return facility, slot


def test_a_booking_refused_for_what_was_typed_is_shown_again_with_an_error_summary(client, demo):
    facility, slot = _home_and_hall(demo)
    citizen_login(client, demo, "13800000002")
    refused = post_form(
        client,
        f"/funeral/{facility}/book",
        {
            "deceased_name": "周老先生",
            "deceased_id": "123",
            "pickup_address": "解放街 1 号",
            "slot_hall": slot,
        },
    )
    assert refused.status_code == 422
    assert "data-error-summary" in refused.text and 'href="#f-deceased_id"' in refused.text
    assert 'value="周老先生"' in refused.text and f'value="{slot}" selected' in refused.text.replace("\n", "")
    assert 'value="123"' not in refused.text, "the ID number is not echoed"
    assert sql(demo, "SELECT count(*) FROM funeral_bookings")[0][0] == 0
    assert sql(demo, "SELECT taken FROM funeral_slots WHERE id = :s", s=slot)[0][0] == 0
    no_slot = post_form(
        client, f"/funeral/{facility}/book", {"deceased_name": "周老先生", "deceased_id": LOCAL}
    )
    assert no_slot.status_code == 422 and "请至少选择一个服务时段" in no_slot.text


def test_a_subsidy_refused_is_shown_again_with_the_reason(client, demo):
    citizen_login(client, demo, "13800000002")
    refused = post_form(
        client,
        "/funeral/subsidies",
        {"kind": "eco", "deceased_name": "王某", "deceased_id": LOCAL, "relationship": "friend"},
    )
    assert refused.status_code == 422 and "data-error-summary" in refused.text
    assert "死亡或火化记录" in refused.text and 'value="王某"' in refused.text
    unknown = post_form(
        client,
        "/funeral/subsidies",
        {"kind": "moon", "deceased_name": "王某", "deceased_id": LOCAL, "relationship": "child"},
    )
    assert unknown.status_code == 422 and 'href="#f-kind"' in unknown.text


@pytest.mark.parametrize("amount", ["inf", "1e400", "nan", "12.345"])
def test_hostile_amounts_at_the_counter_are_plain_errors(client, demo, amount):
    facility, slot = _home_and_hall(demo)
    citizen_login(client, demo, "13800000002")
    outside = "11010119400101001" + check_char("11010119400101001")
    post_form(
        client,
        f"/funeral/{facility}/book",
        {"deceased_name": "外地", "deceased_id": outside, "slot_hall": slot},
    )
    post_form(client, "/logout")
    staff_login(client, "funeral")
    booking = sql(demo, "SELECT id FROM funeral_bookings")[0][0]
    item = sql(demo, "SELECT id FROM funeral_items WHERE name = '鲜花布置'")[0][0]
    assert post_form(client, f"/office/funeral/bookings/{booking}/pay", {"amount": amount}).status_code == 422
    assert post_form(client, f"/office/funeral/items/{item}", {"price": amount}).status_code == 422
    added = post_form(
        client, "/office/funeral/items", {"facility_id": facility, "name": "挽联", "price": amount}
    )
    assert added.status_code == 422
    assert sql(demo, "SELECT paid_cents FROM funeral_bookings")[0][0] == 0


def test_a_completed_booking_is_rated_and_its_complaint_answered_once(client, demo):
    facility, slot = _home_and_hall(demo)
    citizen_login(client, demo, "13800000002")
    outside = "11010119400101001" + check_char("11010119400101001")
    made = post_form(
        client,
        f"/funeral/{facility}/book",
        {"deceased_name": "外地", "deceased_id": outside, "slot_hall": slot},
        follow_redirects=False,
    )
    page = made.headers["location"]
    assert post_form(client, page + "/rate", {"rating": "4"}).status_code == 409, "not done yet"
    booking, payable = sql(demo, "SELECT id, payable_cents FROM funeral_bookings")[0]
    sql(demo, "UPDATE funeral_bookings SET status = 'completed', paid_cents = :p", p=payable)
    assert 'id="f-rating"' in client.get(page).text
    assert post_form(client, page + "/rate", {"rating": "9"}).status_code == 422
    rated = post_form(
        client,
        page + "/rate",
        {"rating": "4", "comment": "好", "complaint": "等候太久"},
        follow_redirects=False,
    )
    assert rated.status_code == 303
    post_form(client, "/logout")
    staff_login(client, "funeral")
    paid = post_form(client, f"/office/funeral/bookings/{booking}/pay", {"amount": "0"})
    assert paid.status_code == 409, "a completed booking takes no further payment"
    complaint = sql(demo, "SELECT id FROM funeral_complaints")[0][0]
    assert 'id="f-name"' in client.get("/office/funeral").text, "the new item form"
    assert post_form(client, f"/office/funeral/complaints/{complaint}", {"response": " "}).status_code == 422
    answered = post_form(
        client, f"/office/funeral/complaints/{complaint}", {"response": "已致歉"}, follow_redirects=False
    )
    assert answered.status_code == 303
    again = post_form(client, f"/office/funeral/complaints/{complaint}", {"response": "再次"})
    assert again.status_code == 409
    assert sql(demo, "SELECT response FROM funeral_complaints")[0][0] == "已致歉"


def test_a_plots_file_that_is_not_text_is_refused_plainly(client, demo):
    staff_login(client, "funeral")
    refused = client.post(
        "/office/funeral/plots",
        data={"_csrf_token": client.cookies.get("huimin_csrf")},
        files={"file": ("plots.csv", b"\xff\xfe\x00bad", "text/csv")},
    )
    assert refused.status_code == 422


def test_device_feed_answers_plainly_to_what_is_not_a_position(client, demo):
    from server.funeral.demo import DEMO_DEVICE_TOKEN

    auth = {"authorization": f"Bearer {DEMO_DEVICE_TOKEN}"}
    for body in ({"lat": "inf", "lon": 1}, {"lat": "nan", "lon": 1}, {}, {"lat": 1e308, "lon": 1}):
        assert client.post("/api/device/positions", json=body, headers=auth).status_code == 422, body
    assert client.post("/api/device/positions", json={"lat": 1, "lon": 1}).status_code == 401
    assert (
        client.post("/api/device/positions", json={"lat": 28.4, "lon": 119.9}, headers=auth).status_code
        == 201
    )


def test_a_multipart_text_part_that_is_not_utf8_is_a_bad_request(client, demo):
    """What the fuzzer found once the plots upload named its file in the OpenAPI document."""
    anonymous = client.post("/office/funeral/plots", files={"file": (None, b"\x89PNG\r\n")})
    assert anonymous.status_code == 403, "no CSRF token could be read from the body: refused, not a 500"
    staff_login(client, "funeral")
    token = {"x-csrftoken": client.cookies.get("huimin_csrf")}
    signed_in = client.post("/office/funeral/plots", files={"file": (None, b"\x89PNG\r\n")}, headers=token)
    assert signed_in.status_code == 400
