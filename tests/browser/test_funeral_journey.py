"""Funeral services in Chromium: on a phone someone looks up the funeral home, books a farewell
hall and a cremation slot, and the operator sees the booking in the calendar."""

from __future__ import annotations

import re

from server.people.idcard import check_char
from tests.support import browser_citizen_sign_in, browser_staff_sign_in, sql


def test_look_up_book_and_see_it_in_the_operators_calendar(live, phone, chromium, demo):
    page = phone.new_page()
    browser_citizen_sign_in(page, live.url, demo, after="/funeral")
    page.get_by_role("link", name="丽水市殡仪馆").first.click()
    assert "遗体火化" in page.content() and "500.00" in page.content()
    hall_choice = page.locator("#f-slot_hall option").nth(1).get_attribute("value")
    page.locator("#f-slot_hall").select_option(hall_choice)
    page.locator("#f-slot_cremation").select_option(
        page.locator("#f-slot_cremation option").nth(1).get_attribute("value")
    )
    page.get_by_label("逝者姓名").fill("周老先生")
    page.get_by_label("逝者身份证号码").fill("33110219380808001" + check_char("33110219380808001"))
    page.get_by_role("button", name="提交预约").click()
    page.wait_for_url(re.compile(r"/funeral/bookings/BZ\d+"))
    reference = page.locator("[data-reference]").inner_text().strip()
    charged = int(page.locator("[data-payable]").get_attribute("data-payable"))
    assert charged > 0, (
        "an ID number of the city alone, no death on record: charged until checked at the counter"
    )
    assert page.locator("[data-waiver]").get_attribute("data-waiver") == "pending"
    day = sql(demo, "SELECT day FROM funeral_slots WHERE id = :s", s=int(hall_choice))[0][0]

    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    office = desk.new_page()
    browser_staff_sign_in(office, live.url, "funeral")
    office.get_by_role("link", name="殡葬服务").first.click()
    office.goto(live.url + f"/office/funeral?view=day&start={day}")
    calendar = office.locator("#calendar")
    assert "周老先生" in calendar.inner_text() and reference in calendar.inner_text()
    assert "告别厅" in calendar.inner_text() and "火化" in calendar.inner_text()
    booking_id = sql(demo, "SELECT id FROM funeral_bookings")[0][0]
    office.goto(live.url + f"/office/funeral/bookings/{booking_id}")
    office.get_by_role("button", name="核实通过，免除").click()
    office.locator('[data-waiver="confirmed"]').wait_for()
    assert sql(demo, "SELECT waiver, payable_cents FROM funeral_bookings")[0][0] == "confirmed"
    page.reload()
    assert page.locator("[data-waiver]").get_attribute("data-waiver") == "confirmed"
    assert int(page.locator("[data-payable]").get_attribute("data-payable")) < charged, "waived once checked"
    desk.close()
