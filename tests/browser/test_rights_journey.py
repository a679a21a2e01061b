"""The citizen's rights in Chromium on a 390 px phone, in Chinese and in English: /me/data, the JSON
copy downloaded, and an explanation of the benefit amount asked for from the amount itself."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import browser_citizen_sign_in, sql

WORDS = {
    "zh": {"title": "我的个人信息", "json": "下载（JSON，机器可读）", "ask": "要求解释", "send": "提交请求"},
    "en": {
        "title": "My information",
        "json": "Download (JSON, machine-readable)",
        "ask": "Ask for an explanation",
        "send": "Send the request",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_my_data_download_and_ask_why_the_amount_is_what_it_is(live, phone, demo, lang):
    words = WORDS[lang]
    page = phone.new_page()
    browser_citizen_sign_in(page, live.url, demo, phone="13800000001", after="/me/data")
    phone.add_cookies([{"name": "lang", "value": lang, "url": live.url}])  # the language chosen
    page.reload()
    page.get_by_role("heading", name=words["title"], level=1).wait_for()
    assert page.get_attribute("html", "lang") == ("en" if lang == "en" else "zh-CN")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    with page.expect_download() as download:
        page.get_by_role("link", name=words["json"]).click()
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert data["person"]["name"] == "张建国" and data["enrolments"][0]["calculation"]["lines"]

    benefit = page.locator('[data-section="enrolments"]')
    assert benefit.locator('[data-rule="standard"]').count() == 1  # the amount, line by line
    benefit.get_by_role("link", name=words["ask"]).click()
    page.wait_for_url(re.compile(r"/me/data/requests/new\?kind=explanation&about=enrolment:\d+"))
    page.get_by_role("button", name=words["send"]).click()
    page.wait_for_url(re.compile(r"/me/data\?sent=QL\d+"))
    page.locator('[data-request][data-status="received"]').wait_for()
    kind, about = sql(demo, "SELECT kind, about FROM rights_requests")[0]
    assert kind == "explanation" and about.startswith("enrolment:")
