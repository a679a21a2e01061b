"""Demo data for the survival check, and captures made from one real photo.

``capture_frames`` turns a portrait into the burst of frames a phone would upload for a challenge:
the actions are real edits that move the face's landmarks (a horizontal warp around the nose for a
head turn, the eyes painted shut for a blink, the jaw moved down for an open mouth), with small
shifts and light changes between frames. The demo uses it for a check waiting in the review queue;
the tests, the browser test and the benchmark use it to drive the real pipeline."""

from __future__ import annotations

import io
import random
from datetime import date

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.survival import rules, vision

PLAN = rules.CAPTURE_PLAN


def sample_photo(name: str = "grace_hopper") -> np.ndarray | None:
    """A real portrait an installed package ships: matplotlib's ``grace_hopper.jpg`` or
    scikit-image's ``astronaut`` (test-only dependencies); None when not installed."""
    try:
        if name == "astronaut":
            from skimage import data

            return np.ascontiguousarray(data.astronaut())
        import matplotlib

        path = f"{matplotlib.get_data_path()}/sample_data/grace_hopper.jpg"
        return np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB")))
    except ImportError:
        return None


def jpeg(rgb: np.ndarray, quality: int = 88) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality)
    return out.getvalue()


def landmarks_of(rgb: np.ndarray) -> dict:
    frames = vision.analyse(rgb)
    if not frames.landmarks:
        raise ValueError("no face in the photo")
    return frames.landmarks


def turn(rgb: np.ndarray, lm: dict, amount: float) -> np.ndarray:
    """Move the nose toward the image's right (``amount`` > 0, the person's left) by a share of the
    face width, stretching one side of the face and compressing the other."""
    chin = lm["chin"]
    xl, xr, xn = chin[0][0], chin[16][0], lm["nose_tip"][2][0]
    moved = xn + amount * (xr - xl)
    xs = np.arange(rgb.shape[1], dtype=float)
    src = xs.copy()
    a = (xs >= xl) & (xs < moved)
    src[a] = xl + (xs[a] - xl) * (xn - xl) / (moved - xl)
    b = (xs >= moved) & (xs <= xr)
    src[b] = xn + (xs[b] - moved) * (xr - xn) / (xr - moved)
    return np.ascontiguousarray(rgb[:, np.clip(src.round().astype(int), 0, rgb.shape[1] - 1)])


def blink(rgb: np.ndarray, lm: dict) -> np.ndarray:
    """Both eyes painted shut: skin colour from below the eye over it, and a dark lid line."""
    image = Image.fromarray(rgb.copy())
    draw = ImageDraw.Draw(image)
    for eye in (lm["left_eye"], lm["right_eye"]):
        xs, ys = [p[0] for p in eye], [p[1] for p in eye]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        w, cy = x1 - x0, (y0 + y1) / 2
        patch = rgb[int(y1 + w * 0.35) : int(y1 + w * 0.55), int(x0) : int(x1)].reshape(-1, 3)
        colour = tuple(int(c) for c in patch.mean(axis=0)) if len(patch) else (200, 160, 140)
        draw.ellipse([x0 - w * 0.4, y0 - w * 0.3, x1 + w * 0.4, y1 + w * 0.1], fill=colour)
        lid = [(x0, cy + w * 0.08), ((x0 + x1) / 2, cy + w * 0.2), (x1, cy + w * 0.08)]
        draw.line(lid, fill=(40, 30, 30), width=max(2, int(w * 0.06)))
    return np.ascontiguousarray(np.asarray(image.filter(ImageFilter.GaussianBlur(0.8))))


