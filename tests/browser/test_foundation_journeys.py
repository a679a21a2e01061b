"""The two foundation journeys in a real Chromium: a citizen signs in on a phone, a staff member
signs in and sees the dashboard; and Chromium itself reports the PWA installable."""

from __future__ import annotations

import re

from tests.support import DEMO_PASSWORD, last_code


def test_citizen_signs_in_on_a_phone(live, phone, demo):
    page = phone.new_page()
    page.goto(live.url + "/")
    assert page.evaluate("window.innerWidth") == 390
    page.get_by_role("link", name=re.compile("登录")).first.click()
    page.get_by_label("手机号码").fill("13800000001")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至").wait_for()
    page.get_by_label("验证码").fill(last_code(demo, "13800000001"))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/me$"))
    assert "138****0001" in page.content()
    # nothing on the page is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_pwa_is_installable_and_has_an_offline_page(live, installed_phone):
    phone = installed_phone
    page = phone.new_page()
    page.goto(live.url + "/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = phone.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.set_offline(True)
    page.goto(live.url + "/some/page/never/visited")
    assert "离线" in page.content()
    phone.set_offline(False)


def test_large_text_and_english_are_remembered(live, phone):
    page = phone.new_page()
    page.goto(live.url + "/")
    page.get_by_role("button", name="大字模式").click()
    page.get_by_role("button", name="标准字号").wait_for()  # the page came back in large text
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="中文").wait_for()  # and in English
    page.goto(live.url + "/login")
    assert "large-text" in (page.get_attribute("html", "class") or "")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().strip() != "手机号登录"


def test_staff_signs_in_and_sees_the_dashboard(live, desk):
    page = desk.new_page()
    page.goto(live.url + "/office")
    page.wait_for_url(re.compile(r"/office/login"))
    page.get_by_label("用户名").fill("district")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/office/?(\?.*)?$"))
    assert "莲都区" in page.content()
    # the region picker narrows the dashboard through htmx and pushes the URL
    page.get_by_label(re.compile("下级区域")).select_option("331102001")
    page.get_by_role("button", name="切换").click()
    page.wait_for_url(re.compile(r"region=331102001"))
    assert "紫金街道" in page.get_by_role("heading", level=1).inner_text()
    # the trail leads back up to the staff member's own region
    page.get_by_role("link", name="莲都区").click()
    page.wait_for_url(re.compile(r"region=331102$"))
