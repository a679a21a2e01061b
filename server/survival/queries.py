"""Survival reads shared by pages and services: whose checks an account sees, the reference and
schedule of a person, the back office's due list, review queue and a check's frames; region-scoped
where staff read them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import crypto
from server.accounts import rules as identity_rules
from server.accounts.models import Citizen
from server.assistance.models import Application, Document
from server.errors import DomainError, Kind
from server.people.models import Enrolment, HouseholdMember, Person
from server.regions.scope import RegionScope
from server.survival import rules
from server.survival.models import (
    Check,
    CheckFrame,
    FaceConsent,
    InPersonProof,
    Reference,
    ReviewRequest,
    Schedule,
)

HISTORY = 20  # checks listed on a person's page
DUE_LIMIT, MISSING_LIMIT, QUEUE_LIMIT = 300, 200, 200
DOCUMENTS_SHOWN = 12


# --- people ----------------------------------------------------------------------------------


async def person_of_citizen(session: AsyncSession, citizen: Citizen) -> Person | None:
    """The register person this account is, only once the binding is proven (a pending claim or a
    merely declared number gives nobody's records and no check)."""
    if not citizen.id_hash or not identity_rules.is_the_person(citizen.identity_level):
        return None
    return await session.scalar(select(Person).where(Person.id_hash == citizen.id_hash))


async def citizen_of_person(session: AsyncSession, person: Person) -> int | None:
    """The account told about the person's checks: only one verified as the person."""
    return await session.scalar(
        select(Citizen.id).where(Citizen.id_hash == person.id_hash, Citizen.identity_level == "verified")
    )


async def person_of_check(session: AsyncSession, check: Check) -> Person | None:
    return await session.get(Person, check.person_id)


async def reference_of(session: AsyncSession, person_id: int) -> Reference | None:
    return await session.scalar(select(Reference).where(Reference.person_id == person_id))


async def schedule_of(session: AsyncSession, person_id: int) -> Schedule | None:
    return await session.get(Schedule, person_id)


async def history(session: AsyncSession, person_id: int) -> list[Check]:
    """The person's latest checks, newest first."""
    return list(
        await session.scalars(
            select(Check).where(Check.person_id == person_id).order_by(Check.id.desc()).limit(HISTORY)
        )
    )


async def own_check(session: AsyncSession, person: Person | None, check_id: int) -> Check | None:
    """One of the person's own checks (None for anyone else's, or an id no column can hold)."""
    if person is None or not 0 < check_id < 2**63:
        return None
    check = await session.get(Check, check_id)
    return check if check is not None and check.person_id == person.id else None


@dataclass(frozen=True)
class Standing:
    """A person's reference, schedule, where they stand and their latest checks."""

    reference: Reference | None
    schedule: Schedule | None
    state: rules.ScheduleState
    checks: list[Check]


async def standing(session: AsyncSession, person: Person | None, today: date, grace_days: int) -> Standing:
    if person is None:
        return Standing(None, None, rules.ScheduleState.NONE, [])
    reference = await reference_of(session, person.id)
    schedule = await schedule_of(session, person.id)
    state = rules.schedule_state(schedule.next_due if schedule else None, today, grace_days)
    return Standing(reference, schedule, state, await history(session, person.id))


# --- the back office -------------------------------------------------------------------------


async def due_list(
    session: AsyncSession, scope: RegionScope, today: date, grace_days: int, remind_days: int
) -> list[tuple[Schedule, Person, rules.ScheduleState]]:
    """Schedules due within the reminder window or past it, soonest first, with where each stands."""
    rows = (
        await session.execute(
            select(Schedule, Person)
            .join(Person, Person.id == Schedule.person_id)
            .where(
                scope.where(Schedule.region_code),
                Schedule.active.is_(True),
                Schedule.next_due <= today + timedelta(days=remind_days),
            )
            .order_by(Schedule.next_due)
            .limit(DUE_LIMIT)
        )
    ).all()
    return [(s, p, rules.schedule_state(s.next_due, today, grace_days, remind_days)) for s, p in rows]


async def waiting_count(session: AsyncSession, scope: RegionScope) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                scope.where(Check.region_code), Check.status == rules.CheckStatus.REVIEW
            )
        )
        or 0
    )


async def without_reference(session: AsyncSession, scope: RegionScope) -> list[Person]:
    """Recipients in an active household without a reference face yet (one on a schedule without a
    face is on the in-person path: consent withdrawn, or proved in person, and is not listed)."""
    return list(
        await session.scalars(
            select(Person)
            .join(HouseholdMember, HouseholdMember.person_id == Person.id)
            .join(Enrolment, Enrolment.household_id == HouseholdMember.household_id)
            .where(
                scope.where(Person.region_code),
                Enrolment.status == "active",
                Person.deceased_on.is_(None),
                ~exists().where(Reference.person_id == Person.id),
                ~exists().where(Schedule.person_id == Person.id, Schedule.active.is_(True)),
            )
            .distinct()
            .order_by(Person.id)
            .limit(MISSING_LIMIT)
        )
    )


