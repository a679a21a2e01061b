"""Photos people upload (documents, report photos): the type is read from the bytes, never from
the name; size and pixel count are limited; the image is re-encoded, which drops EXIF, GPS and
any other metadata, and scaled down to a sensible size."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; anything larger is refused before decoding
MAX_SIDE = 2000
ALLOWED = {"JPEG", "PNG", "WEBP"}


class ImageRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    width: int
    height: int
    sha256: str
    content_type: str = "image/jpeg"


def probe(
    raw: bytes,
    *,
    max_pixels: int = MAX_PIXELS,
    max_side: int | None = None,
    allowed: set[str] | frozenset[str] = frozenset(ALLOWED),
) -> tuple[str, int, int]:
    """(format, width, height) from the header alone: Pillow's ``open`` is lazy and decodes no pixel,
    so a small file declaring a huge image is refused before it costs memory or CPU. Raises
    ``ImageRefused`` (``image.type``, ``image.too_many_pixels``, ``image.too_wide``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                fmt, width, height = image.format, image.width, image.height
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("image.type") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRefused("image.broken") from None
    if fmt not in allowed:
        raise ImageRefused("image.type")
    if width * height > max_pixels:
        raise ImageRefused("image.too_many_pixels")
    if max_side is not None and max(width, height) > max_side:
        raise ImageRefused("image.too_wide")
    return fmt, width, height


def clean_photo(raw: bytes) -> CleanImage:
    """Validate and re-encode as JPEG without metadata; raises ``ImageRefused``."""
    if not raw:
        raise ImageRefused("image.empty")
    if len(raw) > MAX_BYTES:
        raise ImageRefused("image.too_large")
    probe(raw)  # type and size from the header, before any decoding
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            header = Image.open(io.BytesIO(raw))
            header.verify()  # structure check (truncated or corrupt files fail here or on load)
            image = Image.open(io.BytesIO(raw))
            image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("image.type") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRefused("image.broken") from None
    image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant, then drop the EXIF
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: nothing carried over
    data = out.getvalue()
    return CleanImage(data, image.width, image.height, hashlib.sha256(data).hexdigest())


def gps_of(raw: bytes) -> tuple[float, float] | None:
    """The (lat, lon) a phone wrote into the photo, if any; read before the metadata is dropped."""
    try:
        gps = Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)
        if not gps or 2 not in gps or 4 not in gps:
            return None

        def degrees(value) -> float:
            d, m, s = (float(x) for x in value)
            return d + m / 60 + s / 3600

        lat, lon = degrees(gps[2]), degrees(gps[4])
        return (-lat if gps.get(1) == "S" else lat, -lon if gps.get(3) == "W" else lon)
    except Exception:  # a photo without readable GPS is simply a photo
        return None
