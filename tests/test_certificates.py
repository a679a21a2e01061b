"""Residence certificates: the signed PDF, the QR token, issue anywhere in the city, revocation."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pypdfium2
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from support import citizen_login, in_db, post_form, run, sql, staff_login

from server import clock
from server.certificates import token
from server.certificates.service import verdict


def test_token_signature_and_tampering():
    key = ec.generate_private_key(ec.SECP256R1())
    signed = token.sign({"s": "abc", "h": "张*国", "u": "2027-01-01"}, key)
    assert token.verify(signed, key.public_key()) == {"h": "张*国", "s": "abc", "u": "2027-01-01"}
    body, sig = signed.split(".")
    forged = token.b64(token.canonical({"s": "abc", "h": "李*四", "u": "2027-01-01"})) + "." + sig
    assert token.verify(forged, key.public_key()) is None
    assert token.verify(signed, ec.generate_private_key(ec.SECP256R1()).public_key()) is None
    assert token.verify("garbage", key.public_key()) is None


def test_verdicts():
    class C:
        status, valid_until = "issued", date(2026, 12, 31)

    assert verdict(C, date(2026, 12, 1)) == "valid"
    assert verdict(C, date(2027, 1, 1)) == "expired"
    C.status = "revoked"
    assert verdict(C, date(2026, 12, 1)) == "revoked"
    assert verdict(None, date(2026, 12, 1)) == "unknown"


def request_one(client, demo, purpose="子女入学"):
    sql(demo, "UPDATE otp_challenges SET created_at = :t", t=datetime.now(UTC) - timedelta(minutes=2))
    citizen_login(client, demo, "13800000001")  # 张建国, real-name bound
    made = post_form(client, "/certificates", {"community": "331102001001", "address": "天宁社区 解放街 12 号",
                                               "since": "2015-03-01", "purpose": purpose}, follow_redirects=False)  # fmt: skip
    assert made.status_code == 303, made.text
    post_form(client, "/logout")
    return made.headers["location"].split("/")[-1]


def issue(client, demo, serial, username="community"):
    cert_id = sql(demo, "SELECT id FROM residence_certificates WHERE serial = :s", s=serial)[0][0]
    staff_login(client, username)
    done = post_form(
        client, f"/office/certificates/{cert_id}/issue", {"evidence": "户籍登记在本社区，走访属实"}
    )
    assert done.status_code == 200, done.text
    return cert_id


def pdf_of(demo, serial) -> bytes:
    name = sql(demo, "SELECT pdf_name FROM residence_certificates WHERE serial = :s", s=serial)[0][0]
    return (demo.var_dir / "certificates" / name).read_bytes()


def root_cert(demo):
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pem = sql(demo, "SELECT cert_pem FROM signing_keys WHERE owner = 'root:331100'")[0][0]
    return asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    )


def test_signed_pdf_validates_and_a_changed_byte_breaks_it(client, demo):
    serial = request_one(client, demo)
    issue(client, demo, serial)
    data = pdf_of(demo, serial)
    context = ValidationContext(trust_roots=[root_cert(demo)], allow_fetching=False)
    status = run(
        async_validate_pdf_signature(PdfFileReader(io.BytesIO(data)).embedded_signatures[0], context)
    )
    assert status.intact and status.valid and status.trusted
    assert "天宁社区" in str(status.signing_cert.subject.human_friendly)
    # one byte changed inside the signed content (the middle of the first content stream)
    broken = bytearray(data)
    broken[data.index(b"stream") + 60] ^= 0x01
    sig = PdfFileReader(io.BytesIO(bytes(broken)), strict=False).embedded_signatures[0]
    assert not run(async_validate_pdf_signature(sig, context)).intact


def test_pdf_shows_chinese_and_the_qr_decodes_to_a_token_matching_the_database(client, demo):
    serial = request_one(client, demo)
    issue(client, demo, serial)
    page = pypdfium2.PdfDocument(pdf_of(demo, serial))[0]
    assert (
        "居 住 证 明" in page.get_textpage().get_text_range()
        and "张建国" in page.get_textpage().get_text_range()
    )
    image = page.render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert codes, "the QR code is readable from the printed page"
    url = codes[0].text
    assert f"/v/{serial}?t=" in url
    from server.certificates.keys import token_key

    key, kid = in_db(demo, lambda s: token_key(s, demo.secret_key, "331100"))
    payload = token.verify(url.split("?t=")[1], key.public_key())
    row = sql(
        demo,
        "SELECT serial, region_code, valid_until FROM residence_certificates WHERE serial = :s",
        s=serial,
    )[0]
    assert (
        payload["s"] == row[0]
        and payload["c"] == row[1]
        and payload["u"] == str(row[2])
        and payload["k"] == kid
    )
    assert payload["h"] == "张*国", "only the masked name travels in the QR"
    keyset = client.get("/.well-known/huimin-certificate-keys.json").json()
    assert keyset["keys"][0]["kid"] == kid and keyset["keys"][0]["crv"] == "P-256"


def test_verification_page_valid_revoked_expired_unknown(client, demo):
    serial = request_one(client, demo)
    cert_id = issue(client, demo, serial)
    page = client.get(f"/v/{serial}")
    assert 'data-verdict="valid"' in page.text and "张*国" in page.text and "张建国" not in page.text
    assert "data-seal" in page.text and "天宁社区 电子印章" in page.text
    assert client.get("/v/not-a-real-serial").status_code == 404
    refused = post_form(client, f"/office/certificates/{cert_id}/revoke", {"reason": ""})
    assert refused.status_code == 422
    post_form(client, f"/office/certificates/{cert_id}/revoke", {"reason": "已搬离本社区"})
    page = client.get(f"/v/{serial}")
    assert 'data-verdict="revoked"' in page.text and "已搬离本社区" in page.text
    assert serial in client.get("/certificates-revoked.json").text
    client.app.state.today = lambda: clock.today() + timedelta(days=400)
    second = request_one(client, demo, "办理居住证")
    issue(client, demo, second)
    client.app.state.today = lambda: clock.today() + timedelta(days=400 + 181)
    assert 'data-verdict="expired"' in client.get(f"/v/{second}").text


def test_any_counter_in_the_city_issues_with_the_residents_seal(client, demo):
    serial = request_one(client, demo)
    staff_login(client, "qt_community")  # 鹤城社区, 青田县: another district of the same city
    found = client.get("/office/certificates", params={"q": "330000"})
    assert "身份证" in found.text or found.status_code == 200
    from server.accounts.idcard import check_char

    number = "33110219560312001" + check_char("33110219560312001")
    listing = client.get("/office/certificates", params={"q": number})
    cert_id = int(re.search(r'/office/certificates/(\d+)"', listing.text.split("查找结果")[1]).group(1))
    detail = client.get(f"/office/certificates/{cert_id}")
    assert "全市通办" in detail.text
    post_form(client, f"/office/certificates/{cert_id}/issue", {"evidence": "户籍在天宁社区，核对户口簿"})
    row = sql(
        demo,
        "SELECT status, region_code, issued_at_region FROM residence_certificates WHERE id = :i",
        i=cert_id,
    )[0]
    assert row == ("issued", "331102001001", "331121001001")
    audit = sql(
        demo,
        "SELECT region_code, CAST(\"after\" AS TEXT) FROM audit_records WHERE action = 'certificate.issue'",
    )[0]
    assert audit[0] == "331102001001" and "331121001001" in audit[1]
    page = pypdfium2.PdfDocument(pdf_of(demo, serial))[0]
    assert "天宁社区" in page.get_textpage().get_text_range()


def test_request_needs_real_name_and_good_dates(client, demo):
    citizen_login(client, demo, "13800000003")  # not real-name bound
    assert "请先在“我的”页面完成实名认证" in client.get("/certificates").text
    refused = post_form(
        client,
        "/certificates",
        {"community": "331102001001", "address": "x", "since": "2015-01-01", "purpose": "y"},
    )
    assert refused.status_code == 403
    assert sql(demo, "SELECT count(*) FROM residence_certificates")[0][0] == 0


@pytest.mark.parametrize("bad", ["2999-01-01", "not-a-date"])
def test_future_or_broken_dates_are_refused(client, demo, bad):
    citizen_login(client, demo, "13800000001")
    refused = post_form(
        client, "/certificates", {"community": "331102001001", "address": "x", "since": bad, "purpose": "y"}
    )
    assert refused.status_code == 422 and "居住起始日期" in refused.text


def test_seal_is_drawn_red_and_round():
    from server.certificates.pdf import cjk_font_path
    from server.certificates.seal import draw_seal

    seal = Image.open(io.BytesIO(draw_seal("天宁社区居民委员会", "居住证明专用章", cjk_font_path())))
    assert seal.mode == "RGBA" and seal.size == (480, 480)
    r, g, b, a = seal.getpixel((240, 240))  # the star in the centre
    assert a > 200 and r > 150 and g < 80
    assert seal.getpixel((5, 5))[3] == 0, "transparent outside the circle"


def test_verification_is_rate_limited_per_address(client, demo):
    from server.certificates import routes

    statuses = [client.get("/v/unknown-serial").status_code for _ in range(routes.VERIFY_LIMIT + 1)]
    assert statuses[: routes.VERIFY_LIMIT] == [404] * routes.VERIFY_LIMIT and statuses[-1] == 429
