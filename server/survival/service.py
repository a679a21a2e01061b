"""Survival checks in the database: reference faces, schedules, challenges, checks and their
review, and the scheduled round (reminders, overdue notices, suspension after the grace period,
deleting old frames)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from PIL import Image
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import crypto
from server.accounts import rules as identity_rules
from server.assistance import proposals_service as proposals
from server.assistance.documents_service import read_document
from server.assistance.models import Document
from server.audit.service import SYSTEM, Actor, record, record_view
from server.db import utcnow
from server.errors import DomainError, Kind
from server.images import clean_photo
from server.notifications.service import notify
from server.people.enrolments import change_status
from server.people.models import Enrolment, HouseholdMember, Person, StatusProposal
from server.people.rules import Action, Origin
from server.people.rules import Status as ProposalStatus
from server.settings import Settings
from server.survival import rules, vision
from server.survival.models import (
    Challenge,
    Check,
    CheckFrame,
    FaceConsent,
    InPersonProof,
    Reference,
    ReviewRequest,
    Schedule,
)
from server.survival.queries import (
    FACE_PURPOSE,
    citizen_of_person,
    frame_key,
    frames_kept,
    reference_encoding,
    reference_of,
    reference_photo,
    review_request_of,
    schedule_of,
    standing_consent,
)

CHALLENGES_PER_HOUR = 20
LAPSE_SOURCE = "survival.overdue"  # a lapse's proposal: survival.overdue:<person>:<due date>


class SurvivalError(DomainError):
    pass


@dataclass(frozen=True)
class Policy:
    interval_months: int = 3  # a check falls due this often
    tolerance: float = 0.5  # face distance to the reference
    grace_days: int = 30  # after the due date, before the benefit is suspended
    retention_days: int = 30  # frames kept after the check closes
    remind_days: int = 14  # reminders start this many days before the due date

    @property
    def thresholds(self) -> rules.Thresholds:
        return rules.Thresholds(tolerance=self.tolerance)


def load_policy(env: dict[str, str] | None = None) -> Policy:
    """The policy from ``HUIMIN_SURVIVAL_*`` environment variables, else the defaults."""
    env = dict(os.environ if env is None else env)

    def get(name: str, kind, default):
        raw = env.get(f"HUIMIN_SURVIVAL_{name}")
        try:
            return kind(raw) if raw else default
        except ValueError:
            return default

    d = Policy()
    return Policy(
        get("INTERVAL_MONTHS", int, d.interval_months),
        get("TOLERANCE", float, d.tolerance),
        get("GRACE_DAYS", int, d.grace_days),
        get("RETENTION_DAYS", int, d.retention_days),
        get("REMIND_DAYS", int, d.remind_days),
    )


def _sealed(data: bytes, table: str, column: str, row_key: object) -> bytes:
    """A face, encoding or frame sealed under the newest data key, bound to its row."""
    return crypto.current().seal(FACE_PURPOSE, data, crypto.aad(table, column, row_key))


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


# --- enrolment -------------------------------------------------------------------------------


async def enrol_reference(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    raw: bytes,
    *,
    source: str,
    today: date,
    policy: Policy | None = None,
) -> Reference:
    """Keep the photo (cleaned) and its face encoding; start the schedule. Refused (SurvivalError)
    without a standing consent for the person (under 14: a guardian's), and (ImageRefused or
    SurvivalError) when the photo has no single clear face."""
    policy = policy or load_policy()
    consent = await standing_consent(session, person.id)
    refusal = rules.enrol_refusal(consent.basis if consent else None, rules.age_on(person.birth_date, today))
    if refusal:
        raise SurvivalError(refusal, Kind.CONFLICT)
    cleaned = clean_photo(raw)
    try:
        encoding, _ = await asyncio.to_thread(vision.reference_from_photo, cleaned.data)
    except vision.VisionError as e:
        raise SurvivalError(e.code, Kind.INVALID) from None
    reference = await reference_of(session, person.id)
    replaced = reference is not None
    if reference is None:
        reference = Reference(person_id=person.id)
        session.add(reference)
    reference.region_code = person.region_code
    reference.encoding = _sealed(vision.pack(encoding), "survival_references", "encoding", person.id)
    reference.photo = _sealed(cleaned.data, "survival_references", "photo", person.id)
    reference.source, reference.created_at = source, utcnow()
    reference.created_by = int(actor.id) if actor.kind == "staff" and actor.id else None
    schedule = await schedule_of(session, person.id)
    if schedule is None:
        schedule = Schedule(
            person_id=person.id,
            region_code=person.region_code,
            interval_months=policy.interval_months,
            next_due=rules.add_months(today, policy.interval_months),
            active=True,
        )
        session.add(schedule)
    schedule.active = True
    await session.flush()
    await record(
        session,
        actor,
        "survival.reference",
        "person",
        person.id,
        region_code=person.region_code,
        after={
            "source": source,
            "replaced": replaced,
            "sha256": cleaned.sha256,
            "next_due": schedule.next_due.isoformat(),
            "consent": consent.id if consent else None,
            "basis": consent.basis if consent else None,
        },
    )
    return reference


async def enrol_from_document(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    document: Document,
    settings: Settings,
    *,
    today: date,
    policy: Policy | None = None,
) -> Reference:
    """A photo the recipient uploaded with their application becomes the reference face: only when
    a worker chooses it and the person's consent to a reference face is recorded (never on its own)."""
    raw = read_document(settings, document.stored_name)
    return await enrol_reference(
        session, actor, person, raw, source="application", today=today, policy=policy
    )


