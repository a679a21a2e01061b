"""axe-core (from the npm registry, `npm install`) in a real Chromium: no serious or critical
accessibility violation on the citizen pages and the main back-office pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import browser_citizen_sign_in, browser_staff_sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

CITIZEN_PAGES = [
    "/",
    "/login",
    "/offline",
    "/me",
    "/apply",
    "/notice",
    "/privacy",
    "/me/consents",
    "/me/messages",
    "/report",
    "/certificates",
    "/verify",
    "/funeral",
    "/funeral/1",
    "/funeral/graves?name=王德顺",
    "/funeral/graves/1",
    "/funeral/subsidies",
]
# Each back-office page under a role that may open it (least privilege: no one account sees all).
OFFICE_PAGES = {
    "admin": [
        "/office",
        "/office/users",
        "/office/account",
        "/office/regions/331102001",
    ],
    "auditor": ["/office/audit", "/office/audit/verify"],
    "city": [
        "/office/assistance",
        "/office/assistance?overdue=true",
        "/office/assistance/households",
        "/office/assistance/payments",
        "/office/assistance/policies",
        "/office/discovery",
        "/office/discovery/map",
        "/office/certificates",
        "/office/funeral",
        "/office/verification",
        "/office/verification/warnings",
        "/office/verification/imports",
        "/office/verification/reviews",
        "/office/verification/standard",
        "/office/survival",
        "/office/survival/reviews",
        "/office/identity",
    ],
    "verify": ["/office/verification/matches"],
}


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm install` (make test does)")
    # evaluated through the DevTools protocol, so the page's CSP (no inline script) stays on
    page.evaluate("() => { if (!window.axe) { " + AXE.read_text() + " } }")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_citizen_pages(live, phone, demo):
    page = phone.new_page()
    found = {}
    # the code-entry step of sign-in, before signing in
    page.goto(live.url + "/login")
    page.get_by_label("手机号码").fill("13800000002")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至").wait_for()
    found["/login (code step)"] = serious_violations(page)
    browser_citizen_sign_in(page, live.url, demo, "13800000001")
    for url in CITIZEN_PAGES:
        page.goto(live.url + url)
        found[url] = serious_violations(page)
    page.get_by_role("button", name="大字模式").click()
    page.get_by_role("button", name="标准字号").wait_for()
    found["/me (large text)"] = serious_violations(page)
    # an application: each kind of question screen, one with errors, and the check page
    page.goto(live.url + "/apply")
    page.get_by_role("button", name=re.compile("最低生活保障")).click()
    page.get_by_role("heading", name="申请社会救助前请阅读").wait_for()
    found["apply: notice"] = serious_violations(page)
    page.get_by_label(re.compile("我已阅读以上告知")).check()
    page.get_by_role("button", name="同意并开始填写").click()
    page.get_by_role("button", name="下一步").click()  # nothing filled in: the browser's own check stops it
    page.get_by_label("手机号码").fill("1")  # name and ID number are the account's own, not asked
    page.get_by_label("收款银行卡号").fill("1")
    page.get_by_role("button", name="下一步").click()
    found["apply: step with errors"] = serious_violations(page)
    reference = page.url.split("/")[-2]
    for step in ("hukou", "members", "health", "income", "documents", "consent", "check"):
        page.goto(f"{live.url}/apply/{reference}/{step}")
        found[f"apply: {step}"] = serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_office_pages(live, desk):
    page = desk.new_page()
    page.goto(live.url + "/office/login")
    found = {"/office/login": serious_violations(page)}
    for username in ("verify", "admin", "auditor", "city"):  # the case pages below are walked as "city"
        page.context.clear_cookies()
        browser_staff_sign_in(page, live.url, username)
        for url in OFFICE_PAGES[username]:
            page.goto(live.url + url)
            found[url] = serious_violations(page)
    page.goto(live.url + "/office/assistance")
    page.get_by_role("link", name=re.compile(r"^DB\d+")).first.click()
    found["/office/assistance/{ref}"] = serious_violations(page)
    page.get_by_role("link", name="查看核对报告").click()
    found["/office/verification/applications/{ref}/report"] = serious_violations(page)
    page.goto(live.url + "/office/assistance/households")
    page.locator("#households a").first.click()
    found["/office/assistance/households/{id}"] = serious_violations(page)
    page.get_by_role("link", name="查看核对报告").click()
    found["/office/verification/households/{id}/report"] = serious_violations(page)
    page.goto(live.url + "/office/verification/warnings")
    page.locator("#warnings a").first.click()
    found["/office/verification/warnings/{id}"] = serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
