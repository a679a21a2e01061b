"""Faces in photos, through face_recognition (dlib): detection with HOG on a frame scaled down to
about 320 px, the 68 landmarks on the full frame, encodings only for the frames the rules need.
Returns plain data (``rules.Frame``); the decision is ``rules.decide``. Encodings stay here and in
the database: they are never sent to a browser."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from server.images import MAX_BYTES as REFERENCE_BYTES
from server.images import MAX_SIDE as REFERENCE_SIDE
from server.images import ImageRefused, probe
from server.survival import rules

DETECT_SIDE = 320
MAX_FRAME_BYTES = 2 * 1024 * 1024  # a 640 px frame is 50-200 KB as JPEG, at most about 1.3 MB as PNG
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


class VisionError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _fr():
    import face_recognition  # imported late: dlib takes a moment to load

    return face_recognition


def check_size(raw: bytes, max_side: int = rules.MAX_SIDE, max_bytes: int = MAX_FRAME_BYTES) -> None:
    """Refuse a frame larger than the capture page ever sends (``rules.MAX_SIDE`` px), from its
    header alone, before any pixel is decoded: a small PNG may declare 6000×6666 pixels."""
    if not raw:
        raise VisionError("survival.frame_unreadable")
    if len(raw) > max_bytes:
        raise VisionError("survival.frame_too_large")
    try:
        probe(raw, max_side=max_side, allowed=FORMATS)
    except ImageRefused as e:
        raise VisionError(
            "survival.frame_too_large"
            if e.code in ("image.too_wide", "image.too_many_pixels")
            else "survival.frame_unreadable"
        ) from None


def decode(
    raw: bytes, max_side: int = rules.MAX_SIDE, scale_to: int | None = None, max_bytes: int = MAX_FRAME_BYTES
) -> np.ndarray:
    """An RGB array from JPEG/PNG/WebP bytes of at most ``max_side`` px (raises VisionError; a larger
    image is refused before decoding), scaled down to ``scale_to`` px if given."""
    check_size(raw, max_side, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise VisionError("survival.frame_unreadable") from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    if scale_to and max(image.size) > scale_to:
        image.thumbnail((scale_to, scale_to))
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _detect(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (top, right, bottom, left) in full-frame pixels, largest first; found on a copy
    scaled to DETECT_SIDE, again with upsampling only when nothing was found."""
    fr = _fr()
    h, w = rgb.shape[:2]
    scale = min(1.0, DETECT_SIDE / max(h, w))
    small = rgb
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = np.ascontiguousarray(np.asarray(Image.fromarray(rgb).resize(size, Image.BICUBIC)))
    boxes = fr.face_locations(small, number_of_times_to_upsample=0, model="hog")
    if not boxes:
        boxes = fr.face_locations(small, number_of_times_to_upsample=1, model="hog")
    full = [
        (round(t / scale), min(w, round(r / scale)), min(h, round(b / scale)), max(0, round(le / scale)))
        for t, r, b, le in boxes
    ]
    return sorted(full, key=lambda b: (b[1] - b[3]) * (b[2] - b[0]), reverse=True)


def _significant(boxes: list[tuple[int, int, int, int]]) -> int:
    """Faces that count: a detection far smaller than the main face (a badge, a photo on the wall
    far behind) is not a second person in front of the camera."""
    if not boxes:
        return 0
    main = boxes[0][1] - boxes[0][3]
    return sum(1 for b in boxes if (b[1] - b[3]) >= 0.45 * main)


def analyse(rgb: np.ndarray, digest: str = "") -> rules.Frame:
    """Faces, landmarks of the main face and the light on it; no encoding yet."""
    boxes = _detect(rgb)
    if not boxes:
        return rules.Frame(faces=0, digest=digest)
    box = boxes[0]
    found = _fr().face_landmarks(rgb, [box], model="large")
    landmarks = {k: [(float(x), float(y)) for x, y in v] for k, v in found[0].items()} if found else None
    top, right, bottom, left = box
    face = rgb[max(0, top) : bottom, max(0, left) : right]
    gray = face.mean(axis=2) if face.size else np.zeros((1, 1))
    return rules.Frame(
        faces=_significant(boxes),
        landmarks=landmarks,
        box=box,
        brightness=float(gray.mean()),
        contrast=float(gray.std()),
        digest=digest,
    )


def encode(rgb: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    return tuple(float(x) for x in _fr().face_encodings(rgb, [box], num_jitters=1, model="small")[0])


def analyse_frames(
    raw_frames: list[bytes],
    actions: tuple[str, ...] | list[str] = (),
    thresholds: rules.Thresholds | None = None,
) -> tuple[list[rules.Frame], list[np.ndarray]]:
    """Every frame analysed, and the frames the rules need encoded (those of the challenged
    ``actions`` among them); with the decoded images. Unreadable bytes raise VisionError."""
    for raw in raw_frames:  # every header first: one oversized frame refuses the capture before any decoding
        check_size(raw)
    images = [decode(raw) for raw in raw_frames]
    frames = [analyse(img, hashlib.sha256(img.tobytes()).hexdigest()) for img in images]
    for i in rules.frames_to_encode(frames, actions, thresholds):
        frames[i] = replace(frames[i], encoding=encode(images[i], frames[i].box))  # type: ignore[arg-type]
    return frames, images


def reference_from_photo(raw: bytes) -> tuple[tuple[float, ...], np.ndarray]:
    """The encoding of the one clear face in a reference photo (raises VisionError)."""
    encoding, rgb = _reference(raw)
    return encoding, rgb.copy()


@lru_cache(maxsize=4)  # the same photo again (the demo city, seeded for every test) costs nothing
def _reference(raw: bytes) -> tuple[tuple[float, ...], np.ndarray]:
    rgb = decode(raw, max_side=REFERENCE_SIDE, scale_to=1000, max_bytes=REFERENCE_BYTES)
    boxes = _detect(rgb)
    if not boxes:
        raise VisionError("survival.no_face")
    if _significant(boxes) > 1:
        raise VisionError("survival.many_faces")
    return encode(rgb, boxes[0]), rgb


def pack(encoding: tuple[float, ...]) -> bytes:
    return np.asarray(encoding, dtype="<f8").tobytes()


def unpack(data: bytes) -> tuple[float, ...]:
    return tuple(float(x) for x in np.frombuffer(data, dtype="<f8"))
