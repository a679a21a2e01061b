"""申请人工复核 on a 390 px phone: 张建国's check failed (someone else's face, the real pipeline), he
asks a person to review it from the result page, a street reviewer passes it, and he sees the pass
with the reviewer's opinion and his next due date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from server import clock
from server.audit.service import SYSTEM, Actor
from server.people.models import Person
from server.survival import demo as faces
from server.survival import service
from server.survival.models import Check
from tests.support import browser_citizen_sign_in, in_db, sql


def _accessibility():
    spec = importlib.util.spec_from_file_location(
        "survival_review_accessibility", Path(__file__).with_name("test_accessibility.py")
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.serious_violations


serious_violations = _accessibility()


def test_a_failed_check_asks_for_a_person_who_passes_it(live, phone, demo):
    astronaut = faces.sample_photo("astronaut")
    if astronaut is None or faces.sample_photo() is None:
        pytest.skip("matplotlib/scikit-image missing")
    pid = sql(demo, "SELECT id FROM persons WHERE name = '张建国'")[0][0]

    async def fails(session):
        person = await session.get(Person, pid)
        nonce, ch = await service.issue_challenge(session, person)
        frames = faces.capture_frames(astronaut, ch.actions)
        return (await service.submit(session, SYSTEM, person, nonce, frames, today=clock.today())).id

    check_id = in_db(demo, fails)
    page = phone.new_page()
    browser_citizen_sign_in(page, live.url, demo, "13800000001", after="/survival")
    assert "不方便刷脸？可以请社区工作人员上门或到窗口认证" in page.content()
    page.locator(f'a[href="/survival/checks/{check_id}"]').click()  # the failed check in the history
    page.wait_for_url(f"**/survival/checks/{check_id}")
    assert "与参考照片不是同一个人" in page.content()
    assert serious_violations(page) == []
    page.get_by_label("想对审核人员说的话").fill("是我本人，当时光线不好")
    page.get_by_role("button", name="申请人工复核").click()
    page.get_by_text("您已申请人工复核").wait_for()
    assert page.locator("[data-status]").first.get_attribute("data-status") == "review"
    assert page.get_by_role("button", name="申请人工复核").count() == 0
    assert serious_violations(page) == []

    street = sql(demo, "SELECT id FROM staff WHERE username = 'street'")[0][0]
    reviewer = Actor(kind="staff", id=str(street), name="紫金街道审核员 张丽", role="street_reviewer")

    async def passes(session):
        check = await session.get(Check, check_id)
        await service.view_faces(session, reviewer, check)
        await service.review(
            session, reviewer, check, action="confirm", note="对照参考照片是本人", today=clock.today()
        )

    in_db(demo, passes)
    page.reload()
    assert page.locator("[data-status]").first.get_attribute("data-status") == "confirmed"
    text = page.content()
    assert "审核通过" in text and "对照参考照片是本人" in text and "下次认证日期" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert serious_violations(page) == []
