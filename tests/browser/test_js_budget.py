"""The JavaScript a citizen page loads stays under 50 kB compressed (weak networks, old phones)."""

from __future__ import annotations

import gzip

import httpx
from support import last_code

BUDGET = 50 * 1024
CITIZEN_PAGES = [
    "/",
    "/login",
    "/me",
    "/offline",
    "/apply",
    "/certificates",
    "/funeral",
    "/report",
    "/survival",
]


def test_citizen_pages_stay_within_the_script_budget(live, phone, demo):
    page = phone.new_page()
    page.goto(live.url + "/login")
    page.get_by_label("手机号码").fill("13800000001")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至").wait_for()
    page.get_by_label("验证码").fill(last_code(demo, "13800000001"))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me")
    sizes: dict[str, int] = {}
    for path in CITIZEN_PAGES:
        response = page.goto(live.url + path)
        if response is None or response.status == 404:
            continue  # a service not built yet
        sources = page.evaluate("Array.from(document.scripts).map(s => s.src).filter(Boolean)")
        inline = page.evaluate("Array.from(document.scripts).filter(s => !s.src).length")
        assert inline == 0, f"inline script on {path}"
        sizes[path] = sum(len(gzip.compress(httpx.get(src).content)) for src in set(sources))
    assert sizes, "no citizen page was measured"
    over = {p: s for p, s in sizes.items() if s > BUDGET}
    assert over == {}, f"script budget {BUDGET} bytes exceeded: {over}"
    assert sizes["/"] > 0, "the measurement sees the scripts the page loads"
