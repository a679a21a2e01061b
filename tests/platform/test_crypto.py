"""server/crypto.py: both backends, key ids and rotation, row binding, tamper refusal, the old Fernet
tokens, and faces, frames and documents sealed at rest after real uploads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import shutil

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from PIL import Image

from server import crypto
from server import keys as sealed
from server.assistance.documents_service import document_path, read_document
from server.cli import main
from server.errors import DomainError, Kind
from server.people import queries as people_queries
from server.settings import Settings, load_settings
from server.survival import demo as faces
from server.survival import queries as survival_queries
from tests.assistance.support import start
from tests.support import citizen_login, csrf_token, in_db, sql, staff_login

SECRET = "a-secret-key-of-the-test-deployment-0123456789"
GRACE = faces.sample_photo()


def ring(backend: str = "standard", keys: tuple = ()) -> crypto.Keyring:
    return crypto.Keyring(SECRET, crypto.BACKENDS[backend], keys)


# ------------------------------------------------------------------ the interface, both backends


@pytest.mark.parametrize("backend,cipher", [("standard", "aes"), ("sm", "sm4")])
def test_both_backends_seal_and_open_with_their_algorithm_and_key_id(backend, cipher):
    keys = ring(backend)
    where = crypto.aad("survival_references", "photo", 7)
    box = keys.seal("survival-face", b"\xff\xd8 a face", where)
    assert box.startswith(f"HM2:{cipher}:k0:".encode()) and b"a face" not in box
    assert keys.open("survival-face", box, where) == b"\xff\xd8 a face"
    token = keys.seal_text("resident-id", "110101199003077777")
    assert token.startswith(f"v2:{cipher}:k0:") and "1101011990" not in token
    assert keys.open_text("resident-id", token) == "110101199003077777"
    # another purpose is another key
    with pytest.raises(crypto.SealError):
        keys.open_text("bank-account", token)
    # a deployment that switched backend still reads what the other one sealed
    other = ring("sm" if backend == "standard" else "standard")
    assert other.open("survival-face", box, where) == b"\xff\xd8 a face"


def test_sm4_gcm_and_sm3_give_the_published_answers():
    # RFC 8998, appendix A.1 (SM4-GCM) and GB/T 32905 (SM3 of "abc")
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    sealed_ = crypto._SM4GCM(key).encrypt(nonce, plain, aad)
    assert sealed_.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    assert crypto._SM4GCM(key).decrypt(nonce, sealed_, aad) == plain
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.parametrize("backend,size", [("standard", 32), ("sm", 65)])
def test_signatures_verify_and_refuse_a_changed_message(backend, size):
    keys = ring(backend)
    public = keys.public_key("audit-anchor")
    signature = keys.sign("audit-anchor", b"anchor 42")
    algorithm = keys.backend.signature
    assert len(public) == size and len(signature) == 64
    assert crypto.verify(algorithm, public, b"anchor 42", signature)
    assert not crypto.verify(algorithm, public, b"anchor 43", signature)
    assert not crypto.verify(algorithm, keys.public_key("another"), b"anchor 42", signature)


def test_look_up_hashes_stay_what_they_were_and_the_sm_backend_uses_hmac_sm3():
    old = hmac.new(crypto.derive_key(SECRET, "resident-id"), b"110101199003077777", hashlib.sha256)
    assert ring().keyed_hash("resident-id", "110101199003077777") == old.hexdigest()
    sm = ring("sm").keyed_hash("resident-id", "110101199003077777")
    assert len(sm) == 64 and sm != old.hexdigest()  # hence: the backend is chosen for a new deployment


def test_a_fernet_token_made_the_old_way_still_decrypts():
    key = base64.urlsafe_b64encode(crypto.derive_key(SECRET, "fernet:resident-id"))
    token = Fernet(key).encrypt(b"110101199003077777").decode()
    assert crypto.decrypt(SECRET, "resident-id", token) == "110101199003077777"
    assert (
        ring(keys=(("k1", "x" * 32), ("k0", SECRET))).open_text("resident-id", token) == "110101199003077777"
    )


@pytest.mark.parametrize("backend", ["standard", "sm"])
def test_a_moved_or_changed_ciphertext_is_refused(backend):
    keys = ring(backend)
    box = keys.seal("survival-face", b"face of 7", crypto.aad("survival_references", "photo", 7))
    with pytest.raises(crypto.SealError):  # copied into person 8's row
        keys.open("survival-face", box, crypto.aad("survival_references", "photo", 8))
    with pytest.raises(crypto.SealError):  # into another column of the same row
        keys.open("survival-face", box, crypto.aad("survival_references", "encoding", 7))
    changed = box[:-1] + bytes([box[-1] ^ 1])
    with pytest.raises(crypto.SealError):
        keys.open("survival-face", changed, crypto.aad("survival_references", "photo", 7))
    relabelled = box.replace(b":k0:", b":k1:", 1)  # the header is authenticated too
    with pytest.raises(crypto.SealError):
        ring(backend, (("k1", SECRET), ("k0", SECRET))).open(
            "survival-face", relabelled, crypto.aad("survival_references", "photo", 7)
        )


def test_new_data_uses_the_first_key_and_old_keys_still_open():
    before = ring()
    box = before.seal("survival-face", b"old face", b"row")
    after = ring(keys=(("k1", "n" * 40), ("k0", SECRET)))
    assert after.open("survival-face", box, b"row") == b"old face"
    fresh = after.seal("survival-face", b"new face", b"row")
    assert fresh.startswith(b"HM2:aes:k1:") and after.is_current(fresh) and not after.is_current(box)
    with pytest.raises(crypto.SealError):  # k1 is not a key of the old keyring
        before.open("survival-face", fresh, b"row")


def test_data_keys_and_backend_come_from_settings(tmp_path):
    env = {"HUIMIN_SECRET_KEY": SECRET, "HUIMIN_VAR_DIR": str(tmp_path)}
    settings = load_settings({**env, "HUIMIN_DATA_KEYS": "k2:" + "b" * 32 + ", k1:" + "a" * 32})
    assert settings.data_keys == (("k2", "b" * 32), ("k1", "a" * 32)) and settings.crypto == "standard"
    assert crypto.keyring(settings).current == "k2"
    assert load_settings({**env, "HUIMIN_CRYPTO": "sm"}).crypto == "sm"
    with pytest.raises(ValueError, match="HUIMIN_CRYPTO"):
        load_settings({**env, "HUIMIN_CRYPTO": "des"})
    for bad in ("k1", "K1:" + "a" * 32, "k1:a,k1:b", "a key:secret"):
        with pytest.raises(ValueError, match="HUIMIN_DATA_KEYS"):
            load_settings({**env, "HUIMIN_DATA_KEYS": bad})
    production = load_settings({**env, "HUIMIN_ENV": "production", "HUIMIN_DATA_KEYS": "k1:short"})
    assert any("HUIMIN_DATA_KEYS" in p for p in production.production_problems())
    load_settings(env)  # this process's keyring back to the default


# ------------------------------------------------------------------ at rest, after real uploads

JPEG_MARKS = (b"\xff\xd8\xff", b"JFIF", b"Exif")


def _no_image_in(data: bytes) -> bool:
    return not any(mark in data for mark in JPEG_MARKS)


def _sign_in(client, settings, phone: str = "13800000002") -> None:
    client.cookies.clear()
    assert citizen_login(client, settings, phone).status_code in (302, 303)


def _upload_document(client, settings, reference: str) -> str:
    image = Image.new("RGB", (640, 480), (90, 140, 200))
    raw = io.BytesIO()
    image.save(raw, "JPEG")
    done = client.post(
        f"/apply/{reference}/upload",
        data={"kind": "id_card", "_csrf_token": csrf_token(client)},
        files={"photo": ("card.jpg", raw.getvalue(), "image/jpeg")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return sql(settings, "SELECT stored_name FROM assistance_documents ORDER BY id DESC")[0][0]


def _capture(client, settings) -> int:
    _sign_in(client, settings, "13800000001")  # 张建国, enrolled by the demo
    challenge = client.post(
        "/survival/challenge", headers={"x-csrftoken": csrf_token(client), "accept": "application/json"}
    ).json()
    frames = faces.capture_frames(GRACE, challenge["actions"])
    files = {f"frame{i}": (f"frame{i}.jpg", raw, "image/jpeg") for i, raw in enumerate(frames)}
    done = client.post(
        "/survival/check",
        data={"nonce": challenge["nonce"]},
        files=files,
        headers={"x-csrftoken": csrf_token(client), "accept": "application/json"},
    )
    assert done.status_code == 201 and done.json()["decision"] == "pass", done.text
    return sql(settings, "SELECT max(id) FROM survival_checks")[0][0]


@pytest.mark.skipif(GRACE is None, reason="matplotlib missing (the sample face)")
def test_no_face_frame_or_document_in_the_clear_after_real_uploads(client, demo):
    _sign_in(client, demo)
    name = _upload_document(client, demo, start(client))
    on_disk = document_path(demo, name).read_bytes()
    assert on_disk.startswith(b"HM2:aes:k0:") and _no_image_in(on_disk)
    assert Image.open(io.BytesIO(read_document(demo, name))).format == "JPEG"
    check_id = _capture(client, demo)
    frames = sql(demo, "SELECT n, data FROM survival_frames WHERE check_id = :c", c=check_id)
    assert len(frames) == 15 and all(_no_image_in(bytes(data)) for _, data in frames)
    photo, encoding = sql(demo, "SELECT photo, encoding FROM survival_references")[0]
    assert bytes(photo).startswith(b"HM2:") and _no_image_in(bytes(photo))
    assert bytes(encoding).startswith(b"HM2:") and len(bytes(encoding)) != 128 * 8
    frame = in_db(demo, lambda s: survival_queries.frame_data(s, check_id, 0))
    assert Image.open(io.BytesIO(frame)).format == "JPEG"
    # the database file itself holds no JPEG (SQLite: the bytes on disk)
    if demo.sqlite:
        database = demo.database_url.split("///", 1)[1]
        assert _no_image_in(open(database, "rb").read())


@pytest.mark.skipif(GRACE is None, reason="matplotlib missing (the sample face)")
def test_a_frame_or_document_copied_over_another_does_not_open(client, demo):
    _sign_in(client, demo)
    reference = start(client)
    first, second = _upload_document(client, demo, reference), _upload_document(client, demo, reference)
    shutil.copyfile(document_path(demo, first), document_path(demo, second))
    with pytest.raises(DomainError) as refused:
        read_document(demo, second)
    assert refused.value.code == "assistance.document_damaged" and refused.value.kind == Kind.BROKEN
    # the back office sees the intact one, and is told plainly that the other does not decrypt
    ids = dict(sql(demo, "SELECT stored_name, id FROM assistance_documents"))
    where = "UPDATE assistance_applications SET region_code = '331102001001' WHERE reference = :r"
    sql(demo, where, r=reference)  # the draft placed in 天宁社区, in the street reviewer's region
    client.cookies.clear()
    assert staff_login(client, "street").status_code == 303
    shown = client.get(f"/office/assistance/{reference}/documents/{ids[first]}")
    assert shown.status_code == 200 and Image.open(io.BytesIO(shown.content)).format == "JPEG"
    damaged = client.get(f"/office/assistance/{reference}/documents/{ids[second]}")
    assert damaged.status_code == 500 and "材料文件无法解密" in damaged.text
    check_id = _capture(client, demo)
    sql(
        demo,
        "UPDATE survival_frames SET data = (SELECT data FROM survival_frames WHERE check_id = :c AND n = 0) "
        "WHERE check_id = :c AND n = 1",
        c=check_id,
    )
    with pytest.raises(DomainError, match="survival.photo_damaged"):
        in_db(demo, lambda s: survival_queries.frame_data(s, check_id, 1))
    assert in_db(demo, lambda s: survival_queries.frame_data(s, check_id, 0))


def _env(settings: Settings, **more) -> dict[str, str]:
    return {
        "HUIMIN_SECRET_KEY": settings.secret_key,
        "HUIMIN_VAR_DIR": str(settings.var_dir),
        "DATABASE_URL": settings.database_url,
        **more,
    }


@pytest.mark.skipif(GRACE is None, reason="matplotlib missing (the sample face)")
def test_keys_rotate_reseals_everything_under_the_newest_key(client, demo):
    _sign_in(client, demo)
    name = _upload_document(client, demo, start(client))
    check_id = _capture(client, demo)
    # a face kept before faces were sealed: plaintext, sealed by the rotation
    plain = faces.jpeg(GRACE)
    person = sql(demo, "SELECT person_id FROM survival_references")[0][0]
    sql(demo, "UPDATE survival_references SET photo = :p WHERE person_id = :id", p=plain, id=person)
    ids_before = sql(demo, "SELECT id, id_cipher FROM persons ORDER BY id")
    new_key = "k1:" + base64.urlsafe_b64encode(os.urandom(33)).decode()
    env = _env(demo, HUIMIN_DATA_KEYS=f"{new_key},k0:{demo.secret_key}")
    try:
        result = CliRunner().invoke(main, ["keys", "rotate", "--batch", "7"], env=env)
        assert result.exit_code == 0, result.output
        assert "survival_frames.data: 15 re-sealed" in result.output
        assert "assistance_documents (files): 1 re-sealed" in result.output
        assert f"persons.id_cipher: {len(ids_before)} re-sealed" in result.output
        rotated = load_settings(env)
        keys = crypto.keyring(rotated)
        for spec in sealed.SEALED:
            assert in_db(rotated, lambda s, spec=spec: sealed.stale_count(s, keys, spec)) == 0, spec.name
        assert all(
            cipher.startswith("v2:aes:k1:") for _, cipher in sql(demo, "SELECT id, id_cipher FROM persons")
        )
        photo = sql(demo, "SELECT photo FROM survival_references")[0][0]
        assert bytes(photo).startswith(b"HM2:aes:k1:")
        reference = in_db(rotated, lambda s: survival_queries.reference_of(s, person))
        assert survival_queries.reference_photo(reference) == plain
        assert document_path(rotated, name).read_bytes().startswith(b"HM2:aes:k1:")
        assert Image.open(io.BytesIO(read_document(rotated, name))).format == "JPEG"
        frame = in_db(rotated, lambda s: survival_queries.frame_data(s, check_id, 3))
        assert Image.open(io.BytesIO(frame)).format == "JPEG"
        # the clear numbers are what they were, and found by their unchanged look-up hash
        pid, cipher = ids_before[0]
        number = crypto.decrypt(demo.secret_key, people_queries.ID_PURPOSE, cipher)
        now = sql(demo, "SELECT id_cipher FROM persons WHERE id = :p", p=pid)[0][0]
        assert crypto.decrypt(rotated.secret_key, people_queries.ID_PURPOSE, now) == number
        # nothing left to do: a second run re-seals nothing; the rotation is on the audit trail
        again = CliRunner().invoke(main, ["keys", "rotate"], env=env)
        assert again.exit_code == 0 and "survival_frames.data: 0 re-sealed" in again.output
        assert sql(demo, "SELECT count(*) FROM audit_records WHERE action = 'keys.rotate'")[0][0] == 2
    finally:
        load_settings(_env(demo))  # this process's keyring back to the test's


def test_the_sealed_columns_use_their_domains_purposes():
    from server.survival.queries import FACE_PURPOSE

    assert sealed.ID_PURPOSE == people_queries.ID_PURPOSE and sealed.FACE_PURPOSE == FACE_PURPOSE


# ------------------------------------------------------------------ files, and a deployment on SM


@pytest.mark.parametrize("backend,label", [("standard", b"aes:k0"), ("sm", b"sm4:k0")])
def test_encrypted_files_carry_their_algorithm_and_key_and_read_back(tmp_path, backend, label):
    secret = f"files-{backend}-" + "s" * 32
    crypto.keyring(
        Settings("test", "sqlite://", secret, True, tmp_path, False, "outbox", None, crypto=backend)
    )
    data = os.urandom(crypto.FILE_CHUNK * 2 + 123)
    with crypto.encrypted_writer(secret, "verification-file", tmp_path / "f.enc") as fh:
        fh.write(data)
    stored = (tmp_path / "f.enc").read_bytes()
    assert stored.startswith(crypto.FILE_MAGIC + bytes([len(label)]) + label) and data[:64] not in stored
    with crypto.open_encrypted(secret, "verification-file", tmp_path / "f.enc") as fh:
        fh.seek(crypto.FILE_CHUNK - 10)
        assert fh.read(20) == data[crypto.FILE_CHUNK - 10 : crypto.FILE_CHUNK + 10]
        fh.seek(0)
        assert fh.read() == data
    # a file of the first format (no key id, AES under the secret key) still opens
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    file_id, nonce = os.urandom(16), os.urandom(12)
    aead = AESGCM(crypto.derive_key(secret, "file:verification-file"))
    body = aead.encrypt(nonce, b"old file", crypto._aad(file_id, 0, True))
    (tmp_path / "old.enc").write_bytes(crypto.FILE_MAGIC_V1 + file_id + nonce + body)
    with crypto.open_encrypted(secret, "verification-file", tmp_path / "old.enc") as fh:
        assert fh.read() == b"old file"


@pytest.fixture
def sm_settings(settings) -> Settings:
    import dataclasses

    sm = dataclasses.replace(settings, crypto="sm")  # this process's keyring: SM4-GCM, HMAC-SM3, SM2
    yield sm
    crypto.keyring(settings)


@pytest.mark.skipif(GRACE is None, reason="matplotlib missing (the sample face)")
def test_a_deployment_on_the_national_algorithms_seals_with_sm4_and_hashes_with_hmac_sm3(sm_settings):
    from server.app import create_app
    from server.demo import seed
    from tests.support import TestClient

    in_db(sm_settings, lambda s: seed(s, sm_settings.secret_key))
    with TestClient(create_app(sm_settings), base_url="http://testserver.local") as client:
        _sign_in(client, sm_settings)
        name = _upload_document(client, sm_settings, start(client))
        check_id = _capture(client, sm_settings)  # the demo's reference face, sealed with SM4, matches
    assert document_path(sm_settings, name).read_bytes().startswith(b"HM2:sm4:k0:")
    assert Image.open(io.BytesIO(read_document(sm_settings, name))).format == "JPEG"
    (frame,) = sql(sm_settings, "SELECT data FROM survival_frames WHERE check_id = :c AND n = 0", c=check_id)[
        0
    ]
    assert bytes(frame).startswith(b"HM2:sm4:k0:")
    number_hash, cipher = sql(sm_settings, "SELECT id_hash, id_cipher FROM persons WHERE name = '张建国'")[0]
    assert cipher.startswith("v2:sm4:k0:")
    number = crypto.decrypt(sm_settings.secret_key, people_queries.ID_PURPOSE, cipher)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as chmac

    key = crypto.SM.kdf(sm_settings.secret_key.encode(), people_queries.ID_PURPOSE)
    mac = chmac.HMAC(key, hashes.SM3())
    mac.update(number.encode())
    assert number_hash == mac.finalize().hex()
