"""The JavaScript a citizen page loads stays under 50 kB compressed (weak networks, old phones)."""

from __future__ import annotations

import gzip

import httpx

from tests.support import browser_citizen_sign_in

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
    browser_citizen_sign_in(page, live.url, demo, "13800000001")
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
