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

from server import clock
from server.certificates import token
from server.certificates.service import verdict
from tests.support import citizen_login, in_db, post_form, run, sql, staff_login


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
    made = post_form(
        client,
        "/certificates",
        {
            "community": "331102001001",
            "address": "天宁社区 解放街 12 号",
            "since": "2015-03-01",
            "purpose": purpose,
        },
        follow_redirects=False,
    )
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
    assert 'data-verdict="revoked"' in page.text
    assert "已搬离本社区" not in page.text, "staff's words stay inside: the public learns a reason code only"
    assert serial in [r["s"] for r in revocation_list(client)["revoked"]]
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
    from server.people.idcard import check_char

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


# --- the certificate's life as a table, and reissue ------------------------------------------------


def test_state_machine_as_a_table():
    from server.certificates import rules

    expected = {
        ("requested", "issue"): "issued",
        ("requested", "reject"): "rejected",
        ("issued", "revoke"): "revoked",
        ("issued", "reissue"): "replaced",
    }
    for state in rules.STATES:
        for action in ("issue", "reject", "revoke", "reissue"):
            for role in ("community_worker", "street_officer", "citizen", None):
                want = expected.get((state, action))
                if want is not None and role == "community_worker":
                    assert rules.transition(state, action, role) == want
                    continue
                with pytest.raises(rules.CertificateRuleError) as refused:
                    rules.transition(state, action, role)
                assert refused.value.kind == ("forbidden" if want is not None else "conflict"), (
                    state,
                    action,
                    role,
                )
    assert set(rules.STATES) >= {to for to, _ in rules.TRANSITIONS.values()}
    for state in ("rejected", "revoked", "replaced"):
        assert not [a for (s, a) in rules.TRANSITIONS if s == state], f"{state} is final"


def count_certificates(demo) -> int:
    return sql(demo, "SELECT count(*) FROM residence_certificates")[0][0]


def test_reissue_only_from_an_issued_certificate_with_a_reason_in_its_district(client, demo):
    refused_serial = request_one(client, demo)
    refused_id = sql(demo, "SELECT id FROM residence_certificates WHERE serial = :s", s=refused_serial)[0][0]
    staff_login(client, "community")
    post_form(client, f"/office/certificates/{refused_id}/reject", {"reason": "查无此人"})
    before = count_certificates(demo)
    attempt = post_form(client, f"/office/certificates/{refused_id}/reissue", {"reason": "再试一次"})
    assert attempt.status_code == 409 and "不予出具、已作废或已被替代的不能" in attempt.text
    assert count_certificates(demo) == before, "a refused request never becomes a certificate"
    assert client.get(f"/v/{refused_serial}").status_code == 404

    post_form(client, "/logout")
    revoked_serial = request_one(client, demo)
    revoked_id = issue(client, demo, revoked_serial)
    post_form(client, f"/office/certificates/{revoked_id}/revoke", {"reason": "已搬离本社区"})
    before = count_certificates(demo)
    assert post_form(client, f"/office/certificates/{revoked_id}/reissue", {"reason": "x"}).status_code == 409
    assert count_certificates(demo) == before, "a revoked certificate is not issued again"

    post_form(client, "/logout")
    serial = request_one(client, demo)
    cert_id = issue(client, demo, serial)
    assert post_form(client, f"/office/certificates/{cert_id}/reissue", {"reason": " "}).status_code == 422
    post_form(client, "/logout")
    staff_login(client, "qt_community")  # another district of the city, at the counter
    from server.people.idcard import check_char

    client.get("/office/certificates", params={"q": "33110219560312001" + check_char("33110219560312001")})
    elsewhere = post_form(client, f"/office/certificates/{cert_id}/reissue", {"reason": "遗失补办"})
    assert elsewhere.status_code == 403 and "所属区县" in elsewhere.text
    assert sql(demo, "SELECT status FROM residence_certificates WHERE id = :i", i=cert_id)[0][0] == "issued"
    post_form(client, "/logout")

    staff_login(client, "community")
    done = post_form(
        client, f"/office/certificates/{cert_id}/reissue", {"reason": "遗失补办"}, follow_redirects=False
    )
    assert done.status_code == 303
    new_id = int(done.headers["location"].split("/")[-1])
    old = sql(demo, "SELECT status, revoke_reason FROM residence_certificates WHERE id = :i", i=cert_id)[0]
    new = sql(
        demo,
        "SELECT status, replaces_id, evidence, serial FROM residence_certificates WHERE id = :i",
        i=new_id,
    )[0]
    assert old == ("replaced", "重新出具：遗失补办")
    assert new[:2] == ("issued", cert_id) and "遗失补办" in new[2]
    assert 'data-verdict="replaced"' in client.get(f"/v/{serial}").text
    assert 'data-verdict="valid"' in client.get(f"/v/{new[3]}").text
    listed = {r["s"]: r["r"] for r in revocation_list(client)["revoked"]}
    assert listed[serial] == "superseded" and new[3] not in listed
    again = post_form(client, f"/office/certificates/{cert_id}/reissue", {"reason": "遗失补办"})
    assert again.status_code == 409, "a replaced certificate is not reissued again and again"
    actions = [
        a
        for (a,) in sql(demo, "SELECT action FROM audit_records WHERE object_id = :s ORDER BY seq", s=serial)
    ]
    assert "certificate.reissue" in actions