# --- challenge and check ---------------------------------------------------------------------


async def issue_challenge(
    session: AsyncSession,
    person: Person,
    *,
    citizen_id: int | None = None,
    staff_id: int | None = None,
    now: datetime | None = None,
    purpose: str = "survival",
) -> tuple[str, Challenge]:
    """``purpose`` "binding": a face match for an account's identity claim. Those are counted per
    account, apart from the person's own survival challenges, so that someone claiming another's
    number cannot use up the real person's challenges."""
    if person.deceased_on is not None:
        raise SurvivalError("survival.deceased", Kind.CONFLICT)
    if await reference_of(session, person.id) is None:
        raise SurvivalError("survival.no_reference", Kind.CONFLICT)
    now = now or utcnow()
    hour = Challenge.issued_at > now - timedelta(hours=1)
    if purpose == "binding":
        recent = await session.scalar(
            select(func.count()).where(
                Challenge.citizen_id == citizen_id, Challenge.purpose == "binding", hour
            )
        )
        limit = identity_rules.BINDING_CHALLENGES_PER_HOUR
    else:
        recent = await session.scalar(
            select(func.count()).where(
                Challenge.person_id == person.id, Challenge.purpose == "survival", hour
            )
        )
        limit = CHALLENGES_PER_HOUR
    if recent >= limit:
        raise SurvivalError("error.too_many", Kind.TOO_MANY)
    nonce = secrets.token_urlsafe(24)
    challenge = Challenge(
        nonce_hash=_hash(nonce),
        person_id=person.id,
        citizen_id=citizen_id,
        staff_id=staff_id,
        actions=list(rules.pick_actions()),
        issued_at=now,
        purpose=purpose,
        expires_at=now + timedelta(seconds=rules.CHALLENGE_SECONDS),
    )
    session.add(challenge)
    await session.flush()
    return nonce, challenge


def _jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=85)  # re-encoded: no metadata kept
    return out.getvalue()


