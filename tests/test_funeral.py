"""Funeral services: atomic capacity, fee waivers by rule, grave lookup, subsidies without
duplicates, the hearse position feed, cancellation rules."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from support import citizen_login, post_form, run, sql, staff_login

from server import clock
from server.accounts.idcard import check_char
from server.audit.service import Actor
from server.db import session_scope
from server.funeral import rules, service
from server.funeral.demo import DEMO_DEVICE_TOKEN
from server.funeral.models import Facility, Slot


def an_id(first17: str) -> str:
    return first17 + check_char(first17)


LOCAL = an_id("33110219400101001")  # a Lishui ID number, not in the register
OUTSIDE = an_id("11010119400101001")  # Beijing
RECIPIENT = an_id("33110219440105003")  # 赵德福, in an enrolled 特困 household (demo)


def test_quote_waives_basic_services_only_when_eligible():
    items = [rules.Item("火化", 500_00, True), rules.Item("鲜花", 800_00, False)]
    assert (
        rules.quote(items, True)["payable_cents"] == 800_00
        and rules.quote(items, True)["waived_cents"] == 500_00
    )
    assert rules.quote(items, False)["payable_cents"] == 1300_00
    assert (
        rules.waiver_eligible(True, False)
        and rules.waiver_eligible(False, True)
        and not rules.waiver_eligible(False, False)
    )


def test_cancellation_window_and_subsidy_checks():
    start = datetime(2026, 12, 1, 9)
    assert rules.may_cancel(start, start - timedelta(hours=25), 24) and not rules.may_cancel(
        start, start - timedelta(hours=23), 24
    )
    assert rules.subsidy_refusals(death_recorded=False, relationship="friend", paid_before=True) == [
        "subsidy.no_death_record", "subsidy.relationship", "subsidy.paid_before"]  # fmt: skip
    assert rules.subsidy_refusals(death_recorded=True, relationship="child", paid_before=False) == []


def book(client, facility_id, slots, deceased_id=LOCAL, name="王某"):
    return post_form(client, f"/funeral/{facility_id}/book", {"deceased_name": name, "deceased_id": deceased_id,
                                                              "pickup_address": "解放街 1 号", **slots}, follow_redirects=False)  # fmt: skip


def home_and_slot(demo, kind="cremation"):
    facility = sql(demo, "SELECT id FROM funeral_facilities WHERE kind = 'funeral_home'")[0][0]
    slot = sql(
        demo,
        # two days ahead at least, so the 24-hour cancellation window is open whatever the time of day
        "SELECT id FROM funeral_slots WHERE facility_id = :f AND kind = :k AND day >= :d ORDER BY day, label LIMIT 1",
        f=facility,
        k=kind,
        d=clock.today() + timedelta(days=2),
    )[0][0]
    return facility, slot


@pytest.mark.parametrize("deceased, waived", [(LOCAL, True), (RECIPIENT, True), (OUTSIDE, False)])
def test_fee_waiver_computed_from_the_records(client, demo, deceased, waived):
    facility, slot = home_and_slot(demo)
    citizen_login(client, demo, "13800000002")
    made = book(client, facility, {"slot_cremation": slot}, deceased)
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    waived_cents = sql(demo, "SELECT payable_cents FROM funeral_bookings")[0][0]
    assert (waived_cents == 0) is waived
    assert ("惠民殡葬免除" in page.text) is waived


def test_fifty_simultaneous_requests_for_the_last_slot_give_one_booking(demo):
    async def scenario():
        async with session_scope(demo.database_url) as session:
            facility = await session.scalar(select(Facility).where(Facility.kind == "funeral_home"))
            slot = await session.scalar(
                select(Slot).where(Slot.facility_id == facility.id, Slot.kind == "hall").limit(1)
            )
            slot_id, facility_id = slot.id, facility.id

        async def attempt(i):
            try:
                async with session_scope(demo.database_url) as session:
                    facility = await session.get(Facility, facility_id)
                    await service.book(session, Actor("citizen", "1"), demo.secret_key, 1, facility, deceased_name=f"逝者{i}",
                                       deceased_id=LOCAL, pickup_address=None, slot_ids=[slot_id], item_ids=[])  # fmt: skip
                return True
            except service.FuneralError as e:
                assert e.code == "funeral.full"
                return False

        return slot_id, await asyncio.gather(*(attempt(i) for i in range(50)))

    slot_id, outcomes = run(scenario())
    assert outcomes.count(True) == 1
    assert sql(demo, "SELECT taken, capacity FROM funeral_slots WHERE id = :s", s=slot_id)[0] == (1, 1)
    assert sql(demo, "SELECT count(*) FROM funeral_bookings")[0][0] == 1


def test_full_slot_is_refused_plainly_and_cancel_gives_it_back(client, demo):
    facility, slot = home_and_slot(demo, "hall")
    citizen_login(client, demo, "13800000002")
    first = book(client, facility, {"slot_hall": slot})
    second = book(client, facility, {"slot_hall": slot})
    assert second.status_code == 409 and "刚刚约满" in second.text
    reference = first.headers["location"].rsplit("/", 1)[1]
    post_form(client, f"/funeral/bookings/{reference}/cancel")
    assert sql(demo, "SELECT taken FROM funeral_slots WHERE id = :s", s=slot)[0][0] == 0
    assert book(client, facility, {"slot_hall": slot}).status_code == 303


def test_grave_lookup_by_name_and_year_with_the_section_drawn(client, demo):
    page = client.get("/funeral/graves", params={"name": "王德顺"})
    assert page.text.count("/funeral/graves/") == 2, "two people share the name"
    page = client.get("/funeral/graves", params={"name": "王德顺", "year": "2020"})
    links = [ln for ln in page.text.split('href="') if ln.startswith("/funeral/graves/")]
    assert len(links) == 1
    plot = client.get(links[0].split('"')[0])
    assert "<svg" in plot.text and 'data-marked="1"' in plot.text and "松园" in plot.text
    assert "身份证" not in plot.text


def test_subsidy_needs_a_death_record_and_is_paid_once(client, demo):
    citizen_login(client, demo, "13800000002")
    no_death = post_form(
        client,
        "/funeral/subsidies",
        {"kind": "eco", "deceased_name": "王某", "deceased_id": LOCAL, "relationship": "child"},
    )
    assert no_death.status_code == 422 and "死亡或火化记录" in no_death.text
    sql(demo, "UPDATE persons SET deceased_on = :d WHERE name = '赵德福'", d=datetime(2026, 11, 1).date())
    ok = post_form(client, "/funeral/subsidies", {"kind": "eco", "deceased_name": "赵德福", "deceased_id": RECIPIENT, "relationship": "child"},
                   follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    again = post_form(
        client,
        "/funeral/subsidies",
        {"kind": "sea", "deceased_name": "赵德福", "deceased_id": RECIPIENT, "relationship": "child"},
    )
    assert again.status_code == 409 and "不能重复申请" in again.text
    subsidy = sql(demo, "SELECT id FROM funeral_subsidies")[0][0]
    post_form(client, "/logout")
    staff_login(client, "district")
    assert (
        post_form(
            client, f"/office/funeral/subsidies/{subsidy}", {"action": "pay", "transfer_ref": "X"}
        ).status_code
        == 409
    )
    post_form(client, f"/office/funeral/subsidies/{subsidy}", {"action": "approve"})
    post_form(
        client, f"/office/funeral/subsidies/{subsidy}", {"action": "pay", "transfer_ref": "ZF2026112500001"}
    )
    assert sql(demo, "SELECT status, transfer_ref FROM funeral_subsidies")[0] == ("paid", "ZF2026112500001")


def test_hearse_positions_need_the_device_token_and_draw_the_route(client, demo):
    facility, slot = home_and_slot(demo, "pickup")
    citizen_login(client, demo, "13800000002")
    reference = book(client, facility, {"slot_pickup": slot}).headers["location"].rsplit("/", 1)[1]
    refused = client.post("/api/device/positions", json={"lat": 28.46, "lon": 119.91, "booking": reference},
                          headers={"authorization": "Bearer wrong"})  # fmt: skip
    assert refused.status_code == 401
    for i in range(3):
        r = client.post("/api/device/positions", json={"lat": 28.47 - i * 0.005, "lon": 119.90 + i * 0.004, "booking": reference},
                        headers={"authorization": f"Bearer {DEMO_DEVICE_TOKEN}"})  # fmt: skip
        assert r.status_code == 201
    bad = client.post(
        "/api/device/positions",
        json={"lat": "north"},
        headers={"authorization": f"Bearer {DEMO_DEVICE_TOKEN}"},
    )
    assert bad.status_code == 422
    page = client.get(f"/funeral/bookings/{reference}")
    assert 'data-pickup="on_the_way"' in page.text and 'data-points="3"' in page.text
    post_form(client, "/logout")
    staff_login(client, "funeral")
    booking_id = sql(demo, "SELECT id FROM funeral_bookings")[0][0]
    assert 'data-points="3"' in client.get(f"/office/funeral/bookings/{booking_id}").text


def test_operator_calendar_payment_and_plot_import(client, demo):
    facility, slot = home_and_slot(demo)
    citizen_login(client, demo, "13800000002")
    book(client, facility, {"slot_cremation": slot}, OUTSIDE, name="外地逝者")
    post_form(client, "/logout")
    staff_login(client, "funeral")
    day = sql(demo, "SELECT day FROM funeral_slots WHERE id = :s", s=slot)[0][0]
    calendar = client.get("/office/funeral", params={"start": str(day), "view": "day"})
    assert "外地逝者" in calendar.text
    booking_id, payable = sql(demo, "SELECT id, payable_cents FROM funeral_bookings")[0]
    assert post_form(client, f"/office/funeral/bookings/{booking_id}/pay", {"amount": "1"}).status_code == 422
    post_form(
        client,
        f"/office/funeral/bookings/{booking_id}/pay",
        {"amount": f"{payable / 100:.2f}", "completed": "on"},
    )
    assert sql(demo, "SELECT status, paid_cents FROM funeral_bookings")[0] == ("completed", payable)
    cemetery = sql(demo, "SELECT id FROM funeral_facilities WHERE kind = 'public_cemetery'")[0][0]
    csv_text = f"facility_id,section,row,number,deceased_name,death_year\n{cemetery},竹园,1,1,钱某,2025\n"
    refused = client.post("/office/funeral/plots", data={"_csrf_token": client.cookies.get("huimin_csrf")},
                          files={"file": ("plots.csv", io.BytesIO(csv_text.encode()), "text/csv")})  # fmt: skip
    assert refused.status_code == 422, "the operator of the funeral home cannot load the cemetery's register"


def test_reschedule_moves_the_booking_and_the_operator_keeps_the_fees(client, demo):
    facility, slot = home_and_slot(demo, "hall")
    later = sql(demo, "SELECT id FROM funeral_slots WHERE facility_id = :f AND kind = 'hall' AND id != :s ORDER BY day, label LIMIT 1",
                f=facility, s=slot)[0][0]  # fmt: skip
    citizen_login(client, demo, "13800000002")
    reference = book(client, facility, {"slot_hall": slot}).headers["location"].rsplit("/", 1)[1]
    assert f'value="{later}"' in client.get(f"/funeral/bookings/{reference}").text
    post_form(client, f"/funeral/bookings/{reference}/reschedule", {"old_slot": slot, "new_slot": later})
    assert sql(
        demo, "SELECT id, taken FROM funeral_slots WHERE id IN (:a, :b) ORDER BY id", a=slot, b=later
    ) == sorted([(slot, 0), (later, 1)])
    post_form(client, "/logout")
    staff_login(client, "funeral")
    item = sql(demo, "SELECT id FROM funeral_items WHERE name = '鲜花布置'")[0][0]
    assert post_form(client, f"/office/funeral/items/{item}", {"price": "abc"}).status_code == 422
    post_form(client, f"/office/funeral/items/{item}", {"price": "750"})
    assert sql(demo, "SELECT price_cents FROM funeral_items WHERE id = :i", i=item)[0][0] == 75000
    cemetery_item = sql(demo, "SELECT id FROM funeral_items WHERE name = '公益性墓位'")[0][0]
    assert post_form(client, f"/office/funeral/items/{cemetery_item}", {"price": "1"}).status_code == 404, (
        "not their facility"
    )
