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

from server.survival import rules

DETECT_SIDE = 320
MAX_FRAME_BYTES = 1024 * 1024


class VisionError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _fr():
    import face_recognition  # imported late: dlib takes a moment to load

    return face_recognition


def decode(raw: bytes, max_side: int = rules.MAX_SIDE) -> np.ndarray:
    """An RGB array from JPEG/PNG/WebP bytes, at most ``max_side`` px (raises VisionError)."""
    if not raw or len(raw) > MAX_FRAME_BYTES * 10:
        raise VisionError("survival.frame_unreadable")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in ("JPEG", "PNG", "WEBP") or image.width * image.height > 40_000_000:
                raise VisionError("survival.frame_unreadable")
            image.load()
    except VisionError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise VisionError("survival.frame_unreadable") from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side))
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
    return rules.Frame(faces=_significant(boxes), landmarks=landmarks, box=box, brightness=float(gray.mean()),
                       contrast=float(gray.std()), digest=digest)  # fmt: skip


def encode(rgb: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    return tuple(float(x) for x in _fr().face_encodings(rgb, [box], num_jitters=1, model="small")[0])


def analyse_frames(raw_frames: list[bytes], actions: tuple[str, ...] | list[str] = (),
                   thresholds: rules.Thresholds | None = None) -> tuple[list[rules.Frame], list[np.ndarray]]:  # fmt: skip
    """Every frame analysed, and the frames the rules need encoded (those of the challenged
    ``actions`` among them); with the decoded images. Unreadable bytes raise VisionError."""
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
    rgb = decode(raw, max_side=1000)
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
