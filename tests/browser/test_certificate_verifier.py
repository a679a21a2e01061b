"""The offline verifier in Chromium: with the network off, an uploaded photo of a certificate's QR
code is checked on the phone (WebCrypto signature, cached revocation list): valid; after the
certificate is revoked and the list refreshed, revoked."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
from sqlalchemy import select
from support import in_db

from server import clock
from server.accounts.models import Citizen
from server.audit.service import Actor
from server.certificates import service

WORKER = Actor("staff", "7", "天宁社区工作人员 刘芳", "community_worker", "331102001001")


def issued_certificate(demo, base_url: str) -> tuple[str, bytes]:
    async def go(session):
        citizen = await session.scalar(select(Citizen).where(Citizen.phone == "13800000001"))
        cert = await service.request_certificate(session, Actor("citizen", str(citizen.id)), citizen, community="331102001001",
                                                 address="天宁社区 解放街 12 号", since=date(2015, 3, 1), purpose="子女入学")  # fmt: skip
        await service.issue(session, WORKER, demo, cert, "户籍在本社区", clock.today(), base_url)
        return cert.serial, cert.pdf_name

    serial, name = in_db(demo, go)
    page = pypdfium2.PdfDocument((demo.var_dir / "certificates" / name).read_bytes())[0]
    out = io.BytesIO()
    page.render(scale=3).to_pil().save(out, "PNG")
    return serial, out.getvalue()


def revoke(demo, serial: str) -> None:
    async def go(session):
        await service.revoke(session, WORKER, await service.find(session, serial), "已搬离本社区")

    in_db(demo, go)


def upload_and_read(page, image: bytes) -> str:
    page.get_by_label("或选择二维码照片").set_input_files(
        {"name": "qr.png", "mimeType": "image/png", "buffer": image}
    )
    result = page.locator("#result[data-verdict]")
    result.wait_for()
    return result.get_attribute("data-verdict")


def test_offline_verifier_valid_then_revoked(live, phone, demo):
    serial, image = issued_certificate(demo, live.url)
    page = phone.new_page()
    page.goto(live.url + "/verify")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker's control, with the keys and the list kept on the phone
    page.locator("#list-date").filter(has_text="作废名单更新时间").wait_for()

    phone.set_offline(True)
    page.reload()
    assert "核验居住证明" in page.content(), "the verifier opens with the network off"
    assert upload_and_read(page, image) == "valid"
    assert "张*国" in page.locator("#result").inner_text()

    phone.set_offline(False)
    revoke(demo, serial)
    before = page.locator("#list-date").inner_text()
    page.wait_for_timeout(1100)  # the list's timestamp has one-second resolution at least
    page.get_by_role("button", name="更新作废名单").click()
    for _ in range(50):
        if page.locator("#list-date").inner_text() != before:
            break
        page.wait_for_timeout(100)
    phone.set_offline(True)
    page.reload()
    assert upload_and_read(page, image) == "revoked"
    phone.set_offline(False)