# --- the paper in hand against the record ------------------------------------------------------------


def qr_url(demo, serial) -> str:
    page = pypdfium2.PdfDocument(pdf_of(demo, serial))[0]
    return zxingcpp.read_barcodes(page.render(scale=3).to_pil())[0].text


def test_verification_page_checks_the_token_against_the_record(client, demo):
    from server.certificates.keys import token_key

    serial = request_one(client, demo)
    issue(client, demo, serial)
    url = qr_url(demo, serial)
    genuine = url.split("?t=")[1]
    checked = client.get(f"/v/{serial}", params={"t": genuine})
    assert 'data-verdict="valid"' in checked.text and 'data-paper="match"' in checked.text
    assert "天宁社区 解放街 12 号" in checked.text and "子女入学" in checked.text, "address and purpose shown"

    key, kid = in_db(demo, lambda s: token_key(s, demo.secret_key, "331100"))
    payload = token.verify(genuine, key.public_key())
    assert payload["a"] == "天宁社区 解放街 12 号" and payload["p"] == "子女入学", (
        "address and purpose are signed"
    )
    body, sig = genuine.split(".")
    other_key = ec.generate_private_key(ec.SECP256R1())
    bad = {
        "garbage": "not-a-token",
        "altered": token.b64(token.canonical({**payload, "p": "购房落户"})) + "." + sig,
        "forged": token.sign({**payload, "p": "购房落户"}, other_key),
        "expired": token.sign({**payload, "u": "2020-01-01"}, other_key),
        "another address": token.sign({**payload, "a": "别处 1 号"}, key),  # even under the city's own key
        "another serial": token.sign({**payload, "s": "someone-else"}, key),
        "longer validity": token.sign({**payload, "u": "2099-12-31"}, key),
    }
    for what, forged in bad.items():
        page = client.get(f"/v/{serial}", params={"t": forged})
        assert page.status_code == 200 and 'data-verdict="mismatch"' in page.text, what
        assert "真实有效" not in page.text and "您手中的证明与登记记录不符" in page.text, what
        assert "data-seal" not in page.text, what
    client.cookies.set("lang", "en")
    english = client.get(f"/v/{serial}", params={"t": bad["altered"]})
    assert "The paper in hand does not match the record" in english.text
    client.cookies.delete("lang")

    early = {
        f: payload[f] for f in ("s", "h", "c", "n", "i", "u", "k")
    }  # a token from before address and purpose
    legacy = client.get(f"/v/{serial}", params={"t": token.sign(early, key)})
    assert 'data-paper="legacy"' in legacy.text and "地址和用途没有签名" in legacy.text
    assert (
        'data-verdict="mismatch"'
        in client.get(f"/v/{serial}", params={"t": token.sign({**early, "n": "别的社区"}, key)}).text
    )

    typed = client.get(f"/v/{serial}")
    assert 'data-verdict="valid"' in typed.text and 'data-paper="unchecked"' in typed.text
    assert "未核对纸质证明" in typed.text and "子女入学" in typed.text


def revocation_list(client) -> dict:
    from server.certificates import keys as _keys  # noqa: F401

    published = client.get("/.well-known/huimin-certificate-keys.json").json()["keys"][0]
    signed = client.get("/certificates-revoked.json").json()["list"]
    return token.verify(signed, public_key_of(published))