def open_mouth(rgb: np.ndarray, lm: dict, amount: float = 0.5) -> np.ndarray:
    """The jaw below the lips moved down by ``amount`` of the mouth width, the gap dark."""
    top, bottom = lm["top_lip"], lm["bottom_lip"]
    x0, x1 = min(p[0] for p in top), max(p[0] for p in top)
    w = x1 - x0
    mid = int(np.mean([p[1] for p in top[7:12]] + [p[1] for p in bottom[7:12]]))
    gap = int(w * amount)
    out = rgb.copy()
    xa, xb = max(0, int(x0 - w * 0.6)), int(x1 + w * 0.6)
    out[mid + gap :, xa:xb] = rgb[mid : rgb.shape[0] - gap, xa:xb]
    image = Image.fromarray(out)
    ImageDraw.Draw(image).ellipse([x0 + w * 0.08, mid - 2, x1 - w * 0.08, mid + gap + 2], fill=(60, 20, 25))
    return np.ascontiguousarray(np.asarray(image.filter(ImageFilter.GaussianBlur(0.6))))


def jitter(rgb: np.ndarray, rng: random.Random) -> np.ndarray:
    """A hand-held phone: a few pixels of shift and a little change of light."""
    dx, dy = rng.randint(-6, 6), rng.randint(-6, 6)
    moved = np.roll(np.roll(rgb, dy, axis=0), dx, axis=1)
    image = ImageEnhance.Brightness(Image.fromarray(np.ascontiguousarray(moved))).enhance(
        rng.uniform(0.93, 1.07)
    )
    return np.ascontiguousarray(np.asarray(image))


def action_frames(rgb: np.ndarray, lm: dict, action: str, count: int) -> list[np.ndarray]:
    """``count`` frames of one action window: reaction, the action held, and (blink) eyes open again."""
    if action == "blink":
        shut = blink(rgb, lm)
        return [rgb, shut, shut, shut, shut, rgb][:count] + [rgb] * max(0, count - 6)
    if action in ("turn_left", "turn_right"):
        sign = 1 if action == "turn_left" else -1
        steps = [0.2, 0.28, 0.28, 0.28, 0.2, 0.0]
        return [turn(rgb, lm, sign * s) if s else rgb for s in steps][:count] + [rgb] * max(0, count - 6)
    if action == "open_mouth":
        wide = open_mouth(rgb, lm, 0.5)
        return [rgb, open_mouth(rgb, lm, 0.3), wide, wide, rgb, rgb][:count] + [rgb] * max(0, count - 6)
    raise ValueError(action)


def capture_arrays(
    rgb: np.ndarray, actions: tuple[str, ...] | list[str], seed: int = 7, plan: tuple[int, ...] = PLAN
) -> list[np.ndarray]:
    """The burst for a challenge as arrays, in the order the capture page takes them."""
    rng = random.Random(seed)
    lm = landmarks_of(rgb)
    frames = [rgb] * plan[0]
    for action, count in zip(actions, plan[1:], strict=False):
        frames += action_frames(rgb, lm, action, count)
    frames += [rgb] * plan[-1]
    return [jitter(f, rng) for f in frames]


def capture_frames(rgb: np.ndarray, actions: tuple[str, ...] | list[str], seed: int = 7) -> list[bytes]:
    """The burst for a challenge as the JPEG files the capture page uploads."""
    return [jpeg(f) for f in capture_arrays(rgb, actions, seed)]


async def seed(session: AsyncSession, today: date | None = None) -> None:
    """Demo citizen 13800000001 (张建国) gets a reference face from grace_hopper (on a recorded paper
    consent) and a check that is due, only when matplotlib (a test extra) is installed."""
    from server.audit.service import SYSTEM
    from server.people.models import Person
    from server.survival import service

    photo = sample_photo()
    if photo is None:
        return
    person = await session.scalar(select(Person).where(Person.name == "张建国"))
    if person is None:
        return
    today = today or clock.today()
    # the reference face is taken on the person's recorded consent (here: a signed paper form)
    await service.record_consent(
        session, SYSTEM, person, rules.ConsentBasis.PAPER, today=today, document="演示：书面同意书 DEMO-0001"
    )
    await service.enrol_reference(session, SYSTEM, person, jpeg(photo), source="demo", today=today)
    schedule = await service.schedule_of(session, person.id)
    schedule.next_due = today  # due now, so the demo shows a reminder and a check to do
    await session.flush()
