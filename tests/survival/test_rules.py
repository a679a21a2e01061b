"""The survival-check decision on landmark sequences: every action seen and in order, borderline
numbers to review, still replays, nonce facts, identity, the schedule dates. Pure: no dlib."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from server.survival import rules
from server.survival.rules import Frame, NonceFacts, decide

REF = tuple([0.1] * 128)
SAME = tuple([0.1] * 127 + [0.3])  # distance 0.2 from REF
OTHER = tuple([0.16] * 128)  # distance 0.68


def face(ear=0.3, yaw=0.0, mar=0.05, dx=0.0, dy=0.0, scale=1.0, wobble=0.0) -> dict:
    """68 landmarks in face_recognition's groups, with a given eye aspect ratio, yaw and mouth
    aspect ratio, moved and scaled in the frame (``wobble`` bends the jaw a little, as a live face does)."""
    h = ear * 10
    nx = 50 + yaw / 0.0175
    o = mar * 30

    def eye(cx, cy):
        return [
            (cx - 10, cy),
            (cx - 4, cy - h),
            (cx + 4, cy - h),
            (cx + 10, cy),
            (cx + 4, cy + h),
            (cx - 4, cy + h),
        ]

    lm = {
        "chin": [
            (i * 100 / 16, 60 + 35 * (1 - ((i - 8) / 8) ** 2) + (wobble if i % 2 else 0)) for i in range(17)
        ],
        "left_eyebrow": [(22 + 4 * i, 30) for i in range(5)],
        "right_eyebrow": [(62 + 4 * i, 30) for i in range(5)],
        "nose_bridge": [(50 + (nx - 50) * i / 4, 42 + 4 * i) for i in range(4)],
        "nose_tip": [(nx - 6 + 3 * i, 60) for i in range(5)],
        "left_eye": eye(30, 40),
        "right_eye": eye(70, 40),
        "top_lip": [(35 + 5 * i, 78) for i in range(7)]
        + [(60, 80 - o / 2), (55, 80 - o / 2), (50, 80 - o / 2), (45, 80 - o / 2), (40, 80)],
        "bottom_lip": [(65 - 5 * i, 84) for i in range(7)]
        + [(40, 80), (45, 80 + o / 2), (50, 80 + o / 2), (55, 80 + o / 2), (60, 80)],
    }
    return {k: [(dx + x * scale, dy + y * scale) for x, y in v] for k, v in lm.items()}


def frame(n: int = 0, encoding=None, faces: int = 1, light: float = 128.0, **kw) -> Frame:
    return Frame(
        faces=faces,
        landmarks=face(wobble=(n % 3) * 0.4, dx=n, **kw) if faces else None,
        box=(0, 100 + n, 100, n),
        brightness=light,
        encoding=encoding,
        digest=f"d{n}",
    )


NEUTRAL: dict = {}
POSES = {
    "blink": [dict(ear=0.3), dict(ear=0.08), dict(ear=0.07), dict(ear=0.08), dict(ear=0.07), dict(ear=0.3)],
    "turn_left": [dict(yaw=0.05), dict(yaw=0.25), dict(yaw=0.3), dict(yaw=0.28), dict(yaw=0.1), {}],
    "turn_right": [dict(yaw=-0.05), dict(yaw=-0.25), dict(yaw=-0.3), dict(yaw=-0.28), dict(yaw=-0.1), {}],
    "open_mouth": [dict(mar=0.2), dict(mar=0.5), dict(mar=0.55), dict(mar=0.5), dict(mar=0.1), {}],
}


def sequence(actions, encoding=SAME, poses=POSES, light=128.0) -> list[Frame]:
    kws = [NEUTRAL, NEUTRAL] + [p for a in actions for p in poses[a]] + [NEUTRAL]
    frames = [frame(i, light=light, **kw) for i, kw in enumerate(kws)]
    return [
        Frame(**{**f.__dict__, "encoding": encoding}) if i in (0, 7, len(frames) - 1) else f
        for i, f in enumerate(frames)
    ]


PAIRS = [
    p for p in [(a, b) for a in rules.ACTIONS for b in rules.ACTIONS if a != b] if not set(p) <= rules.RIGID
]


def test_geometry_measures_what_it_names():
    assert rules.ear(face(ear=0.3)) == pytest.approx(0.3)
    assert rules.mouth_aspect_ratio(face(mar=0.4)) == pytest.approx(0.4)
    assert rules.yaw(face(yaw=0.2)) == pytest.approx(0.2)
    # moving and scaling the face changes none of them, nor its shape
    moved = face(ear=0.3, yaw=0.2, mar=0.4, dx=40, dy=-7, scale=1.7)
    assert rules.ear(moved) == pytest.approx(0.3) and rules.yaw(moved) == pytest.approx(0.2)
    assert rules.shape_change(face(), face(dx=30, scale=2.5)) == pytest.approx(0, abs=1e-9)
    assert rules.shape_change(face(), face(ear=0.05)) > 0.01


@pytest.mark.parametrize("actions", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_every_action_pair_passes_in_order_and_fails_reversed(actions):
    frames = sequence(actions)
    assert decide(frames, actions, REF, NonceFacts()).outcome == "pass"
    reversed_ = decide(frames, actions[::-1], REF, NonceFacts())
    assert reversed_.outcome == "fail" and "actions.order" in reversed_.reasons


@pytest.mark.parametrize("action", rules.ACTIONS)
def test_an_action_not_done_fails_and_a_faint_one_goes_to_review(action):
    other = "blink" if action != "blink" else "open_mouth"
    missing = decide(sequence([other, other]), (other, action), REF, NonceFacts())
    assert missing.outcome == "fail" and f"{action}.missing" in missing.reasons
    faint = {
        "blink": [dict(ear=0.3), dict(ear=0.21), dict(ear=0.21), dict(ear=0.21), dict(ear=0.3), {}],
        "turn_left": [{}, dict(yaw=0.09), dict(yaw=0.09), dict(yaw=0.09), {}, {}],
        "turn_right": [{}, dict(yaw=-0.09), dict(yaw=-0.09), dict(yaw=-0.09), {}, {}],
        "open_mouth": [{}, dict(mar=0.2), dict(mar=0.2), dict(mar=0.2), {}, {}],
    }
    result = decide(
        sequence([other, action], poses={**POSES, action: faint[action]}), (other, action), REF, NonceFacts()
    )
    assert result.outcome == "review" and result.reasons == [f"{action}.borderline"], result


def test_blink_must_recover_and_one_noisy_frame_is_not_an_action():
    never_open_again = [
        dict(ear=0.3),
        dict(ear=0.07),
        dict(ear=0.07),
        dict(ear=0.07),
        dict(ear=0.07),
        dict(ear=0.07),
    ]
    frames = sequence(["open_mouth", "blink"], poses={**POSES, "blink": never_open_again})[:-1]
    frames = frames + [frame(20, ear=0.07, encoding=SAME)]
    assert "blink.missing" in decide(frames, ("open_mouth", "blink"), REF, NonceFacts()).reasons
    single = [dict(ear=0.3), dict(ear=0.05), dict(ear=0.3), dict(ear=0.3), dict(ear=0.3), {}]
    result = decide(
        sequence(["open_mouth", "blink"], poses={**POSES, "blink": single}),
        ("open_mouth", "blink"),
        REF,
        NonceFacts(),
    )
    assert result.outcome != "pass"


def test_a_still_photo_replayed_fails():
    still = [
        Frame(
            faces=1,
            landmarks=face(dx=i * 3, scale=1 + i / 50),
            box=(0, 100, 100, 0),
            encoding=SAME,
            digest=f"x{i}",
        )
        for i in range(15)
    ]
    result = decide(still, ("blink", "turn_left"), REF, NonceFacts())
    assert result.outcome == "fail" and "replay.still" in result.reasons
    same_bytes = [Frame(**{**f.__dict__, "digest": "same"}) for f in sequence(["blink", "turn_left"])]
    assert "replay.still" in decide(same_bytes, ("blink", "turn_left"), REF, NonceFacts()).reasons


def test_nonce_used_or_late_fails_without_looking_at_the_frames():
    frames = sequence(["blink", "open_mouth"])
    now = datetime(2026, 5, 1, 10)
    used = decide(frames, ("blink", "open_mouth"), REF, NonceFacts(used_before=True))
    assert used.outcome == "fail" and used.reasons == ["nonce.used"]
    late = NonceFacts(
        issued_at=now, expires_at=now + timedelta(seconds=120), received_at=now + timedelta(seconds=121)
    )
    assert decide(frames, ("blink", "open_mouth"), REF, late).reasons == ["nonce.expired"]
    in_time = NonceFacts(
        issued_at=now, expires_at=now + timedelta(seconds=120), received_at=now + timedelta(seconds=119)
    )
    assert decide(frames, ("blink", "open_mouth"), REF, in_time).outcome == "pass"


def test_identity_another_person_a_change_of_person_and_borderline_distance():
    actions = ("blink", "open_mouth")
    other = decide(sequence(actions, encoding=OTHER), actions, REF, NonceFacts())
    assert other.outcome == "fail" and "face.mismatch" in other.reasons
    frames = sequence(actions)
    swapped = [
        Frame(**{**f.__dict__, "encoding": OTHER}) if i == len(frames) - 1 else f
        for i, f in enumerate(frames)
    ]
    assert "face.changed" in decide(swapped, actions, REF, NonceFacts()).reasons
    near = tuple([0.1] * 127 + [0.63])  # distance 0.53: above 0.5, within the margin
    borderline = decide(sequence(actions, encoding=near), actions, REF, NonceFacts())
    assert borderline.outcome == "review" and borderline.reasons == ["face.borderline"]
    # the tolerance is configurable
    assert (
        decide(
            sequence(actions, encoding=near), actions, REF, NonceFacts(), rules.Thresholds(tolerance=0.55)
        ).outcome
        == "pass"
    )
    assert decide(frames, actions, None, NonceFacts()).outcome == "fail"


def test_faces_counted_in_every_frame_and_poor_light_goes_to_review():
    actions = ("blink", "open_mouth")
    frames = sequence(actions)
    two = [Frame(**{**f.__dict__, "faces": 2}) if i == 3 else f for i, f in enumerate(frames)]
    assert "face.many" in decide(two, actions, REF, NonceFacts()).reasons
    one_lost = [Frame(faces=0, digest="lost") if i == 1 else f for i, f in enumerate(frames)]
    lost = decide(one_lost, actions, REF, NonceFacts())
    assert lost.outcome == "review" and "face.lost" in lost.reasons
    many_lost = [Frame(faces=0, digest=f"l{i}") if i % 2 else f for i, f in enumerate(frames)]
    assert "face.none" in decide(many_lost, actions, REF, NonceFacts()).reasons
    dark = decide(sequence(actions, light=30), actions, REF, NonceFacts())
    assert dark.outcome == "review" and dark.reasons == ["light.poor"]
    assert decide(frames[:5], actions, REF, NonceFacts()).reasons[0] == "frames.count"


def test_challenges_always_include_a_movement_of_the_face_itself():
    rng = random.Random(1)
    seen = {rules.pick_actions(rng) for _ in range(500)}
    assert len(seen) == len(PAIRS)
    assert all(len(set(p)) == 2 and not set(p) <= rules.RIGID for p in seen)


def test_frames_to_encode_are_few_and_include_both_sides_of_a_jump():
    frames = sequence(["blink", "open_mouth"])
    assert rules.frames_to_encode(frames) == [0, 14]
    jumped = [
        Frame(**{**f.__dict__, "box": (0, 400, 100, 300)}) if i >= 10 else f for i, f in enumerate(frames)
    ]
    assert {9, 10} <= set(rules.frames_to_encode(jumped))


def test_an_assisted_check_by_the_worker_who_took_the_reference_goes_to_review():
    frames = sequence(["blink", "open_mouth"])
    assert decide(frames, ["blink", "open_mouth"], REF, NonceFacts()).outcome == "pass"
    judged = decide(frames, ["blink", "open_mouth"], REF, NonceFacts(), same_staff=True)
    assert (judged.outcome, judged.reasons) == ("review", ["assisted.same_staff"])


def test_the_frames_of_the_challenged_actions_are_encoded_too():
    frames = sequence(["blink", "open_mouth"])  # blink shut at 3-6, mouth open at 9-10
    chosen = rules.frames_to_encode(frames, ["blink", "open_mouth"])
    assert chosen[0] == 0 and chosen[-1] == 14 and len(chosen) == 4
    assert 3 <= chosen[1] <= 6 and 8 <= chosen[2] <= 11
    # another person's face on the action frames (the box unchanged) is not a pass
    other = [
        Frame(**{**f.__dict__, "encoding": OTHER if i in chosen[1:3] else SAME}) if i in chosen else f
        for i, f in enumerate(frames)
    ]
    assert decide(other, ["blink", "open_mouth"], REF, NonceFacts()).outcome == "fail"


def test_schedule_dates():
    assert rules.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.add_months(date(2028, 11, 30), 3) == date(2029, 2, 28)
    assert rules.add_months(date(2027, 11, 29), 3) == date(2028, 2, 29)
    due = date(2026, 6, 1)
    assert rules.schedule_state(due, date(2026, 5, 1), 30) == "none"
    assert rules.schedule_state(due, date(2026, 5, 25), 30) == "due"
    assert rules.schedule_state(due, date(2026, 6, 2), 30) == "overdue"
    assert rules.schedule_state(due, date(2026, 7, 1), 30) == "overdue"
    assert rules.schedule_state(due, date(2026, 7, 2), 30) == "lapsed"
