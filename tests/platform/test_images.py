"""Uploaded photos: type from the bytes, limits, and no metadata kept (EXIF, GPS)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.assistance.documents_service import read_document
from server.images import MAX_BYTES, ImageRefused, clean_photo
from tests.assistance.support import start
from tests.support import citizen_login, csrf_token, sql


def jpeg_with_gps(size=(800, 600)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (28.0, 27.0, 0.0), 3: "E", 4: (119.0, 55.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_metadata_is_stripped_and_large_photos_scaled():
    raw = jpeg_with_gps((4000, 3000))
    assert Image.open(io.BytesIO(raw)).getexif().get(0x010F) == "PhoneMaker"
    clean = clean_photo(raw)
    image = Image.open(io.BytesIO(clean.data))
    assert not image.getexif() and "exif" not in image.info
    assert max(image.size) == 2000


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"", "image.empty"),
        (b"%PDF-1.4 pretending to be a photo", "image.type"),
        (b"GIF89a" + b"\x00" * 100, "image.type"),
        (jpeg_with_gps()[:400], "image.broken"),
        (b"\xff" * (MAX_BYTES + 1), "image.too_large"),
    ],
)
def test_wrong_broken_and_huge_files_are_refused(raw, code):
    with pytest.raises(ImageRefused) as refused:
        clean_photo(raw)
    assert refused.value.code == code


def test_decompression_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # tiny file, 81 million pixels
    with pytest.raises(ImageRefused) as refused:
        clean_photo(out.getvalue())
    assert refused.value.code in ("image.too_many_pixels", "image.type")


def test_upload_through_the_form_keeps_no_location(client, demo):
    citizen_login(client, demo, "13800000002")
    reference = start(client)
    token = csrf_token(client)
    ok = client.post(
        f"/apply/{reference}/upload",
        data={"kind": "id_card", "_csrf_token": token},
        files={"photo": ("photo.png", jpeg_with_gps(), "image/png")},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    stored = sql(demo, "SELECT stored_name, kind FROM assistance_documents")[0]
    data = read_document(demo, stored[0])  # sealed on disk (server/crypto.py)
    assert b"PhoneMaker" not in data and not Image.open(io.BytesIO(data)).getexif()
    bad = client.post(
        f"/apply/{reference}/upload",
        data={"kind": "id_card", "_csrf_token": token},
        files={"photo": ("photo.jpg", b"<svg onload=alert(1)>", "image/jpeg")},
    )
    assert bad.status_code == 422 and "只能上传" in bad.text
    assert sql(demo, "SELECT count(*) FROM assistance_documents")[0][0] == 1
