"""A shared phone keeps nothing it no longer needs: what was typed into an application step is kept
on the phone only until the server has taken it (a refused step keeps it), and signing out leaves no
draft, queue or cached page behind (Clear-Site-Data and the page's own clean-up)."""

from __future__ import annotations

import re

from tests.assistance.support import ANSWERS
from tests.browser.test_assistance_journeys import agree_to_the_notice, sign_in_as_the_applicant


def _drafts(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('huimin-draft:'))")


def _ours(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('huimin-'))")


def test_draft_kept_until_taken_then_gone_and_sign_out_leaves_nothing(live, phone, demo):
    page = phone.new_page()
    sign_in_as_the_applicant(page, live, demo)
    page.get_by_role("button", name=re.compile("最低生活保障")).click()
    agree_to_the_notice(page)
    page.get_by_text("第 1 步").wait_for()

    # typed: kept on the phone as it is typed
    page.get_by_label("手机号码").fill("12345")
    page.get_by_label("收款银行卡号").fill(ANSWERS["applicant"]["bank_account"])
    assert len(_drafts(page)) == 1
    # refused by the server (a wrong phone number): the draft stays for the next try
    page.get_by_role("button", name="下一步").click()
    page.locator("[data-error-summary]").wait_for()
    assert len(_drafts(page)) == 1

    page.get_by_label("手机号码").fill(ANSWERS["applicant"]["phone"])
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("户籍所在地").wait_for()
    assert _drafts(page) == [], "the step was taken: its draft is removed from the phone"

    # something typed on the next step, then the citizen signs out on 我的
    page.get_by_label("户籍所在地").select_option("331102")
    page.evaluate("localStorage.setItem('huimin-outbox', '[]')")
    assert _ours(page)
    page.goto(live.url + "/me")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(live.url + "/")
    assert _ours(page) == [], "no draft and no offline queue left after signing out"
    # no page snapshot (htmx's history cache) either; only htmx's note of the current path ("/")
    assert page.evaluate("Object.keys(sessionStorage)") in ([], ["htmx-current-path-for-history"])
