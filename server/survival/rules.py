"""The survival-check decision: a pure function over per-frame landmarks, face encodings and the
facts about the challenge's nonce. No web, no database, no dlib: ``vision.py`` turns photos into
the ``Frame`` values read here.

Pass only when every condition is positively met: exactly one face in every frame, the same person
throughout, a match with the reference encoding, each challenged action seen and in order, the
nonce unused and in time, frames that are not a still photo replayed. A condition that clearly
fails gives ``fail`` with its reason; a number close to its threshold, poor light or a frame that
lost the face gives ``review`` (a person decides). Never a silent pass.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from statistics import median

from server.accounts.permissions import P, allows
from server.errors import DomainError, Kind

ACTIONS = ("blink", "turn_left", "turn_right", "open_mouth")
# A pair of two head turns can be played by tilting a printed photo; every challenge therefore
# asks for at least one movement of the face itself (eyes or mouth).
RIGID = {"turn_left", "turn_right"}
CHALLENGE_SECONDS = 120
MIN_FRAMES, MAX_FRAMES = 8, 20
# frames the capture page takes, one every 0.5 s: still, first action, second action, still again
CAPTURE_PLAN = (2, 6, 6, 1)
MAX_SIDE = 640

Point = tuple[float, float]
Landmarks = dict[str, list[Point]]


@dataclass(frozen=True)
class Thresholds:
    tolerance: float = 0.5  # face distance to the reference (face_recognition's scale)
    tolerance_margin: float = 0.06  # above the tolerance by less than this: review
    same_person: float = 0.6  # face distance between two frames of the same capture
    blink_closed: float = 0.6  # EAR at most this share of the open baseline: eyes closed
    blink_borderline: float = 0.78
    blink_open: float = 0.85  # back to at least this share: eyes open again
    turn: float = 0.11  # yaw change from the baseline (share of the face width)
    turn_borderline: float = 0.07
    mouth: float = 0.12  # mouth aspect ratio above the baseline
    mouth_borderline: float = 0.07
    mouth_min: float = 0.28  # and at least this, absolutely
    dark: float = 50.0  # mean brightness of the face (0-255) below this, or
    bright: float = 215.0  # above this, or
    flat: float = 14.0  # contrast below this: poor light
    lost_share: float = 0.2  # more frames than this without a face: fail, fewer: review


@dataclass(frozen=True)
class Frame:
    """What vision saw in one frame: the number of faces, and for the (largest) face its 68
    landmarks (face_recognition's named groups), box, light and, when computed, its encoding."""

    faces: int
    landmarks: Landmarks | None = None
    box: tuple[int, int, int, int] | None = None  # top, right, bottom, left
    brightness: float = 128.0
    contrast: float = 50.0
    encoding: tuple[float, ...] | None = None
    digest: str = ""


@dataclass(frozen=True)
class NonceFacts:
    known: bool = True
    used_before: bool = False
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    received_at: datetime | None = None

    @property
    def expired(self) -> bool:
        return bool(self.expires_at and self.received_at and self.received_at > self.expires_at)


@dataclass
class Decision:
    outcome: str  # an Outcome: pass | fail | review
    reasons: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


# --- geometry -------------------------------------------------------------------------------


def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _mean(points: list[Point]) -> Point:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def eye_aspect_ratio(eye: list[Point]) -> float:
    """(|p2-p6| + |p3-p5|) / 2|p1-p4| over the six points of one eye."""
    width = _dist(eye[0], eye[3]) or 1e-6
    return (_dist(eye[1], eye[5]) + _dist(eye[2], eye[4])) / (2 * width)


def ear(lm: Landmarks) -> float:
    return (eye_aspect_ratio(lm["left_eye"]) + eye_aspect_ratio(lm["right_eye"])) / 2


def mouth_aspect_ratio(lm: Landmarks) -> float:
    """Inner-lip opening over mouth width (points 61-67 against 48-54 of the 68)."""
    top, bottom = lm["top_lip"], lm["bottom_lip"]
    width = _dist(top[0], top[6]) or 1e-6
    opening = (_dist(top[10], bottom[8]) + _dist(top[9], bottom[9]) + _dist(top[8], bottom[10])) / 3
    return opening / width


def yaw(lm: Landmarks) -> float:
    """How far the nose tip sits toward the image's right, as a share of the face: from the jaw
    line and from the eyes, averaged. In an unmirrored camera frame a person turning their head
    to their own left moves the nose to the image's right (positive)."""
    chin, nose = lm["chin"], lm["nose_tip"][2]
    span = (chin[16][0] - chin[0][0]) or 1e-6
    by_jaw = (nose[0] - chin[0][0]) / span - 0.5
    left, right = _mean(lm["left_eye"]), _mean(lm["right_eye"])
    between = (right[0] - left[0]) or 1e-6
    by_eyes = (nose[0] - (left[0] + right[0]) / 2) / between
    return (by_jaw + by_eyes) / 2


def _shape(lm: Landmarks) -> list[Point]:
    """All the points, centred and scaled by the distance between the eyes."""
    points = [p for name in sorted(lm) for p in lm[name]]
    cx, cy = _mean(points)
    scale = _dist(_mean(lm["left_eye"]), _mean(lm["right_eye"])) or 1e-6
    return [((x - cx) / scale, (y - cy) / scale) for x, y in points]


def shape_change(a: Landmarks, b: Landmarks) -> float:
    """Root-mean-square distance between two landmark sets after removing translation, scale and
    rotation (Procrustes), in eye distances: about zero for a photo moved about in front of the
    camera, larger for a face that moves."""
    pa, pb = _shape(a), _shape(b)
    if len(pa) != len(pb) or not pa:
        return 0.0
    # best rotation of b onto a (2-D Procrustes)
    num = sum(xa * yb - ya * xb for (xa, ya), (xb, yb) in zip(pa, pb, strict=True))
    den = sum(xa * xb + ya * yb for (xa, ya), (xb, yb) in zip(pa, pb, strict=True))
    theta = math.atan2(-num, den)
    c, s = math.cos(theta), math.sin(theta)
    sq = sum(
        (xa - (c * xb - s * yb)) ** 2 + (ya - (s * xb + c * yb)) ** 2
        for (xa, ya), (xb, yb) in zip(pa, pb, strict=True)
    )
    return math.sqrt(sq / len(pa))


def face_distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


# --- challenges ------------------------------------------------------------------------------


def pick_actions(rng: random.Random | None = None) -> tuple[str, str]:
    """Two different actions in a random order, at least one of them not a head turn."""
    rng = rng or random.SystemRandom()
    while True:
        pair = tuple(rng.sample(ACTIONS, 2))
        if not set(pair) <= RIGID:
            return pair  # type: ignore[return-value]


def frames_to_encode(
    frames: list[Frame], actions: tuple[str, ...] | list[str] = (), t: Thresholds | None = None
) -> list[int]:
    """Which frames need a face encoding (the slow part): the first and the last with a face, the
    frame where each challenged action is seen (whoever does the actions must be the person), and
    both frames around any jump of the face box (where another person could have stepped in);
    between them the face is followed by its box from frame to frame."""
    with_face = [i for i, f in enumerate(frames) if f.faces >= 1 and f.box]
    if not with_face:
        return []
    chosen = {with_face[0], with_face[-1]}
    for prev, cur in zip(with_face, with_face[1:], strict=False):
        if _box_jump(frames[prev].box, frames[cur].box):  # type: ignore[arg-type]
            chosen |= {prev, cur}
    if actions:
        found = actions_seen(frames, t or Thresholds())
        chosen |= {
            s.first for a in actions if (s := found.get(a)) and s.first is not None and frames[s.first].box
        }
    return sorted(chosen)


def _box_jump(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    wa, wb = a[1] - a[3], b[1] - b[3]
    ca, cb = ((a[1] + a[3]) / 2, (a[0] + a[2]) / 2), ((b[1] + b[3]) / 2, (b[0] + b[2]) / 2)
    return _dist(ca, cb) > 0.5 * max(wa, wb, 1) or not (0.7 < (wb or 1) / (wa or 1) < 1.43)


# --- actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    first: int | None  # index of the first frame where the action is clearly seen
    peak: float  # its strongest signal
    borderline: bool


def _sustained(values: list[float | None]) -> list[float | None]:
    """Each frame's signal held into the next frame too (the smaller of the two): one noisy frame
    is not an action; the capture page asks to hold each action for a moment."""
    return [None if a is None or b is None else min(a, b) for a, b in zip(values, values[1:], strict=False)]


def _blink(ears: list[float | None], t: Thresholds) -> Seen:
    values = [e for e in ears if e is not None]
    if len(values) < 3:
        return Seen(None, 0.0, False)
    base = sorted(values)[int(len(values) * 0.75)]  # eyes are open in most frames
    ratios = [None if e is None else e / base for e in ears]
    closed = _sustained([None if r is None else 1 - r for r in ratios])  # how far shut, held
    best = max([c for c in closed if c is not None] or [0.0])
    for i, c in enumerate(closed):
        if c is None or c < 1 - t.blink_closed:
            continue
        before = any(x is not None and x >= t.blink_open for x in ratios[:i])
        after = any(x is not None and x >= t.blink_open for x in ratios[i + 2 :])
        if before and after:  # dropped from open and recovered
            return Seen(i, best, False)
    # half shut at most: borderline; shut but never open again (or never open before): not a blink
    return Seen(None, best, 1 - t.blink_borderline <= best < 1 - t.blink_closed)


def _signal(values: list[float | None], strong: float, weak: float) -> Seen:
    held = _sustained(values)
    present = [v for v in held if v is not None]
    if not present:
        return Seen(None, 0.0, False)
    peak = max(present)
    first = next((i for i, v in enumerate(held) if v is not None and v >= strong), None)
    return Seen(first, peak, first is None and peak >= weak)


def actions_seen(frames: list[Frame], t: Thresholds) -> dict[str, Seen]:
    lms = [f.landmarks if f.faces >= 1 else None for f in frames]
    ears = [ear(lm) if lm else None for lm in lms]
    yaws = [yaw(lm) if lm else None for lm in lms]
    mars = [mouth_aspect_ratio(lm) if lm else None for lm in lms]
    yaw_base = median([y for y in yaws if y is not None] or [0.0])
    mar_base = median([m for m in mars if m is not None] or [0.0])
    mouth = [
        None if m is None else (m - mar_base if m >= t.mouth_min else min(m - mar_base, t.mouth_borderline))
        for m in mars
    ]
    return {
        "blink": _blink(ears, t),
        "turn_left": _signal([None if y is None else y - yaw_base for y in yaws], t.turn, t.turn_borderline),
        "turn_right": _signal([None if y is None else yaw_base - y for y in yaws], t.turn, t.turn_borderline),
        "open_mouth": _signal(mouth, t.mouth, t.mouth_borderline),
    }


# --- the decision ----------------------------------------------------------------------------


class Outcome(StrEnum):
    """What the machine decides about one capture."""

    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"  # a person decides


@dataclass
class _Findings:
    """What the steps of ``decide`` found: reasons to fail, reasons for a person to look, numbers."""

    fail: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def decide(
    frames: list[Frame],
    actions: tuple[str, ...] | list[str],
    reference: tuple[float, ...] | None,
    nonce: NonceFacts,
    t: Thresholds | None = None,
    *,
    same_staff: bool = False,
) -> Decision:
    """``same_staff``: an assisted check run by the worker who took the reference photo, which
    a second person must confirm however clear the numbers."""
    t = t or Thresholds()
    found = _Findings(metrics={"frames": len(frames)})
    found.fail = unusable_nonce(nonce)
    if found.fail:  # an unusable nonce: the frames are not looked at
        return Decision(Outcome.FAIL, found.fail, found.metrics)
    if not MIN_FRAMES <= len(frames) <= MAX_FRAMES:
        found.fail.append("frames.count")
    if reference is None:
        found.fail.append("reference.missing")
    if not frames:
        return Decision(Outcome.FAIL, found.fail or ["frames.count"], found.metrics)
    seen = [f for f in frames if f.faces >= 1 and f.landmarks]
    signals = actions_seen(frames, t) if len(seen) >= 2 else {}
    _one_face_in_every_frame(frames, t, found)
    _not_a_still_replayed(frames, seen, signals, found)
    _same_person_throughout(frames, seen, reference, t, found)
    _each_action_seen_in_order(actions, signals, found)
    _light_good_enough(frames, t, found)
    if same_staff:
        found.review.append("assisted.same_staff")
    return _verdict(found)


def unusable_nonce(nonce: NonceFacts) -> list[str]:
    """Why the challenge's nonce cannot be used (unknown, used before, late), if it cannot."""
    reasons = []
    if not nonce.known:
        reasons.append("nonce.unknown")
    if nonce.used_before:
        reasons.append("nonce.used")
    if nonce.expired:
        reasons.append("nonce.expired")
    return reasons


def _one_face_in_every_frame(frames: list[Frame], t: Thresholds, found: _Findings) -> None:
    many = sum(1 for f in frames if f.faces > 1)
    lost = sum(1 for f in frames if f.faces == 0 or not f.landmarks)
    found.metrics.update(many_faces=many, no_face=lost)
    if many:
        found.fail.append("face.many")
    if lost > t.lost_share * len(frames):
        found.fail.append("face.none")
    elif lost:
        found.review.append("face.lost")


def _not_a_still_replayed(
    frames: list[Frame], seen: list[Frame], signals: dict[str, Seen], found: _Findings
) -> None:
    """A still photo replayed: identical frames, or a face that never moves at all."""
    digests = [f.digest for f in frames if f.digest]
    if len(digests) >= 2 and len(set(digests)) == 1:
        found.fail.append("replay.still")
    elif signals and all(s.first is None and not s.borderline for s in signals.values()):
        found.fail.append("replay.still")
    if len(seen) >= 2:
        change = max(shape_change(seen[0].landmarks, f.landmarks) for f in seen[1:])  # type: ignore[arg-type]
        found.metrics["shape_change"] = round(change, 4)


def _same_person_throughout(
    frames: list[Frame],
    seen: list[Frame],
    reference: tuple[float, ...] | None,
    t: Thresholds,
    found: _Findings,
) -> None:
    """The same person in every encoded frame, and the reference person."""
    encoded = [f.encoding for f in frames if f.encoding is not None]
    found.metrics["encoded"] = len(encoded)
    if seen and not encoded:
        found.review.append("face.not_encoded")
    if len(encoded) >= 2:
        spread = max(face_distance(a, b) for i, a in enumerate(encoded) for b in encoded[i + 1 :])
        found.metrics["spread"] = round(spread, 4)
        if spread > t.same_person:
            found.fail.append("face.changed")
    if encoded and reference is not None:
        _matches_reference(encoded, reference, t, found)


def _matches_reference(
    encoded: list[tuple[float, ...]], reference: tuple[float, ...], t: Thresholds, found: _Findings
) -> None:
    distances = [face_distance(e, reference) for e in encoded]
    worst, typical = max(distances), median(distances)
    found.metrics.update(distance=round(typical, 4), distance_max=round(worst, 4))
    if typical > t.tolerance + t.tolerance_margin:
        found.fail.append("face.mismatch")
    elif worst > t.tolerance:
        found.review.append("face.borderline")


def _each_action_seen_in_order(
    actions: tuple[str, ...] | list[str], signals: dict[str, Seen], found: _Findings
) -> None:
    """Each challenged action clearly seen (a faint one: review), and in the order asked."""
    order: list[int] = []
    for action in actions:
        s = signals.get(action)
        if s is not None:
            found.metrics[action] = round(s.peak, 4)
        if s is not None and s.first is not None:
            order.append(s.first)
        elif s is not None and s.borderline:
            found.review.append(f"{action}.borderline")
        else:
            found.fail.append(f"{action}.missing")
    if len(order) == len(actions) and order != sorted(order):
        found.fail.append("actions.order")


def _light_good_enough(frames: list[Frame], t: Thresholds, found: _Findings) -> None:
    """Poor light (too dark, too bright or flat) in more than a third of the frames with a face."""
    lit = [f for f in frames if f.faces >= 1]
    poor = sum(1 for f in lit if f.brightness < t.dark or f.brightness > t.bright or f.contrast < t.flat)
    found.metrics["poor_light"] = poor
    if lit and poor > len(lit) / 3:
        found.review.append("light.poor")


def _verdict(found: _Findings) -> Decision:
    """Fail on any clear failure (with the review reasons too), else review, else pass."""
    if found.fail:
        return Decision(Outcome.FAIL, _unique(found.fail + found.review), found.metrics)
    if found.review:
        return Decision(Outcome.REVIEW, _unique(found.review), found.metrics)
    return Decision(Outcome.PASS, [], found.metrics)


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


# --- the workflow ----------------------------------------------------------------------------


class ChallengeState(StrEnum):
    """A challenge's nonce: issued, then spent by the one upload that uses it (or left to expire)."""

    ISSUED = "issued"
    USED = "used"
    EXPIRED = "expired"


def challenge_state(used_at: datetime | None, expires_at: datetime, now: datetime) -> ChallengeState:
    if used_at is not None:
        return ChallengeState.USED
    return ChallengeState.EXPIRED if now > expires_at else ChallengeState.ISSUED


class CheckStatus(StrEnum):
    """A check's status. ``submitted`` is where every capture starts (never stored): the machine's
    outcome moves it on at once; ``review`` waits for a person."""

    SUBMITTED = "submitted"
    PASSED = "passed"
    FAILED = "failed"
    REVIEW = "review"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class CheckAction(StrEnum):
    PASS = "pass"  # the machine's outcomes (Outcome)
    FAIL = "fail"
    REFER = "review"
    CONFIRM = "confirm"  # the reviewer's decisions
    REJECT = "reject"
    REQUEST = "request"  # the recipient asks a person to review a failed check (申请人工复核)


# (status, action) -> (new status, the permission the action takes; None: the capture itself, by
# the recipient or by a worker holding survival.assist, is what moves it)
TRANSITIONS: dict[tuple[CheckStatus, CheckAction], tuple[CheckStatus, P | None]] = {
    (CheckStatus.SUBMITTED, CheckAction.PASS): (CheckStatus.PASSED, None),
    (CheckStatus.SUBMITTED, CheckAction.FAIL): (CheckStatus.FAILED, None),
    (CheckStatus.SUBMITTED, CheckAction.REFER): (CheckStatus.REVIEW, None),
    # a failed check goes to a person once, at the recipient's request: a rejected one is decided
    (CheckStatus.FAILED, CheckAction.REQUEST): (CheckStatus.REVIEW, None),
    (CheckStatus.REVIEW, CheckAction.CONFIRM): (CheckStatus.CONFIRMED, P.SURVIVAL_REVIEW),
    (CheckStatus.REVIEW, CheckAction.REJECT): (CheckStatus.REJECTED, P.SURVIVAL_REVIEW),
}
PASSING = frozenset({CheckStatus.PASSED, CheckStatus.CONFIRMED})  # the schedule moves on
OPEN = frozenset({CheckStatus.SUBMITTED, CheckStatus.REVIEW})  # not closed: frames kept, round held


def move(status: str, action: str) -> tuple[CheckStatus, P | None]:
    """The status ``action`` takes a check in ``status`` to, and the permission it needs; a move
    the table does not have is refused (a check no longer in review cannot be decided again)."""
    step = TRANSITIONS.get((status, action))  # type: ignore[call-overload]
    if step is None:
        reviewing = action in (CheckAction.CONFIRM, CheckAction.REJECT)
        raise DomainError("survival.not_in_review" if reviewing else "survival.transition", Kind.CONFLICT)
    return step


def review_action(verdict: str) -> CheckAction:
    """A reviewer's verdict (the form's button) as an action: confirm or reject."""
    if verdict not in (CheckAction.CONFIRM, CheckAction.REJECT):
        raise DomainError("form.choose", Kind.INVALID, field="verdict")
    return CheckAction(verdict)


def check_review_note(action: CheckAction, note: str, *, requested: bool = False) -> None:
    """Rejecting a check needs a note saying why (the recipient reads it); deciding a check the
    recipient asked a person to review needs the reviewer's opinion either way."""
    if (action == CheckAction.REJECT or requested) and not note.strip():
        raise DomainError("survival.opinion" if requested else "survival.note", Kind.INVALID, field="note")


def may_review(role: str | None, staff_id: int | None, ran_by: int | None) -> bool:
    """Who decides a check in review: staff holding ``survival.review``, never the worker who ran the
    (assisted) check being decided: a second person looks."""
    return allows(role, P.SURVIVAL_REVIEW) and (staff_id is None or staff_id != ran_by)


def review_request_refusal(status: str, frames_kept: bool) -> str | None:
    """Why the recipient cannot ask a person to review this check (None: they can). Only a failed
    check whose frames are still kept: there must be something for the reviewer to look at, and a
    check already in review, confirmed or rejected is not decided again."""
    if status == CheckStatus.REVIEW:
        return "survival.review_requested"
    if status != CheckStatus.FAILED:
        return "survival.review_closed"
    if not frames_kept:
        return "survival.review_no_frames"
    return None


# --- what counts as the period's proof of life ---------------------------------------------------


class Proof(StrEnum):
    """How a period's proof of life was given: a face check the machine passed, one a person
    confirmed on review, or an in-person check a worker recorded (no face)."""

    FACE = "face"
    REVIEWED = "reviewed"
    IN_PERSON = "in_person"


def proof_of(status: str) -> Proof | None:
    """The proof a check in ``status`` gives (None: it proves nothing, the schedule stays)."""
    return {CheckStatus.PASSED: Proof.FACE, CheckStatus.CONFIRMED: Proof.REVIEWED}.get(status)  # type: ignore[call-overload]


class InPersonMethod(StrEnum):
    """An in-person proof of life, without a face: a home visit, at the counter, or a video call made
    by a worker."""

    HOME = "home"  # 上门
    COUNTER = "counter"  # 窗口
    VIDEO = "video"  # 视频（工作人员发起）


IN_PERSON_BACKDATE_DAYS = 30  # an in-person check is recorded within a month of the day it was made


def in_person_refusal(
    method: str, proved_on: date | None, today: date, last_passed_on: date | None, note: str
) -> tuple[str, str] | None:
    """(code, field) for what is wrong with an in-person proof as recorded, or None."""
    if method not in tuple(InPersonMethod):
        return "form.choose", "method"
    if proved_on is None:
        return "survival.proved_on", "proved_on"
    if proved_on > today:
        return "survival.proved_on_future", "proved_on"
    if proved_on < today - timedelta(days=IN_PERSON_BACKDATE_DAYS):
        return "survival.proved_on_old", "proved_on"
    if last_passed_on is not None and proved_on < last_passed_on:
        return "survival.proved_on_before", "proved_on"
    if not note.strip():
        return "survival.in_person_note", "note"
    return None


# --- consent to a reference face -------------------------------------------------------------


class ConsentBasis(StrEnum):
    """What a reference face is taken on: the person's own consent in the app, a signed paper
    consent a worker records, a documented legal basis, or a guardian's consent (required under
    14)."""

    CITIZEN = "citizen"
    PAPER = "paper"
    LEGAL = "legal"
    GUARDIAN = "guardian"


# the notice the person was shown (what is kept, why, how long, the way without a face); a new
# wording gets a new version, stored with each consent
FACE_NOTICE_VERSION = "face-2026-12"
GUARDIAN_UNDER = 14  # under this age only a guardian consents (PIPL art. 31)


def age_on(birth: date, day: date) -> int:
    """Whole years on ``day`` of a person born on ``birth`` (the date in the ID number)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def consent_refusal(
    basis: str, age: int, *, guardian: str = "", document: str = ""
) -> tuple[str, str] | None:
    """(code, field) for why this consent cannot be recorded, or None. Under 14 only a guardian's;
    a guardian's names the guardian; paper, legal and guardian consents name their document (the
    signed form, or the legal basis relied on)."""
    if basis not in tuple(ConsentBasis):
        return "form.choose", "basis"
    if age < GUARDIAN_UNDER and basis != ConsentBasis.GUARDIAN:
        return "survival.consent_guardian", "basis"
    if basis == ConsentBasis.GUARDIAN and not guardian.strip():
        return "survival.consent_guardian_name", "guardian"
    if basis != ConsentBasis.CITIZEN and not document.strip():
        return "survival.consent_document", "document"
    return None


def enrol_refusal(basis: str | None, age: int) -> str | None:
    """Why a reference face cannot be taken for a person whose standing consent has ``basis``
    (None: no consent, or it was withdrawn), or None."""
    if basis is None:
        return "survival.consent_missing"
    if age < GUARDIAN_UNDER and basis != ConsentBasis.GUARDIAN:
        return "survival.consent_guardian"
    return None


# --- schedule --------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


class ScheduleState(StrEnum):
    """Where a recipient stands: ``none`` (current, nothing due), ``due`` (within the reminder
    window), ``overdue`` (past the due date, within the grace period) or ``lapsed`` (past the grace
    period: the round suspends the benefit, ``Schedule.suspended_on``)."""

    NONE = "none"
    DUE = "due"
    OVERDUE = "overdue"
    LAPSED = "lapsed"


# As days pass a recipient only moves forward along this; a passed (or confirmed) check sets the
# next due date an interval later, back to ``none`` from anywhere (and resumes what was suspended).
SCHEDULE_FLOW: dict[ScheduleState, set[ScheduleState]] = {
    ScheduleState.NONE: {ScheduleState.DUE},
    ScheduleState.DUE: {ScheduleState.OVERDUE, ScheduleState.LAPSED},  # lapsed at once: no grace days
    ScheduleState.OVERDUE: {ScheduleState.LAPSED},
    ScheduleState.LAPSED: set(),
}


def schedule_state(
    next_due: date | None, today: date, grace_days: int, remind_days: int = 14
) -> ScheduleState:
    if next_due is None:
        return ScheduleState.NONE
    if today > next_due + timedelta(days=grace_days):
        return ScheduleState.LAPSED
    if today > next_due:
        return ScheduleState.OVERDUE
    if today >= next_due - timedelta(days=remind_days):
        return ScheduleState.DUE
    return ScheduleState.NONE
