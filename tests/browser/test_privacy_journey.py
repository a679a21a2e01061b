"""Notice and consent on a 390 px phone, in Chinese and in English: the privacy notice reads without
sideways scrolling, and an application starts with the service's notice and the applicant's own
consent before the first question."""

from __future__ import annotations

import re

from tests.browser.test_assistance_journeys import sign_in_as_the_applicant
from tests.support import sql


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_notice_then_consent_then_the_first_question_in_chinese(live, phone, demo):
    page = phone.new_page()
    page.goto(live.url + "/")
    page.locator("footer").get_by_role("link", name="个人信息处理规则").click()
    page.get_by_role("heading", name="个人信息处理规则", level=1).wait_for()
    page.get_by_role("heading", name="向哪些部门核对").wait_for()
    assert page.locator("[data-source]").count() == 12, "every department source, by name"
    assert fits_the_phone(page)

    sign_in_as_the_applicant(page, live, demo)  # ends on /apply
    page.get_by_role("button", name=re.compile("最低生活保障")).click()
    page.get_by_role("heading", name="申请社会救助前请阅读").wait_for()
    assert fits_the_phone(page)
    page.get_by_role("button", name="同意并开始填写").click()  # not ticked
    page.get_by_role("alert").get_by_text("请勾选确认后再提交").wait_for()
    page.get_by_label(re.compile("我已阅读以上告知")).check()
    page.get_by_role("button", name="同意并开始填写").click()
    page.get_by_text("第 1 步").wait_for()
    page.get_by_label("手机号码").wait_for()
    assert sql(demo, "SELECT role, notice_version FROM privacy_consents WHERE basis = 'self'") == [
        ("self", "2026-12")
    ], "her own consent, under the notice she read (the demo's other consents are paper forms)"


def test_notice_then_consent_then_the_first_question_in_english(live, phone, demo):
    page = phone.new_page()
    sign_in_as_the_applicant(page, live, demo)  # in Chinese; then she switches to English
    phone.add_cookies([{"name": "lang", "value": "en", "url": live.url}])
    page.goto(live.url + "/privacy")
    page.get_by_role("heading", name="Privacy notice", level=1).wait_for()
    page.get_by_text("Housing provident fund centre").wait_for()
    assert fits_the_phone(page)

    page.goto(live.url + "/apply")
    page.get_by_role("button", name=re.compile("minimum living", re.I)).click()
    page.get_by_role("heading", name="Please read before applying for social assistance").wait_for()
    assert fits_the_phone(page)
    page.get_by_label(re.compile("I have read the notice above")).check()
    page.get_by_role("button", name="Agree and start").click()
    page.get_by_label("Mobile number").wait_for()
