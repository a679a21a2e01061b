"""The survival check in Chromium: a fake front camera plays a video built from grace_hopper.jpg
(the demo recipient 张建国's reference face) carrying the challenged actions; the real capture page
takes the burst, uploads it with the nonce and the real pipeline passes it. Without a camera the page
says what to do. The pages have no serious accessibility violation."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from server.db import utcnow
from server.survival import demo as faces
from server.survival import rules
from tests.support import browser_citizen_sign_in, browser_staff_sign_in, sql


def _sibling(name: str):
    """A module beside this file, loaded under its own name (``conftest`` is ambiguous here)."""
    spec = importlib.util.spec_from_file_location(f"survival_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_browser = _sibling("conftest")
CHROMIUM, CHROMIUM_ARGS, PHONE = _browser.CHROMIUM, _browser.CHROMIUM_ARGS, _browser.PHONE
serious_violations = _sibling("test_accessibility").serious_violations
ACTIONS = ("blink", "turn_left")
FPS = 10
LEAD = 5  # video frames of the still face before the first capture's frame (0.5 s)
HOLD = 5  # video frames per captured frame: the page takes one every 0.5 s


def yuv420(rgb: np.ndarray) -> bytes:
    """One frame in the planar 4:2:0 layout of a YUV4MPEG2 C420jpeg file (full-range BT.601)."""
    f = rgb.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128

    def half(plane):
        return plane.reshape(plane.shape[0] // 2, 2, plane.shape[1] // 2, 2).mean(axis=(1, 3))

    return b"".join(np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in (y, half(u), half(v)))


def write_y4m(path, frames: list[np.ndarray]) -> None:
    h, w = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + yuv420(frame))


@pytest.fixture
def camera_video(tmp_path):
    photo = faces.sample_photo()
    if photo is None:
        pytest.skip("matplotlib is not installed")
    photo = photo[: photo.shape[0] // 2 * 2, : photo.shape[1] // 2 * 2]
    shots = faces.capture_arrays(photo, ACTIONS)  # one per capture, in the page's order
    video = [shots[0]] * LEAD + [s for s in shots for _ in range(HOLD)] + [shots[-1]] * (FPS * 3)
    path = tmp_path / "face.y4m"
    write_y4m(path, video)
    return path


@pytest.fixture
def camera_phone(playwright, camera_video):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_video}",
        ],
    )
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(30_000)
    yield context
    context.close()
    browser.close()


def test_capture_with_a_fake_camera_passes_then_staff_see_it(live, camera_phone, desk, demo, monkeypatch):
    monkeypatch.setattr(rules, "pick_actions", lambda rng=None: ACTIONS)
    camera_phone.grant_permissions(["camera"], origin=live.url)
    page = camera_phone.new_page()
    browser_citizen_sign_in(page, live.url, demo, "13800000001", after="/survival")
    assert serious_violations(page) == []
    page.get_by_role("link", name="开始认证").click()
    page.wait_for_url("**/survival/capture")
    assert serious_violations(page) == []
    page.get_by_role("button", name="打开摄像头开始认证").click()
    page.get_by_text("请闭上眼睛").wait_for()
    page.wait_for_url(re.compile(r"/survival/checks/\d+$"), timeout=60_000)
    status = page.locator("[data-status]").first.get_attribute("data-status")
    reasons = page.locator("[data-reason]").all_inner_texts()
    assert status == "passed", (status, reasons, sql(demo, "SELECT metrics FROM survival_checks"))
    assert "下次认证日期" in page.content()
    assert serious_violations(page) == []
    assert sql(demo, "SELECT frame_count, assisted FROM survival_checks") == [(15, False)]

    office = desk.new_page()
    browser_staff_sign_in(office, live.url, "community")
    office.get_by_role("link", name="生存认证").first.click()
    office.wait_for_url("**/office/survival")
    assert serious_violations(office) == []
    person = sql(demo, "SELECT id FROM persons WHERE name = '张建国'")[0][0]
    office.goto(f"{live.url}/office/survival/people/{person}")
    office.get_by_role("img", name="参考照片").wait_for()
    assert "已通过" in office.content()
    assert serious_violations(office) == []
    office.get_by_role("link", name=re.compile(r"\d{4}-\d\d-\d\d")).first.click()
    office.get_by_role("img", name="认证照片 1", exact=True).wait_for()
    assert serious_violations(office) == []


def test_without_a_camera_the_page_says_how_to_get_an_assisted_check(live, phone, demo):
    page = phone.new_page()
    browser_citizen_sign_in(page, live.url, demo, "13800000001", after="/survival/capture")
    assert page.locator("#cap-nojs").is_hidden()  # the script runs
    page.get_by_role("button", name="打开摄像头开始认证").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "无法使用摄像头" in alert.inner_text() and "上门协助认证" in alert.inner_text()
    assert sql(demo, "SELECT count(*) FROM survival_challenges") == [(0,)]


def test_a_refused_challenge_is_explained_in_the_servers_words(live, camera_phone, demo):
    person = sql(demo, "SELECT id FROM persons WHERE name = '张建国'")[0][0]
    now = utcnow()
    for n in range(20):  # the hour's tries are used up
        sql(
            demo,
            "INSERT INTO survival_challenges (nonce_hash, person_id, actions, issued_at, expires_at) "
            "VALUES (:h, :p, '[]', :t, :t)",
            h=f"{n:064d}",
            p=person,
            t=now,
        )
    camera_phone.grant_permissions(["camera"], origin=live.url)
    page = camera_phone.new_page()
    browser_citizen_sign_in(page, live.url, demo, "13800000001", after="/survival/capture")
    page.get_by_role("button", name="打开摄像头开始认证").click()
    page.locator("#cap-instruction", has_text="操作太频繁").wait_for()
    assert page.get_by_role("button", name="打开摄像头开始认证").is_visible(), "they can try again later"
    assert page.locator("#cap-stage").is_hidden(), "the camera is closed again"
