"""Funeral services: atomic capacity, fee waivers by rule, grave lookup, subsidies without
duplicates, the hearse position feed, cancellation rules."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from server import clock
from server.audit.service import Actor
from server.db import session_scope
from server.funeral import rules, service
from server.funeral.demo import DEMO_DEVICE_TOKEN
from server.funeral.models import Facility, Slot
from server.people.idcard import check_char
from tests.support import citizen_login, post_form, run, sql, staff_login


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


def test_waiver_rules_need_the_death_on_record_or_a_counter_check():
    decide = rules.waiver_decision
    assert (
        decide(local_on_register=True, receiving_assistance=False, local_id_region=False, death_recorded=True)
        == "granted"
    )
    assert (
        decide(local_on_register=False, receiving_assistance=True, local_id_region=False, death_recorded=True)
        == "granted"
    )
    assert (
        decide(local_on_register=True, receiving_assistance=True, local_id_region=False, death_recorded=False)
        == "pending"
    )
    assert (
        decide(local_on_register=False, receiving_assistance=False, local_id_region=True, death_recorded=True)
        == "pending"
    )
    assert (
        decide(
            local_on_register=False, receiving_assistance=False, local_id_region=False, death_recorded=True
        )
        is None
    )
    assert rules.waiver_step("pending", "booked", "confirm") == "confirmed"
    assert rules.waiver_step("pending", "booked", "refuse") == "refused"
    assert rules.waiver_step("pending", "cancelled", "confirm") is None
    assert (
        rules.waiver_step("granted", "booked", "refuse") is None
        and rules.waiver_step("pending", "booked", "x") is None
    )
    charged = rules.quote([rules.Item("火化", 500_00, True), rules.Item("鲜花", 800_00, False, 2)], False)
    assert (
        rules.requote(charged, True)["payable_cents"] == 1600_00
        and rules.requote(charged, True)["waived_cents"] == 500_00
    )
    assert rules.requote(rules.requote(charged, True), False)["payable_cents"] == 2100_00


def test_cancellation_window_and_subsidy_checks():
    start = datetime(2026, 12, 1, 9)
    assert rules.may_cancel(start, start - timedelta(hours=25), 24) and not rules.may_cancel(
        start, start - timedelta(hours=23), 24
    )
    assert rules.subsidy_refusals(death_recorded=False, relationship="friend", paid_before=True) == [
        "subsidy.no_death_record",
        "subsidy.relationship",
        "subsidy.paid_before",
    ]
    assert rules.subsidy_refusals(death_recorded=True, relationship="child", paid_before=False) == []


def book(client, facility_id, slots, deceased_id=LOCAL, name="王某"):
    return post_form(
        client,
        f"/funeral/{facility_id}/book",
        {"deceased_name": name, "deceased_id": deceased_id, "pickup_address": "解放街 1 号", **slots},
        follow_redirects=False,
    )


def home_and_slot(demo, kind="cremation"):
    facility = sql(demo, "SELECT id FROM funeral_facilities WHERE kind = 'funeral_home'")[0][0]
    slot = sql(
        demo,
        # two days ahead at least, so the 24-hour cancellation window is open whatever the time of day
        "SELECT id FROM funeral_slots WHERE facility_id = :f AND kind = :k AND day >= :d "
        "ORDER BY day, label LIMIT 1",
        f=facility,
        k=kind,
        d=clock.today() + timedelta(days=2),
    )[0][0]
    return facility, slot


@pytest.mark.parametrize("deceased, waiver", [(LOCAL, "pending"), (RECIPIENT, "granted"), (OUTSIDE, None)])
def test_fee_waiver_computed_from_the_records(client, demo, deceased, waiver):
    """An ID number of the city alone no longer waives the fees (anyone can invent one with a right
    check digit): the waiver waits for the counter. 赵德福's death is in the deaths source and his
    household receives assistance: waived at once."""
    facility, slot = home_and_slot(demo)
    citizen_login(client, demo, "13800000002")
    made = book(client, facility, {"slot_cremation": slot}, deceased)
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    payable, stored = sql(demo, "SELECT payable_cents, waiver FROM funeral_bookings")[0]
    waived = waiver == "granted"
    assert stored == waiver
    assert (payable == 0) is waived
    assert ("惠民殡葬免除" in page.text) is waived
    assert ("待窗口核实" in page.text) is (waiver == "pending")


def test_the_register_recording_the_death_grants_the_waiver_too(client, demo):
    facility, slot = home_and_slot(demo)
    sql(demo, "DELETE FROM verification_records WHERE source = 'deaths'")
    citizen_login(client, demo, "13800000002")
    book(client, facility, {"slot_cremation": slot}, RECIPIENT, name="赵德福")
    assert sql(demo, "SELECT waiver, payable_cents FROM funeral_bookings")[0] == (
        "pending",
        sql(
            demo,
            "SELECT price_cents FROM funeral_items WHERE facility_id = :f AND slot_kind = 'cremation'",
            f=facility,
        )[0][0],
    )
    sql(demo, "UPDATE persons SET deceased_on = :d WHERE name = '赵德福'", d=datetime(2026, 11, 1).date())
    post_form(client, f"/funeral/bookings/{sql(demo, 'SELECT reference FROM funeral_bookings')[0][0]}/cancel")
    book(client, facility, {"slot_cremation": slot}, RECIPIENT, name="赵德福")
    assert sql(demo, "SELECT waiver, payable_cents FROM funeral_bookings WHERE status = 'booked'")[0] == (
        "granted",
        0,
    )


def test_a_pending_waiver_is_confirmed_or_refused_at_the_counter_and_audited(client, demo):
    facility, slot = home_and_slot(demo)
    other = an_id("33110219400101002")
    citizen_login(client, demo, "13800000002")
    book(client, facility, {"slot_cremation": slot}, LOCAL)
    book(client, facility, {"slot_hall": home_and_slot(demo, "hall")[1]}, other, name="李某")
    (first, full), (second, _) = sql(demo, "SELECT id, payable_cents FROM funeral_bookings ORDER BY id")
    assert full > 0
    post_form(client, "/logout")
    staff_login(client, "community")
    assert (
        post_form(client, f"/office/funeral/bookings/{first}/waiver", {"action": "confirm"}).status_code
        == 403
    )
    post_form(client, "/logout")
    staff_login(client, "funeral")
    page = client.get(f"/office/funeral/bookings/{first}")
    assert "待窗口核实" in page.text and f"/office/funeral/bookings/{first}/waiver" in page.text
    paid = post_form(client, f"/office/funeral/bookings/{first}/pay", {"amount": f"{full / 100:.2f}"})
    assert paid.status_code == 409 and "请先核实" in paid.text, "no payment before the waiver is decided"
    assert (
        post_form(
            client, f"/office/funeral/bookings/{first}/waiver", {"action": "confirm"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        post_form(
            client, f"/office/funeral/bookings/{second}/waiver", {"action": "refuse"}, follow_redirects=False
        ).status_code
        == 303
    )
    rows = sql(
        demo, "SELECT waiver, payable_cents, waiver_checked_by IS NOT NULL FROM funeral_bookings ORDER BY id"
    )
    assert rows[0][0] == "confirmed" and rows[0][1] < full and rows[0][2]
    assert rows[1][0] == "refused" and rows[1][1] > 0
    again = post_form(client, f"/office/funeral/bookings/{first}/waiver", {"action": "refuse"})
    assert again.status_code == 409, "decided once"
    assert (
        sql(
            demo,
            "SELECT count(*) FROM audit_records "
            "WHERE action IN ('funeral.waiver_confirm', 'funeral.waiver_refuse')",
        )[0][0]
        == 2
    )


def test_one_account_cannot_fill_a_slot_with_invented_id_numbers(demo):
    """Ten parallel bookings of one account, each with another invented local ID number: three
    are taken (the account's limit), none with the fees waived."""
    facility, slot = home_and_slot(demo, "hall")
    sql(demo, "UPDATE funeral_slots SET capacity = 10 WHERE id = :s", s=slot)
    invented = [an_id(f"331102194001010{i:02d}") for i in range(10)]

    async def attempt(i):
        try:
            async with session_scope(demo.database_url) as session:
                await service.book(
                    session,
                    Actor("citizen", "1"),
                    demo.secret_key,
                    1,
                    await session.get(Facility, facility),
                    deceased_name=f"逝者{i}",
                    deceased_id=invented[i],
                    pickup_address=None,
                    slot_ids=[slot],
                    item_ids=[],
                )
            return "booked"
        except service.FuneralError as e:
            return e.code

    async def scenario():
        return await asyncio.gather(*(attempt(i) for i in range(10)))

    outcomes = run(scenario())
    assert outcomes.count("booked") == 3, outcomes
    assert set(outcomes) == {"booked", "funeral.account_limit"}
    assert sql(demo, "SELECT taken FROM funeral_slots WHERE id = :s", s=slot)[0][0] == 3
    assert (
        sql(demo, "SELECT count(*) FROM funeral_bookings WHERE waiver = 'pending' AND payable_cents > 0")[0][
            0
        ]
        == 3
    )
    assert sql(demo, "SELECT open_bookings FROM funeral_account_bookings WHERE citizen_id = 1")[0][0] == 3


def test_the_fourth_open_booking_is_refused_plainly_and_a_cancelled_one_frees_a_place(client, demo):
    facility, slot = home_and_slot(demo, "hall")
    sql(demo, "UPDATE funeral_slots SET capacity = 10 WHERE id = :s", s=slot)
    citizen_login(client, demo, "13800000002")
    made = [book(client, facility, {"slot_hall": slot}, an_id(f"331102194001010{i:02d}")) for i in range(3)]
    assert all(m.status_code == 303 for m in made)
    fourth = book(client, facility, {"slot_hall": slot}, an_id("33110219400101099"))
    assert fourth.status_code == 409 and "3个未完成的预约" in fourth.text
    assert sql(demo, "SELECT count(*) FROM funeral_bookings")[0][0] == 3
    assert sql(demo, "SELECT taken FROM funeral_slots WHERE id = :s", s=slot)[0][0] == 3, "nothing half-taken"
    post_form(client, made[0].headers["location"] + "/cancel")
    post_form(client, made[0].headers["location"] + "/cancel")  # twice: given back once
    assert sql(demo, "SELECT open_bookings FROM funeral_account_bookings")[0][0] == 2
    assert book(client, facility, {"slot_hall": slot}, an_id("33110219400101099")).status_code == 303


def test_the_operator_closes_a_booking_the_family_can_no_longer_cancel_and_it_frees_its_places(client, demo):
    """Past its time a booking cannot be cancelled by the family: the operator closes it with a
    reason (audited), which gives back the account's place, the person's service and the slot."""
    facility, slot = home_and_slot(demo, "cremation")
    citizen_login(client, demo, "13800000002")
    made = book(client, facility, {"slot_cremation": slot}, LOCAL)
    sql(demo, "UPDATE funeral_slots SET day = :d WHERE id = :s", d=clock.today() - timedelta(days=1), s=slot)
    assert post_form(client, made.headers["location"] + "/cancel").status_code == 409, (
        "too late for the family"
    )
    assert (
        book(client, facility, {"slot_cremation": home_and_slot(demo, "cremation")[1]}, LOCAL).status_code
        == 409
    )
    post_form(client, "/logout")
    booking = sql(demo, "SELECT id FROM funeral_bookings")[0][0]
    staff_login(client, "community")
    refused = post_form(client, f"/office/funeral/bookings/{booking}/cancel", {"reason": "家属未到场"})
    assert refused.status_code in (403, 404)
    post_form(client, "/logout")
    staff_login(client, "funeral")
    assert post_form(client, f"/office/funeral/bookings/{booking}/cancel", {"reason": " "}).status_code == 422
    done = post_form(
        client, f"/office/funeral/bookings/{booking}/cancel", {"reason": "家属未到场"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert (
        post_form(client, f"/office/funeral/bookings/{booking}/cancel", {"reason": "再次"}).status_code == 409
    )
    assert sql(demo, "SELECT status FROM funeral_bookings")[0][0] == "cancelled"
    assert sql(demo, "SELECT taken FROM funeral_slots WHERE id = :s", s=slot)[0][0] == 0
    assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'funeral.operator_cancel'")[0][0] == 1
    post_form(client, "/logout")
    assert sql(demo, "SELECT open_bookings FROM funeral_account_bookings")[0][0] == 0, "the account's place"
    citizen_login(client, demo, "13800000003")  # another member of the family
    again = book(client, facility, {"slot_cremation": home_and_slot(demo, "cremation")[1]}, LOCAL)
    assert again.status_code == 303, "the person's cremation can be booked again"


def test_one_open_booking_per_service_kind_per_deceased_under_parallel_requests(demo):
    """Five accounts book a cremation for the same person at once: one booking; another kind of
    service for that person remains bookable."""
    facility, slot = home_and_slot(demo, "cremation")
    sql(demo, "UPDATE funeral_slots SET capacity = 10 WHERE id = :s", s=slot)
    for i in range(5):
        sql(
            demo,
            "INSERT INTO citizens (phone, created_at) VALUES (:p, :t)",
            p=f"1390000{i:04d}",
            t=datetime(2026, 12, 1),
        )
    citizens = [r[0] for r in sql(demo, "SELECT id FROM citizens WHERE phone LIKE '1390000%' ORDER BY id")]

    async def attempt(citizen_id, slot_id):
        try:
            async with session_scope(demo.database_url) as session:
                await service.book(
                    session,
                    Actor("citizen", str(citizen_id)),
                    demo.secret_key,
                    citizen_id,
                    await session.get(Facility, facility),
                    deceased_name="王某",
                    deceased_id=LOCAL,
                    pickup_address=None,
                    slot_ids=[slot_id],
                    item_ids=[],
                )
            return "booked"
        except service.FuneralError as e:
            return e.code

    async def scenario():
        return await asyncio.gather(*(attempt(c, slot) for c in citizens))

    outcomes = run(scenario())
    assert outcomes.count("booked") == 1 and set(outcomes) == {"booked", "funeral.deceased_booked"}
    assert sql(demo, "SELECT taken FROM funeral_slots WHERE id = :s", s=slot)[0][0] == 1
    assert sum(r[0] for r in sql(demo, "SELECT open_bookings FROM funeral_account_bookings")) == 1
    hall = home_and_slot(demo, "hall")[1]
    assert run(attempt(citizens[0], hall)) == "booked", "another service for the same person"


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
                    await service.book(
                        session,
                        Actor("citizen", "1"),
                        demo.secret_key,
                        1,
                        facility,
                        deceased_name=f"逝者{i}",
                        deceased_id=LOCAL,
                        pickup_address=None,
                        slot_ids=[slot_id],
                        item_ids=[],
                    )
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
    ok = post_form(
        client,
        "/funeral/subsidies",
        {"kind": "eco", "deceased_name": "赵德福", "deceased_id": RECIPIENT, "relationship": "child"},
        follow_redirects=False,
    )
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
    refused = client.post(
        "/api/device/positions",
        json={"lat": 28.46, "lon": 119.91, "booking": reference},
        headers={"authorization": "Bearer wrong"},
    )
    assert refused.status_code == 401
    for i in range(3):
        r = client.post(
            "/api/device/positions",
            json={"lat": 28.47 - i * 0.005, "lon": 119.90 + i * 0.004, "booking": reference},
            headers={"authorization": f"Bearer {DEMO_DEVICE_TOKEN}"},
        )
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
    refused = client.post(
        "/office/funeral/plots",
        data={"_csrf_token": client.cookies.get("huimin_csrf")},
        files={"file": ("plots.csv", io.BytesIO(csv_text.encode()), "text/csv")},
    )
    assert refused.status_code == 422, "the operator of the funeral home cannot load the cemetery's register"


def test_reschedule_moves_the_booking_and_the_operator_keeps_the_fees(client, demo):
    facility, slot = home_and_slot(demo, "hall")
    later = sql(
        demo,
        "SELECT id FROM funeral_slots WHERE facility_id = :f AND kind = 'hall' AND id != :s "
        "ORDER BY day, label LIMIT 1",
        f=facility,
        s=slot,
    )[0][0]
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