def public_key_of(jwk: dict) -> ec.EllipticCurvePublicKey:
    x, y = (int.from_bytes(token.unb64(jwk[c]), "big") for c in ("x", "y"))
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def test_revocation_list_is_signed_and_carries_reason_codes_only(client, demo):
    serial = request_one(client, demo)
    cert_id = issue(client, demo, serial)
    post_form(client, f"/office/certificates/{cert_id}/revoke", {"reason": "邻居举报，本人已搬至外地"})
    raw = client.get("/certificates-revoked.json")
    assert "邻居举报" not in raw.text and set(raw.json()) == {"list"}
    body = revocation_list(client)
    assert body is not None, "the list verifies with the published key set"
    assert body["revoked"] == [{"s": serial, "r": "revoked"}]
    issued, next_update = (
        datetime.fromisoformat(body["issued_at"]),
        datetime.fromisoformat(body["next_update"]),
    )
    assert issued <= datetime.now(UTC) < next_update
    jwk = client.get("/.well-known/huimin-certificate-keys.json").json()["keys"][0]
    assert body["k"] == jwk["kid"]
    signed = raw.json()["list"]
    emptied = token.b64(token.canonical({**body, "revoked": []})) + "." + signed.split(".")[1]
    assert token.verify(emptied, public_key_of(jwk)) is None, "a list with a serial taken out fails"


# --- the CA at a documented URL -----------------------------------------------------------------------


