"""Active discovery in Chromium: someone on a phone reports a person with their location and a
photo; the community worker records the visit and starts an application from it."""

from __future__ import annotations

import io
import re

from PIL import Image

from server.discovery.demo import outline_of
from tests.support import browser_staff_sign_in, sql

TIANNING = outline_of("331102001001")[0]


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (2400, 1800), (110, 130, 90))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 0.0, 0.0), 3: "E", 4: (120.0, 0.0, 0.0)}  # somewhere else entirely
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_report_with_location_and_photo_then_visit_starts_an_application(live, chromium, demo):
    phone = chromium.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": TIANNING[0], "longitude": TIANNING[1]},
        permissions=["geolocation"],
    )
    page = phone.new_page()
    page.goto(live.url + "/")
    page.get_by_role("link", name="主动发现").click()
    page.get_by_label("遇到什么困难").select_option("elderly_alone")
    page.get_by_label("姓名（如果知道）").fill("王大爷")
    page.get_by_label("大约年龄").fill("82")
    page.get_by_role("button", name="使用我的位置").click()
    page.get_by_text("✓").wait_for()
    page.get_by_label("照片").set_input_files(
        {"name": "p.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}
    )
    page.get_by_label("情况说明").fill("独居，最近几天没见出门")
    page.wait_for_timeout(300)  # the photo is scaled down on the phone
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/report/ZD[0-9A-Z]{10}\?new=1"))
    reference = page.locator("[data-reference]").inner_text().strip()
    assert "天宁社区" in page.content()
    phone.close()
    lat, lon, region, photo = sql(demo, "SELECT lat, lon, region_code, photo_name FROM discovery_reports")[0]
    assert abs(lat - TIANNING[0]) < 1e-4 and region == "331102001001", (
        "the browser's location, not the photo's"
    )
    stored = Image.open(demo.var_dir / "uploads" / "discovery" / photo)
    assert not stored.getexif() and max(stored.size) <= 1600

    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    office = desk.new_page()
    browser_staff_sign_in(office, live.url, "community")
    office.get_by_role("link", name="主动发现").first.click()
    office.get_by_role("link", name=reference).click()
    office.get_by_role("img", name="报告照片").wait_for()
    with office.expect_navigation():
        office.get_by_role("button", name="分派").click()
    office.get_by_label("走访情况").fill("独居，无固定收入，行动不便")
    office.get_by_label("处理决定").select_option("application")
    office.get_by_label("启动申请时的救助类别").select_option("tekun")
    office.get_by_role("button", name="保存上门记录并办结").click()
    link = office.locator("[data-application]")
    application = link.inner_text().strip()
    assert application.startswith("TK")
    link.click()
    assert "主动发现" in office.content() and "王大爷" in office.content()
    desk.close()