async def submit(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    nonce: str,
    raw_frames: list[bytes],
    *,
    citizen_id: int | None = None,
    staff_id: int | None = None,
    today: date,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Check:
    """Decide one capture and record it. An unknown nonce (or another person's) is refused; a used
    or late one gives a failed check; otherwise the frames are analysed and decided."""
    policy = policy or load_policy()
    now = now or utcnow()
    challenge = await _challenge_for(session, person, nonce, citizen_id, staff_id, "survival")
    reference = await reference_of(session, person.id)
    # an assisted check by the worker who took the reference photo is never passed by the
    # machine alone: a second person looks (a worker could otherwise enrol and certify anyone)
    same_staff = bool(staff_id and reference and reference.created_by == staff_id)
    decision, images = await _decide(session, challenge, reference, raw_frames, policy, now, same_staff)
    status, _ = rules.move(rules.CheckStatus.SUBMITTED, decision.outcome)
    check = Check(
        person_id=person.id,
        region_code=person.region_code,
        challenge_id=challenge.id,
        actions=list(challenge.actions),
        assisted=staff_id is not None,
        staff_id=staff_id,
        citizen_id=citizen_id or challenge.citizen_id,
        created_at=now,
        decision=decision.outcome,
        reasons=decision.reasons,
        metrics=decision.metrics,
        status=status,
        frame_count=len(images),
        reference_sha256=hashlib.sha256(reference_photo(reference)).hexdigest() if reference else None,
        closed_at=None if status in rules.OPEN else now,
    )
    session.add(check)
    await session.flush()
    for n, rgb in enumerate(images):
        data = _sealed(await asyncio.to_thread(_jpeg, rgb), "survival_frames", "data", frame_key(check.id, n))
        session.add(CheckFrame(check_id=check.id, n=n, data=data))
    await record(
        session,
        actor,
        "survival.check",
        "survival_check",
        check.id,
        region_code=person.region_code,
        after={
            "decision": decision.outcome,
            "reasons": decision.reasons,
            "assisted": check.assisted,
            "actions": check.actions,
        },
    )
    if status in rules.PASSING:
        await _passed(session, actor, person, today)
    await _tell(session, person, check, today)
    await session.flush()
    return check


async def _challenge_for(
    session: AsyncSession,
    person: Person,
    nonce: str,
    citizen_id: int | None,
    staff_id: int | None,
    purpose: str,
) -> Challenge:
    """The challenge of ``nonce``, refused unless it was issued to this caller, for this person and
    for this purpose (a binding challenge never makes a survival check, nor the other way)."""
    challenge = await session.scalar(select(Challenge).where(Challenge.nonce_hash == _hash(nonce or "")))
    if (
        challenge is None
        or challenge.person_id != person.id
        or challenge.purpose != purpose
        or (citizen_id is not None and challenge.citizen_id != citizen_id)
        or (staff_id is not None and challenge.staff_id != staff_id)
    ):
        raise SurvivalError("survival.nonce", Kind.INVALID)
    if person.deceased_on is not None:
        raise SurvivalError("survival.deceased", Kind.CONFLICT)
    return challenge


async def _decide(
    session: AsyncSession,
    challenge: Challenge,
    reference: Reference | None,
    raw_frames: list[bytes],
    policy: Policy,
    now: datetime,
    same_staff: bool,
) -> tuple[rules.Decision, list[np.ndarray]]:
    """Analyse the frames and decide (``rules.decide``); the nonce is spent either way."""
    facts = rules.NonceFacts(
        known=True,
        used_before=challenge.used_at is not None,
        issued_at=challenge.issued_at,
        expires_at=challenge.expires_at,
        received_at=now,
    )
    frames: list[rules.Frame] = []
    images: list[np.ndarray] = []
    decision: rules.Decision | None = None
    if (
        not facts.used_before
        and not facts.expired
        and rules.MIN_FRAMES <= len(raw_frames) <= rules.MAX_FRAMES
    ):
        try:
            frames, images = await asyncio.to_thread(
                vision.analyse_frames, raw_frames, challenge.actions, policy.thresholds
            )
        except vision.VisionError as e:
            reason = "frames.too_large" if e.code == "survival.frame_too_large" else "frames.unreadable"
            decision = rules.Decision("fail", [reason], {"frames": len(raw_frames)})
    if decision is None:
        # the nonce is spent now, atomically: a second upload racing this one finds it used
        taken = await session.execute(
            update(Challenge)
            .where(Challenge.id == challenge.id, Challenge.used_at.is_(None))
            .values(used_at=now)
        )
        if taken.rowcount != 1 and not facts.used_before:
            facts = rules.NonceFacts(True, True, facts.issued_at, facts.expires_at, now)
        ref = vision.unpack(reference_encoding(reference)) if reference else None
        decision = rules.decide(
            frames if frames else [rules.Frame(faces=0)] * len(raw_frames),
            challenge.actions,
            ref,
            facts,
            policy.thresholds,
            same_staff=same_staff,
        )
    else:
        await session.execute(
            update(Challenge)
            .where(Challenge.id == challenge.id, Challenge.used_at.is_(None))
            .values(used_at=now)
        )
    return decision, images


async def match_face(
    session: AsyncSession,
    person: Person,
    nonce: str,
    raw_frames: list[bytes],
    *,
    citizen_id: int,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> rules.Decision:
    """The survival pipeline's decision on a binding capture (challenge of purpose "binding" issued
    to ``citizen_id``): the same liveness and reference match, but no survival check is recorded,
    no frame is kept and the schedule is not touched. The caller acts on the outcome."""
    policy = policy or load_policy()
    now = now or utcnow()
    challenge = await _challenge_for(session, person, nonce, citizen_id, None, "binding")
    reference = await reference_of(session, person.id)
    decision, _ = await _decide(session, challenge, reference, raw_frames, policy, now, False)
    return decision


async def _passed(session: AsyncSession, actor: Actor, person: Person, today: date) -> None:
    """A passed (or confirmed) check: the next one falls due an interval later, and a benefit the
    survival round suspended is resumed through the enrolment workflow, unless its last change
    was made for another reason or another member of the household is still lapsed."""
    schedule = await schedule_of(session, person.id)
    if schedule is None:
        return
    schedule.last_passed_on = today
    schedule.next_due = rules.add_months(today, schedule.interval_months)
    schedule.reminded_on = schedule.overdue_notified_on = None
    if schedule.suspended_on:
        held = await _held_by_others(session, person.id)
        for enrolment_id in schedule.suspended_enrolments or []:
            enrolment = await session.get(Enrolment, enrolment_id)
            if (
                enrolment is not None
                and enrolment.status == "suspended"
                and (enrolment.status_source or "").startswith(LAPSE_SOURCE)
                and enrolment.household_id not in held
            ):
                await change_status(
                    session, actor, enrolment, "active", "生存认证已通过，恢复发放", source="survival.passed"
                )
        await proposals.withdraw_lapses(session, schedule.suspended_enrolments or [], "生存认证已通过")
        schedule.suspended_on, schedule.suspended_enrolments = None, None


async def _lapse_decided(session: AsyncSession, enrolment_id: int, source: str) -> bool:
    """This lapse is already proposed, or the street reviewer lifted it."""
    return bool(
        await session.scalar(
            select(StatusProposal.id)
            .where(
                StatusProposal.enrolment_id == enrolment_id,
                StatusProposal.source == source,
                StatusProposal.status.in_((ProposalStatus.PROPOSED, ProposalStatus.REJECTED)),
            )
            .limit(1)
        )
    )


async def _held_by_others(session: AsyncSession, person_id: int) -> set[int]:
    """Households in which another living member's survival check is still lapsed."""
    other = HouseholdMember.__table__.alias("other")
    rows = await session.scalars(
        select(HouseholdMember.household_id)
        .join(other, other.c.household_id == HouseholdMember.household_id)
        .join(Schedule, Schedule.person_id == other.c.person_id)
        .join(Person, Person.id == other.c.person_id)
        .where(
            HouseholdMember.person_id == person_id,
            other.c.person_id != person_id,
            Person.deceased_on.is_(None),
            Schedule.active.is_(True),
            Schedule.suspended_on.is_not(None),
        )
    )
    return set(rows)


async def _tell(session: AsyncSession, person: Person, check: Check, today: date) -> None:
    citizen_id = check.citizen_id or await citizen_of_person(session, person)
    url = f"/survival/checks/{check.id}"
    if check.status in rules.PASSING:
        schedule = await schedule_of(session, person.id)
        due = f"下次认证日期：{schedule.next_due.isoformat()}。" if schedule else ""
        how = "经工作人员人工复核，" if check.status == rules.CheckStatus.CONFIRMED else ""
        await notify(session, citizen_id, "生存认证已通过", f"{how}{person.name}的生存认证已通过。{due}", url)
    elif check.status == rules.CheckStatus.REJECTED:
        await notify(
            session,
            citizen_id,
            "生存认证未通过",
            f"工作人员复核后认为未通过：{check.review_note or ''}。"
            "请重新认证，或请社区工作人员上门、到窗口认证。",
            url,
        )
    elif check.status == rules.CheckStatus.REVIEW:
        await notify(
            session, citizen_id, "生存认证待人工审核", "您的认证照片已提交，工作人员会尽快审核。", url
        )
    else:
        await notify(
            session,
            citizen_id,
            "生存认证未通过",
            "请按提示重新认证；认为结果有误的，可以在认证结果页申请人工复核；"
            "也可以请社区工作人员上门或到窗口认证。",
            url,
        )


async def review(
    session: AsyncSession, actor: Actor, check: Check, *, action: str, note: str, today: date
) -> Check:
    """A reviewer confirms or rejects a check waiting for review (``rules.TRANSITIONS``): staff
    holding ``survival.review``, not the worker who ran the check (``rules.may_review``). A check the
    recipient asked a person to review is decided with an opinion either way; a confirmed one counts
    as the period's proof exactly as an automatic pass."""
    before = check.status
    status, permission = rules.move(before, action)
    staff_id = int(actor.id) if actor.kind == "staff" and actor.id else None
    if permission is not None and not rules.may_review(actor.role, staff_id, check.staff_id):
        raise SurvivalError("error.forbidden", Kind.FORBIDDEN)
    request = await review_request_of(session, check.id)
    rules.check_review_note(rules.CheckAction(action), note, requested=request is not None)
    check.status = status
    check.reviewed_by = staff_id
    check.reviewed_at = check.closed_at = utcnow()
    check.review_note = note.strip() or None
    await record(
        session,
        actor,
        f"survival.{check.status}",
        "survival_check",
        check.id,
        region_code=check.region_code,
        before={"status": before},
        after={"status": check.status, "requested": request is not None},
        opinion=note.strip() or None,
    )
    person = await session.get(Person, check.person_id)
    if status in rules.PASSING and person is not None:
        await _passed(session, actor, person, today)
    if person is not None:
        await _tell(session, person, check, today)
    await session.flush()
    return check


async def view_faces(session: AsyncSession, actor: Actor, check: Check) -> None:
    """A reviewer is shown a check's frames beside the reference face: a view of faces, audited
    (``view.face``) and listed on the person's "who looked at my data"."""
    if frames_kept(check):
        await record_view(
            session,
            actor,
            "face",
            "survival_check",
            check.id,
            [check.person_id],
            region_code=check.region_code,
        )


async def view_reference(session: AsyncSession, actor: Actor, person: Person) -> None:
    """A worker is shown a person's reference face: audited as a view of faces."""
    await record_view(
        session, actor, "face", "survival_reference", person.id, [person.id], region_code=person.region_code
    )


# --- a person reviews a failed check (申请人工复核) ---------------------------------------------


async def request_review(
    session: AsyncSession, actor: Actor, check: Check, note: str, *, citizen_id: int | None
) -> ReviewRequest:
    """The recipient asks a person to review their failed check: the check goes back to the review
    queue (its frames kept until it is decided; the overdue round waits for it). One request per
    check; a check in review or decided is not asked about again."""
    refusal = rules.review_request_refusal(check.status, frames_kept(check))
    if refusal:
        raise SurvivalError(refusal, Kind.CONFLICT)
    before = check.status
    check.status, _ = rules.move(before, rules.CheckAction.REQUEST)
    check.closed_at = None
    request = ReviewRequest(
        check_id=check.id,
        person_id=check.person_id,
        region_code=check.region_code,
        citizen_id=citizen_id,
        note=note.strip() or None,
        requested_at=utcnow(),
    )
    session.add(request)
    await session.flush()
    await record(
        session,
        actor,
        "survival.review_requested",
        "survival_check",
        check.id,
        region_code=check.region_code,
        before={"status": before},
        after={"status": check.status, "note": bool(request.note)},
    )
    await notify(
        session,
        citizen_id,
        "已申请人工复核",
        "您的生存认证已转给工作人员人工复核，结果会通知您。复核期间不会因逾期暂停待遇。",
        f"/survival/checks/{check.id}",
    )
    return request


# --- in person, without a face ---------------------------------------------------------------


async def record_in_person(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    *,
    proved_on: date | None,
    method: str,
    note: str,
    witness: str,
    today: date,
    policy: Policy | None = None,
) -> InPersonProof:
    """A worker records an in-person proof of life (home visit, counter, or a video call the worker
    made): it counts as the period's proof, as a passed face check does. A person without a schedule
    (no face taken) is put on one."""
    policy = policy or load_policy()
    if person.deceased_on is not None:
        raise SurvivalError("survival.deceased", Kind.CONFLICT)
    schedule = await schedule_of(session, person.id)
    refusal = rules.in_person_refusal(
        method, proved_on, today, schedule.last_passed_on if schedule else None, note
    )
    if refusal:
        raise SurvivalError(refusal[0], Kind.INVALID, field=refusal[1])
    assert proved_on is not None
    if schedule is None:
        schedule = Schedule(
            person_id=person.id,
            region_code=person.region_code,
            interval_months=policy.interval_months,
            next_due=proved_on,
            active=True,
        )
        session.add(schedule)
    schedule.active = True
    proof = InPersonProof(
        person_id=person.id,
        region_code=person.region_code,
        proved_on=proved_on,
        method=method,
        note=note.strip(),
        witness=witness.strip() or None,
        staff_id=int(actor.id or 0),
        created_at=utcnow(),
    )
    session.add(proof)
    await session.flush()
    await _passed(session, actor, person, proved_on)
    await record(
        session,
        actor,
        "survival.in_person",
        "person",
        person.id,
        region_code=person.region_code,
        after={
            "proof": proof.id,
            "method": method,
            "proved_on": proved_on.isoformat(),
            "witness": proof.witness is not None,
            "next_due": schedule.next_due.isoformat(),
        },
    )
    await notify(
        session,
        await citizen_of_person(session, person),
        "生存认证已通过",
        f"{person.name}的生存认证已由社区工作人员线下完成。下次认证日期：{schedule.next_due.isoformat()}。",
        "/survival",
    )
    await session.flush()
    return proof


# --- consent to a reference face -------------------------------------------------------------


async def record_consent(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    basis: str,
    *,
    today: date,
    guardian: str = "",
    document: str = "",
    citizen_id: int | None = None,
) -> FaceConsent:
    """Record the consent a reference face is taken on: the person's own in the app (``citizen``),
    or a worker's record of a signed paper consent, the documented legal basis, or a guardian's
    consent (the only one under 14). Giving it again in the app while it stands changes nothing."""
    if person.deceased_on is not None:
        raise SurvivalError("survival.deceased", Kind.CONFLICT)
    standing = await standing_consent(session, person.id)
    if standing is not None:
        if basis == rules.ConsentBasis.CITIZEN and standing.basis == basis:
            return standing
        raise SurvivalError("survival.consent_exists", Kind.CONFLICT)
    refusal = rules.consent_refusal(
        basis, rules.age_on(person.birth_date, today), guardian=guardian, document=document
    )
    if refusal:
        raise SurvivalError(refusal[0], Kind.INVALID, field=refusal[1])
    consent = FaceConsent(
        person_id=person.id,
        region_code=person.region_code,
        basis=basis,
        notice_version=rules.FACE_NOTICE_VERSION,
        guardian=guardian.strip() or None,
        document=document.strip() or None,
        citizen_id=citizen_id,
        staff_id=int(actor.id) if actor.kind == "staff" and actor.id else None,
        given_at=utcnow(),
    )
    session.add(consent)
    await session.flush()
    await record(
        session,
        actor,
        "survival.consent",
        "person",
        person.id,
        region_code=person.region_code,
        after={
            "consent": consent.id,
            "basis": basis,
            "notice": consent.notice_version,
            "guardian": consent.guardian is not None,
        },
    )
    return consent


async def withdraw_consent(session: AsyncSession, actor: Actor, person: Person) -> int:
    """Withdraw the standing consent: the reference face and its encoding are deleted, and the frames
    of the person's closed checks with them (a check still in review keeps its frames until it is
    decided); the person stays on the schedule and proves life in person. Returns the frames
    deleted."""
    consent = await standing_consent(session, person.id)
    if consent is None:
        raise SurvivalError("survival.consent_missing", Kind.CONFLICT)
    now = utcnow()
    await session.execute(
        update(FaceConsent)
        .where(FaceConsent.person_id == person.id, FaceConsent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    deleted = await session.execute(delete(Reference).where(Reference.person_id == person.id))
    closed = select(Check.id).where(Check.person_id == person.id, Check.closed_at.is_not(None))
    frames = await session.execute(delete(CheckFrame).where(CheckFrame.check_id.in_(closed)))
    await session.execute(
        update(Check)
        .where(Check.id.in_(closed), Check.frames_purged_at.is_(None))
        .values(frames_purged_at=now)
    )
    await record(
        session,
        actor,
        "survival.consent_withdrawn",
        "person",
        person.id,
        region_code=person.region_code,
        after={
            "consent": consent.id,
            "reference_deleted": bool(deleted.rowcount),
            "frames_deleted": frames.rowcount or 0,
        },
    )
    await notify(
        session,
        await citizen_of_person(session, person),
        "已撤回人脸识别同意",
        "您的参考照片和人脸特征已删除。今后请由社区工作人员上门或到窗口为您做生存认证。",
        "/survival",
    )
    await session.flush()
    return frames.rowcount or 0


# --- the scheduled round ---------------------------------------------------------------------


async def _notify_schedules(session: AsyncSession, rows, title: str, body: str) -> int:
    sent = 0
    for schedule, person in rows:
        citizen_id = await citizen_of_person(session, person)
        await notify(
            session,
            citizen_id,
            title,
            body.format(name=person.name, due=schedule.next_due.isoformat()),
            "/survival",
        )
        sent += 1 if citizen_id else 0
    return sent


async def run_round(
    session: AsyncSession, today: date, policy: Policy | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Reminders before the due date (again every week), one overdue notice, after the grace period a
    proposal to suspend the household's benefit for the street reviewer to confirm (audited, the
    recipient told; paid until he confirms), old frames deleted."""
    policy = policy or load_policy()
    now = now or utcnow()
    counts = {"reminded": 0, "overdue": 0, "proposed": 0, "purged": 0}

    base = (  # the living: a member who died neither is reminded nor holds the household's benefit
        select(Schedule, Person)
        .join(Person, Person.id == Schedule.person_id)
        .where(Schedule.active.is_(True), Person.deceased_on.is_(None))
    )
    due = (
        await session.execute(
            base.where(
                Schedule.next_due >= today,
                Schedule.next_due <= today + timedelta(days=policy.remind_days),
                (Schedule.reminded_on.is_(None)) | (Schedule.reminded_on <= today - timedelta(days=7)),
            )
        )
    ).all()
    counts["reminded"] = await _notify_schedules(
        session,
        due,
        "生存认证提醒",
        "{name}的生存认证将于{due}到期，请打开“生存认证”刷脸认证，或请社区工作人员上门、到窗口认证。",
    )
    for schedule, _ in due:
        schedule.reminded_on = today

    # a check waiting for a person's review holds the notice and the suspension back
    waiting = ~exists().where(Check.person_id == Schedule.person_id, Check.status == rules.CheckStatus.REVIEW)
    late = (
        await session.execute(
            base.where(
                Schedule.next_due < today,
                Schedule.overdue_notified_on.is_(None),
                Schedule.suspended_on.is_(None),
                waiting,
            )
        )
    ).all()
    counts["overdue"] = await _notify_schedules(
        session,
        late,
        "生存认证已逾期",
        f"{{name}}的生存认证已于{{due}}到期，请尽快完成；逾期{policy.grace_days}天未认证将暂停发放待遇。",
    )
    for schedule, _ in late:
        schedule.overdue_notified_on = today

    # past the grace period: the household's monthly benefits are held while the check is lapsed
    # (one that was suspended for another reason and later resumed is suspended again)
    paying = exists().where(
        HouseholdMember.person_id == Schedule.person_id,
        Enrolment.household_id == HouseholdMember.household_id,
        Enrolment.status == "active",
    )
    lapsed = (
        await session.execute(
            base.where(
                Schedule.next_due < today - timedelta(days=policy.grace_days),
                waiting,
                Schedule.suspended_on.is_(None) | paying,
            )
        )
    ).all()
    for schedule, person in lapsed:  # only those with something to do: newly lapsed, or paid again
        enrolments = list(
            await session.scalars(
                select(Enrolment)
                .join(HouseholdMember, HouseholdMember.household_id == Enrolment.household_id)
                .where(HouseholdMember.person_id == person.id, Enrolment.status.in_(("active", "suspended")))
            )
        )
        active = [e for e in enrolments if e.status == "active"]
        reason = (
            f"{person.name}的生存认证于{schedule.next_due.isoformat()}到期，"
            f"宽限{policy.grace_days}天后仍未完成"
        )
        # not suspended here: the street reviewer confirms the suspension, or lifts it (he knows the
        # person is in hospital); a lapse he lifted is not proposed again for the same due date
        source = f"{LAPSE_SOURCE}:{person.id}:{schedule.next_due.isoformat()}"
        proposed = []
        for enrolment in active:
            if await _lapse_decided(session, enrolment.id, source) or await proposals.pending_for(
                session, enrolment.id, Action.SUSPEND
            ):
                continue  # lifted by the reviewer, or a suspension already waits (another member's)
            proposed.append(
                await proposals.propose(
                    session, SYSTEM, enrolment, Action.SUSPEND, reason, origin=Origin.SURVIVAL, source=source
                )
            )
        held = sorted(set(schedule.suspended_enrolments or []) | {e.id for e in enrolments})
        first = schedule.suspended_on is None
        schedule.suspended_on, schedule.suspended_enrolments = schedule.suspended_on or today, held
        await record(
            session,
            SYSTEM,
            "survival.lapsed",
            "person",
            person.id,
            region_code=person.region_code,
            after={
                "next_due": schedule.next_due.isoformat(),
                "proposed": [p.id for p in proposed],
                "held": held,
            },
        )
        if proposed and first:
            await notify(
                session,
                await citizen_of_person(session, person),
                "待遇将暂停发放",
                f"{reason}。街道工作人员审核确认后将暂停发放待遇；请尽快完成生存认证，"
                "如有困难（如住院）请联系社区工作人员。",
                "/survival",
            )
        counts["proposed"] += len(proposed)

    counts["purged"] = await purge_frames(session, now - timedelta(days=policy.retention_days), now)
    await session.flush()
    return counts


async def purge_frames(session: AsyncSession, cutoff: datetime, now: datetime) -> int:
    """Delete the frames of checks closed before ``cutoff`` (set-based)."""
    old = select(Check.id).where(Check.closed_at.is_not(None), Check.closed_at < cutoff)
    result = await session.execute(delete(CheckFrame).where(CheckFrame.check_id.in_(old)))
    await session.execute(
        update(Check).where(Check.id.in_(old), Check.frames_purged_at.is_(None)).values(frames_purged_at=now)
    )
    return result.rowcount or 0