def test_published_root_validates_the_pdf_and_the_signer_is_for_documents(client, demo):
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509

    serial = request_one(client, demo)
    issue(client, demo, serial)
    root_pem = client.get("/.well-known/huimin-ca.pem")
    assert root_pem.status_code == 200 and root_pem.text.startswith("-----BEGIN CERTIFICATE-----")
    root = x509.load_pem_x509_certificate(root_pem.content)
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(root.public_bytes(_der()))], allow_fetching=False
    )
    sig = PdfFileReader(io.BytesIO(pdf_of(demo, serial))).embedded_signatures[0]
    status = run(async_validate_pdf_signature(sig, context))
    assert status.intact and status.valid and status.trusted

    chain = client.get("/.well-known/huimin-signers/331102001001.pem")
    assert chain.status_code == 200
    signer, top = x509.load_pem_x509_certificates(chain.content)
    assert top == root and signer.issuer == root.subject
    signer.verify_directly_issued_by(root)
    assert signer.public_bytes(_der()) == status.signing_cert.dump()
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    extended = list(signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert extended == [x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")], "document signing"
    assert x509.oid.ExtendedKeyUsageOID.CODE_SIGNING not in extended
    assert client.get("/.well-known/huimin-signers/331121001001.pem").status_code == 404, "has signed nothing"
    assert client.get("/.well-known/huimin-signers/..%2Fsecret.pem").status_code == 404


def _der():
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.DER


# --- absolute URLs from HUIMIN_PUBLIC_URL only ------------------------------------------------------------


def test_a_forged_host_header_does_not_reach_the_qr_code(client, demo):
    serial = request_one(client, demo)
    cert_id = sql(demo, "SELECT id FROM residence_certificates WHERE serial = :s", s=serial)[0][0]
    staff_login(client, "community")
    done = post_form(
        client,
        f"/office/certificates/{cert_id}/issue",
        {"evidence": "走访属实"},
        headers={"host": "evil.example"},
    )
    assert done.status_code == 200, done.text
    url = qr_url(demo, serial)
    assert url.startswith(demo.public_url + f"/v/{serial}?t="), url
    assert "evil.example" not in url


class CarrierSender:
    """Stands for a real carrier's sender: production accepts it (the outbox it refuses)."""

    async def send(self, session, phone: str, text: str) -> None:  # pragma: no cover
        raise AssertionError("not sent in this test")


def test_public_url_setting_and_production_refuses_without_it(tmp_path):
    from server.settings import load_settings

    base = {"HUIMIN_VAR_DIR": str(tmp_path), "HUIMIN_SECRET_KEY": "x" * 40}
    assert load_settings(base).public_url == "http://127.0.0.1:8000"
    assert load_settings({**base, "HUIMIN_PUBLIC_URL": "https://huimin.example.gov.cn/"}).public_url == (
        "https://huimin.example.gov.cn"
    )
    prod = {
        **base,
        "HUIMIN_ENV": "production",
        "DATABASE_URL": "postgresql://x/y",
        "HUIMIN_SMS_SENDER": "tests.certificates.test_flow:CarrierSender",
    }
    assert any("HUIMIN_PUBLIC_URL" in p for p in load_settings(prod).production_problems())
    assert any(
        "HUIMIN_PUBLIC_URL" in p
        for p in load_settings({**prod, "HUIMIN_PUBLIC_URL": "javascript:x"}).production_problems()
    )
    assert any(
        "https" in p
        for p in load_settings({**prod, "HUIMIN_PUBLIC_URL": "http://a.example"}).production_problems()
    )
    assert load_settings({**prod, "HUIMIN_PUBLIC_URL": "https://a.example"}).production_problems() == []


def test_pages_hand_back_paths_not_the_requests_host():
    from server.web import same_site

    assert same_site("http://evil.example/office/audit?page_no=2") == "/office/audit?page_no=2"
    assert same_site("http://testserver//evil.example/x") == "/evil.example/x"
    assert same_site("/office") == "/office"


# --- browsing other communities' certificates --------------------------------------------------------------


def test_another_community_reaches_a_certificate_only_by_the_holders_id_number(client, demo):
    from server.people.idcard import check_char

    serial = request_one(client, demo)
    cert_id = sql(demo, "SELECT id FROM residence_certificates WHERE serial = :s", s=serial)[0][0]
    staff_login(client, "qt_community")
    assert serial not in client.get(
        "/office/certificates"
    ).text and f'/office/certificates/{cert_id}"' not in (client.get("/office/certificates").text)
    assert client.get(f"/office/certificates/{cert_id}").status_code == 404, "no browsing by number"
    blind = post_form(client, f"/office/certificates/{cert_id}/issue", {"evidence": "x"})
    assert blind.status_code == 404
    assert client.get(f"/office/certificates/{cert_id}/pdf").status_code == 404
    other = "33110219800101002"  # somebody else's ID number opens nothing of this resident
    client.get("/office/certificates", params={"q": other + check_char(other)})
    assert client.get(f"/office/certificates/{cert_id}").status_code == 404
    client.get("/office/certificates", params={"q": "33110219560312001" + check_char("33110219560312001")})
    assert client.get(f"/office/certificates/{cert_id}").status_code == 200
    post_form(client, "/logout")
    staff_login(client, "qt_district")  # above the counters, a lookup stays inside the district
    found = client.get(
        "/office/certificates", params={"q": "33110219560312001" + check_char("33110219560312001")}
    )
    assert "没有找到" in found.text and "子女入学" not in found.text
    assert client.get(f"/office/certificates/{cert_id}").status_code == 404
    post_form(client, "/logout")
    staff_login(client, "community")  # its own community browses its list
    assert f'/office/certificates/{cert_id}"' in client.get("/office/certificates").text
    assert client.get(f"/office/certificates/{cert_id}").status_code == 200


def test_a_stored_code_signing_signer_is_replaced_by_one_for_documents(client, demo):
    from datetime import UTC, datetime
    from datetime import timedelta as td

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    from server.certificates import keys

    async def plant(session):  # a community certificate as the earlier code made them: code signing
        root_key, root = await keys.root(session, demo.secret_key, "331100", "丽水市")
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        old = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "旧证书")]))
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - td(days=1))
            .not_valid_after(now + td(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        assert not keys.for_documents(old)
        await keys._store(session, demo.secret_key, "community:331102001001", key, old)

    in_db(demo, plant)
    serial = request_one(client, demo)
    issue(client, demo, serial)
    signer = x509.load_pem_x509_certificates(
        client.get("/.well-known/huimin-signers/331102001001.pem").content
    )[0]
    assert keys.for_documents(signer) and "旧证书" not in signer.subject.rfc4514_string()
    sig = PdfFileReader(io.BytesIO(pdf_of(demo, serial))).embedded_signatures[0]
    assert sig.signer_cert.dump() == signer.public_bytes(_der())
    assert sql(demo, "SELECT count(*) FROM signing_keys WHERE owner = 'community:331102001001'")[0][0] == 1