async def review_queue(
    session: AsyncSession, scope: RegionScope
) -> list[tuple[Check, Person, ReviewRequest | None]]:
    """Checks waiting for a person, oldest first, with the recipient's request when they asked."""
    rows = await session.execute(
        select(Check, Person, ReviewRequest)
        .join(Person, Person.id == Check.person_id)
        .outerjoin(ReviewRequest, ReviewRequest.check_id == Check.id)
        .where(scope.where(Check.region_code), Check.status == rules.CheckStatus.REVIEW)
        .order_by(Check.id)
        .limit(QUEUE_LIMIT)
    )
    return [(c, p, r) for c, p, r in rows.all()]


async def review_request_of(session: AsyncSession, check_id: int) -> ReviewRequest | None:
    return await session.scalar(select(ReviewRequest).where(ReviewRequest.check_id == check_id))


def frames_kept(check: Check) -> bool:
    """Are the check's frames still there for a person to look at?"""
    return check.frame_count > 0 and check.frames_purged_at is None


def review_request_refusal(check: Check) -> str | None:
    return rules.review_request_refusal(check.status, frames_kept(check))


# --- consent and the way without a face --------------------------------------------------------


async def standing_consent(session: AsyncSession, person_id: int) -> FaceConsent | None:
    """The consent a reference face may be taken on now: the latest not withdrawn."""
    return await session.scalar(
        select(FaceConsent)
        .where(FaceConsent.person_id == person_id, FaceConsent.withdrawn_at.is_(None))
        .order_by(FaceConsent.id.desc())
        .limit(1)
    )


async def consents(session: AsyncSession, person_id: int) -> list[FaceConsent]:
    """Every consent recorded for the person, newest first."""
    return list(
        await session.scalars(
            select(FaceConsent).where(FaceConsent.person_id == person_id).order_by(FaceConsent.id.desc())
        )
    )


async def in_person_proofs(session: AsyncSession, person_id: int) -> list[InPersonProof]:
    """The person's latest in-person proofs of life, newest first."""
    return list(
        await session.scalars(
            select(InPersonProof)
            .where(InPersonProof.person_id == person_id)
            .order_by(InPersonProof.proved_on.desc(), InPersonProof.id.desc())
            .limit(HISTORY)
        )
    )


async def frame_numbers(session: AsyncSession, check_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(CheckFrame.n).where(CheckFrame.check_id == check_id).order_by(CheckFrame.n)
        )
    )


async def frame_data(session: AsyncSession, check_id: int, n: int) -> bytes | None:
    data = await session.scalar(
        select(CheckFrame.data).where(CheckFrame.check_id == check_id, CheckFrame.n == n)
    )
    return None if data is None else opened(data, "survival_frames", "data", frame_key(check_id, n))


# Faces and frames are sealed at rest (server/crypto.py), each bound to its row: a photo copied into
# another person's row does not open. Rows stored before that are plaintext until ``huimin keys
# rotate`` seals them.
FACE_PURPOSE = "survival-face"


def frame_key(check_id: int, n: int) -> str:
    return f"{check_id}:{n}"


def opened(data: bytes, table: str, column: str, row_key: object) -> bytes:
    if not crypto.is_sealed(data):
        return data
    try:
        return crypto.current().open(FACE_PURPOSE, data, crypto.aad(table, column, row_key))
    except crypto.SealError:
        raise DomainError("survival.photo_damaged", Kind.BROKEN) from None


def reference_photo(reference: Reference) -> bytes:
    """The reference photo (JPEG) in the clear."""
    return opened(reference.photo, "survival_references", "photo", reference.person_id)


def reference_encoding(reference: Reference) -> bytes:
    return opened(reference.encoding, "survival_references", "encoding", reference.person_id)


def reference_changed(reference: Reference | None, check: Check) -> bool:
    """Was the reference photo replaced after this check was compared with it?"""
    return bool(
        reference
        and check.reference_sha256
        and hashlib.sha256(reference_photo(reference)).hexdigest() != check.reference_sha256
    )


async def application_photos(
    session: AsyncSession, scope: RegionScope, person: Person
) -> list[tuple[Document, str]]:
    """Documents the person uploaded with their applications in the region, with each application's
    reference: photos a worker may make the reference face."""
    rows = await session.execute(
        select(Document, Application.reference)
        .join(Application, Application.id == Document.application_id)
        .where(Application.id_hash == person.id_hash, scope.where(Application.region_code))
        .order_by(Document.id.desc())
        .limit(DOCUMENTS_SHOWN)
    )
    return [(d, r) for d, r in rows.all()]


async def application_photo(
    session: AsyncSession, scope: RegionScope, person: Person, document_id: int
) -> Document | None:
    """One document of the person's own application in the region (None for anyone else's)."""
    found = (
        await session.execute(
            select(Document, Application)
            .join(Application, Application.id == Document.application_id)
            .where(Document.id == document_id)
        )
    ).first()
    if found is None or found[1].id_hash != person.id_hash or not scope.contains(found[1].region_code):
        return None
    return found[0]
