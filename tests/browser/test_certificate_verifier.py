"""The offline verifier in Chromium: with the network off, an uploaded photo of a certificate's QR
code is checked on the phone (WebCrypto signature, cached revocation list): valid; after the
certificate is revoked and the list refreshed, revoked."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import httpx
import pypdfium2
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from server import clock
from server.accounts.models import Citizen
from server.audit.service import Actor
from server.certificates import queries, rules, service, token
from tests.support import in_db

WORKER = Actor("staff", "7", "天宁社区工作人员 刘芳", "community_worker", "331102001001")


def issued_certificate(demo, base_url: str) -> tuple[str, bytes]:
    async def go(session):
        citizen = await session.scalar(select(Citizen).where(Citizen.phone == "13800000001"))
        cert = await service.request_certificate(
            session,
            Actor("citizen", str(citizen.id)),
            citizen,
            community="331102001001",
            address="天宁社区 解放街 12 号",
            since=date(2015, 3, 1),
            purpose="子女入学",
        )
        await service.issue(session, WORKER, demo, cert, "户籍在本社区", clock.today())
        return cert.serial, cert.pdf_name

    serial, name = in_db(demo, go)
    page = pypdfium2.PdfDocument((demo.var_dir / "certificates" / name).read_bytes())[0]
    out = io.BytesIO()
    page.render(scale=3).to_pil().save(out, "PNG")
    return serial, out.getvalue()


def revoke(demo, serial: str) -> None:
    async def go(session):
        await service.revoke(session, WORKER, await queries.find(session, serial), "已搬离本社区")

    in_db(demo, go)


def upload_and_read(page, image: bytes) -> str:
    page.evaluate("document.getElementById('result').removeAttribute('data-verdict')")
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
    shown = page.locator("#result").inner_text()
    assert "张*国" in shown and "天宁社区 解放街 12 号" in shown and "子女入学" in shown, (
        "address and purpose shown"
    )

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


def signed_list(demo, body_of) -> str:
    from server.certificates.keys import token_key

    key, kid = in_db(demo, lambda s: token_key(s, demo.secret_key, "331100"))
    return json.dumps({"list": token.sign(body_of(kid), key)})


def serving(body: str):
    """A route handler answering with this body (the context's route also catches the service
    worker's fetch)."""
    return lambda route, _request=None: route.fulfill(status=200, content_type="application/json", body=body)


def test_offline_verifier_refuses_a_forged_list_and_warns_on_a_stale_one(live, phone, demo):
    serial, image = issued_certificate(demo, live.url)
    revoke(demo, serial)
    page = phone.new_page()
    page.goto(live.url + "/verify")
    page.locator("#list-date").filter(has_text="作废名单更新时间").wait_for()
    assert upload_and_read(page, image) == "revoked"

    # someone in the middle takes the serial out of the list, or signs a list with another key
    genuine = json.loads(httpx.get(live.url + "/certificates-revoked.json").text)["list"]
    body, sig = genuine.split(".")
    emptied = token.b64(token.canonical({**json.loads(token.unb64(body)), "revoked": []})) + "." + sig
    for forged in (
        emptied,
        token.sign({**json.loads(token.unb64(body)), "revoked": []}, ec.generate_private_key(ec.SECP256R1())),
    ):
        phone.route("**/certificates-revoked.json", serving(json.dumps({"list": forged})))
        page.get_by_role("button", name="更新作废名单").click()
        page.locator("#list-note").filter(has_text="作废名单签名无效").wait_for()
        assert upload_and_read(page, image) == "revoked", "the forged list is not used; the kept one is"
        phone.unroute("**/certificates-revoked.json")

    past = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    old = signed_list(
        demo,
        lambda kid: rules.revocation_list(
            [(serial, "revoked")], past.isoformat(), (past + timedelta(days=1)).isoformat(), kid, "331100"
        ),
    )
    phone.route("**/certificates-revoked.json", serving(old))
    page.get_by_role("button", name="更新作废名单").click()
    page.locator("#list-note").filter(has_text="作废名单已过期").wait_for()
    assert upload_and_read(page, image) == "revoked"
    assert page.locator("#result").get_attribute("data-stale") == "1"
    assert "作废名单已过期" in page.locator("#result").inner_text()
