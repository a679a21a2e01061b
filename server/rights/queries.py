"""Reads for the citizen's rights: everything the platform holds about one signed-in person (as
plain, JSON-ready data, one section per kind of record), who looked at it, and the requests queue
(region-scoped for staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Citizen
from server.assistance.models import Application, Document, Event, PaymentLine, PaymentRoll
from server.audit.models import PersonAccess
from server.certificates.models import Certificate
from server.discovery.models import Report
from server.notifications.models import Notification
from server.people.models import Enrolment, Household, HouseholdMember, Person
from server.privacy.models import Consent
from server.regions.queries import names
from server.regions.scope import RegionScope
from server.rights import rules
from server.rights.models import RightsRequest
from server.survival.models import Check, FaceConsent, Schedule
from server.survival.queries import person_of_citizen
from server.verification.models import DataImport, PossibleMatch, SourceRecord, VerificationWarning
from server.verification.rules import RULES
from server.verification.sources import SOURCES

LIMIT = 1000  # rows of one section: far more than one person's records; the download says if cut
QUEUE_LIMIT = 200


def _d(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- the person an account is ----------------------------------------------------------------------


async def person_of(session: AsyncSession, citizen: Citizen) -> Person | None:
    """The register person the account is proven to be (None for an unproven or declared one: a
    declared number shows nobody's records)."""
    return await person_of_citizen(session, citizen)


async def household_ids(session: AsyncSession, person: Person | None) -> list[int]:
    if person is None:
        return []
    return list(
        await session.scalars(
            select(HouseholdMember.household_id).where(HouseholdMember.person_id == person.id)
        )
    )


# --- what the platform holds -----------------------------------------------------------------------


def _account(citizen: Citizen) -> dict[str, Any]:
    return {
        "phone": rules.mask_phone(citizen.phone),
        "created_at": _d(citizen.created_at),
        "last_login_at": _d(citizen.last_login_at),
        "identity_level": citizen.identity_level,
        "name": citizen.name,
        "id_masked": citizen.id_masked,
        "identity_bound_at": _d(citizen.verified_at),
    }


def _person(person: Person | None, region_names: dict[str, str]) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        "name": person.name,
        "id_masked": person.id_masked,
        "birth_date": _d(person.birth_date),
        "sex": "male" if person.male else "female",
        "region": region_names.get(person.region_code, person.region_code),
        "hukou_region_code": person.hukou_region_code,
        "phone": rules.mask_phone(person.phone) if person.phone else None,
        "deceased_on": _d(person.deceased_on),
    }


async def _households(session: AsyncSession, person: Person | None, ids: list[int]) -> list[dict[str, Any]]:
    if not ids or person is None:
        return []
    rows = (
        await session.execute(
            select(Household, HouseholdMember, Person)
            .join(HouseholdMember, HouseholdMember.household_id == Household.id)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(Household.id.in_(ids))
            .order_by(Household.id, HouseholdMember.id)
        )
    ).all()
    out: dict[int, dict[str, Any]] = {}
    for household, member, who in rows:
        entry = out.setdefault(
            household.id,
            {"id": household.id, "address": household.address, "members": [], "own": None},
        )
        entry["members"].append(
            {"name": who.name, "relationship": member.relationship_to_head, "id_masked": who.id_masked}
        )
        if who.id == person.id:  # the person's own facts; the others' health is theirs
            entry["own"] = {
                "relationship": member.relationship_to_head,
                "disability_grade": member.disability_grade,
                "serious_illness": member.serious_illness,
                "employment": member.employment,
                "schooling": member.schooling,
            }
    return list(out.values())


async def own_applications(
    session: AsyncSession, citizen: Citizen, person: Person | None
) -> list[Application]:
    """Applications the account made, and those made in the person's name (e.g. at the counter)."""
    mine = Application.citizen_id == citizen.id
    where = or_(mine, Application.id_hash == person.id_hash) if person is not None else mine
    return list(await session.scalars(select(Application).where(where).order_by(Application.id).limit(LIMIT)))


async def _applications(session: AsyncSession, apps: list[Application]) -> list[dict[str, Any]]:
    ids = [a.id for a in apps]
    events: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    documents: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for e in await session.scalars(select(Event).where(Event.application_id.in_(ids)).order_by(Event.id)):
            events[e.application_id].append(
                {
                    "at": _d(e.at),
                    "step": e.step,
                    "action": e.action,
                    "opinion": e.opinion,
                    "expected_by": _d(e.expected_by),
                }
            )
        for doc in await session.scalars(
            select(Document).where(Document.application_id.in_(ids)).order_by(Document.id)
        ):
            documents[doc.application_id].append({"kind": doc.kind, "uploaded_at": _d(doc.uploaded_at)})
    return [
        {
            "reference": a.reference,
            "benefit": a.benefit,
            "status": a.status,
            "submitted_at": _d(a.submitted_at),
            "amount_cents": a.amount_cents,
            "calculation": a.calculation,
            "return_reason": a.return_reason,
            "consent_signer": a.consent_signer,
            "consent_at": _d(a.consent_at),
            "steps": events[a.id],
            "documents": documents[a.id],
        }
        for a in apps
    ]


async def own_enrolments(session: AsyncSession, ids: list[int]) -> list[Enrolment]:
    if not ids:
        return []
    return list(
        await session.scalars(select(Enrolment).where(Enrolment.household_id.in_(ids)).order_by(Enrolment.id))
    )


def _enrolments(enrolments: list[Enrolment]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "benefit": e.benefit,
            "status": e.status,
            "monthly_amount_cents": e.monthly_amount_cents,
            "start_date": _d(e.start_date),
            "end_date": _d(e.end_date),
            "status_reason": e.status_reason,
        }
        for e in enrolments
    ]


async def _payments(session: AsyncSession, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = await session.execute(
        select(PaymentRoll.month, PaymentRoll.status, PaymentLine.benefit, PaymentLine.amount_cents)
        .join(PaymentRoll, PaymentRoll.id == PaymentLine.roll_id)
        .where(PaymentLine.household_id.in_(ids))
        .order_by(PaymentRoll.month.desc(), PaymentLine.id)
        .limit(LIMIT)
    )
    return [{"month": m, "roll_status": s, "benefit": b, "amount_cents": a} for m, s, b, a in rows]


async def _certificates(
    session: AsyncSession, citizen: Citizen, person: Person | None
) -> list[dict[str, Any]]:
    mine = Certificate.citizen_id == citizen.id
    where = or_(mine, Certificate.id_hash == person.id_hash) if person is not None else mine
    rows = await session.scalars(select(Certificate).where(where).order_by(Certificate.id).limit(LIMIT))
    return [
        {
            "code": c.code,
            "holder_name": c.holder_name,
            "address": c.address,
            "purpose": c.purpose,
            "status": c.status,
            "requested_at": _d(c.requested_at),
            "issued_at": _d(c.issued_at),
            "valid_until": _d(c.valid_until),
        }
        for c in rows
    ]


async def _survival(session: AsyncSession, person: Person | None) -> dict[str, Any]:
    """Dates and results only: no face data (reference photos, frames, measurements)."""
    if person is None:
        return {"schedule": None, "checks": []}
    schedule = await session.get(Schedule, person.id)
    checks = await session.scalars(
        select(Check).where(Check.person_id == person.id).order_by(Check.id.desc()).limit(LIMIT)
    )
    return {
        "schedule": {
            "active": schedule.active,
            "next_due": _d(schedule.next_due),
            "last_passed_on": _d(schedule.last_passed_on),
            "suspended_on": _d(schedule.suspended_on),
        }
        if schedule is not None
        else None,
        "checks": [
            {
                "id": c.id,
                "at": _d(c.created_at),
                "decision": c.decision,
                "status": c.status,
                "reasons": list(c.reasons or []),
                "assisted": c.assisted,
                "review_note": c.review_note,
            }
            for c in checks
        ],
    }


async def _reports(session: AsyncSession, citizen: Citizen) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Report).where(Report.reporter_citizen_id == citizen.id).order_by(Report.id).limit(LIMIT)
    )
    return [
        {
            "reference": r.reference,
            "at": _d(r.created_at),
            "situation": r.situation,
            "place": r.place,
            "status": r.status,
        }
        for r in rows
    ]


async def _notifications(session: AsyncSession, citizen: Citizen) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Notification)
        .where(Notification.citizen_id == citizen.id)
        .order_by(Notification.id.desc())
        .limit(LIMIT)
    )
    return [
        {"at": _d(n.created_at), "title": n.title, "body": n.body, "read_at": _d(n.read_at)} for n in rows
    ]


async def _consents(session: AsyncSession, person: Person | None) -> list[dict[str, Any]]:
    """The consents given by or for the person: to the household check of an application (by ID
    hash) and to the reference face of the survival check; withdrawn ones too, with when."""
    if person is None:
        return []
    checks = await session.execute(
        select(Consent, Application.reference)
        .join(Application, Application.id == Consent.application_id)
        .where(Consent.id_hash == person.id_hash)
        .order_by(Consent.id)
    )
    faces = await session.scalars(
        select(FaceConsent).where(FaceConsent.person_id == person.id).order_by(FaceConsent.id)
    )
    return [
        {
            "kind": "household_check",
            "application": reference,
            "basis": c.basis,
            "notice_version": c.notice_version,
            "given_at": _d(c.given_at),
            "withdrawn_at": _d(c.withdrawn_at),
        }
        for c, reference in checks
    ] + [
        {
            "kind": "face",
            "application": None,
            "basis": f.basis,
            "notice_version": f.notice_version,
            "given_at": _d(f.given_at),
            "withdrawn_at": _d(f.withdrawn_at),
        }
        for f in faces
    ]


async def _warnings(session: AsyncSession, person: Person | None, ids: list[int]) -> list[dict[str, Any]]:
    """Findings of the automatic data check about the person or their household that staff acted on
    (a proposal to suspend, stop or recalculate): automated decisions the citizen may ask about."""
    if person is None:
        return []
    about = VerificationWarning.person_id == person.id
    if ids:
        about = or_(about, VerificationWarning.household_id.in_(ids))
    rows = await session.scalars(
        select(VerificationWarning)
        .where(about, VerificationWarning.status == "confirmed")
        .order_by(VerificationWarning.id)
        .limit(LIMIT)
    )
    return [
        {
            "id": w.id,
            "rule": w.rule,
            "finding": RULES[w.rule].explain if w.rule in RULES else w.rule,
            "action": w.action,
            "at": _d(w.created_at),
            "handled_at": _d(w.handled_at),
            "reason": w.reason,
        }
        for w in rows
    ]


async def _accesses(session: AsyncSession, person: Person | None, region_names: dict[str, str]) -> list[dict]:
    """Who looked at the person's data: role and region (not the staff member's name: see
    ``docs``/the page), or the department by name."""
    if person is None:
        return []
    rows = list(
        await session.scalars(
            select(PersonAccess)
            .where(PersonAccess.person_id == person.id)
            .order_by(PersonAccess.at.desc(), PersonAccess.id.desc())
            .limit(LIMIT)
        )
    )
    more = await names(session, {r.region_code for r in rows if r.region_code} - set(region_names))
    region_names.update(more)
    return [
        {
            "at": _d(r.at),
            "actor_kind": r.actor_kind,
            "role": r.role,
            "department": r.actor_name if r.actor_kind != "staff" else None,
            "region": region_names.get(r.region_code or "", r.region_code),
            "what": r.what,
            "object_type": r.object_type,
        }
        for r in rows
    ]


def _source(code: str) -> tuple[str, str]:
    source = SOURCES.get(code)
    return (source.label, source.department) if source else (code, code)


async def _department_checks(session: AsyncSession, person: Person | None) -> list[dict[str, Any]]:
    """Department data that matched the person: by ID number (each import), and possible matches by
    name and birth date that staff confirmed or rejected."""
    if person is None:
        return []
    by_id = await session.execute(
        select(DataImport.source, DataImport.created_at, DataImport.status, func.count(SourceRecord.id))
        .join(DataImport, DataImport.id == SourceRecord.import_id)
        .where(SourceRecord.id_hash == person.id_hash)
        .group_by(DataImport.id, DataImport.source, DataImport.created_at, DataImport.status)
        .order_by(DataImport.created_at.desc())
        .limit(LIMIT)
    )
    out = []
    for source, at, status, count in by_id:
        label, department = _source(source)
        out.append(
            {
                "source": label,
                "department": department,
                "at": _d(at),
                "records": count,
                "match": "id",
                "status": status,
            }
        )
    possible = await session.execute(
        select(SourceRecord.source, PossibleMatch.created_at, PossibleMatch.status)
        .join(SourceRecord, SourceRecord.id == PossibleMatch.record_id)
        .where(PossibleMatch.person_id == person.id)
        .order_by(PossibleMatch.id.desc())
        .limit(LIMIT)
    )
    for source, at, status in possible:
        label, department = _source(source)
        out.append(
            {
                "source": label,
                "department": department,
                "at": _d(at),
                "records": 1,
                "match": "name_birth",
                "status": status,
            }
        )
    return out


async def own_requests(session: AsyncSession, citizen_id: int) -> list[RightsRequest]:
    return list(
        await session.scalars(
            select(RightsRequest)
            .where(RightsRequest.citizen_id == citizen_id)
            .order_by(RightsRequest.id.desc())
        )
    )


def _requests(requests: list[RightsRequest]) -> list[dict[str, Any]]:
    return [
        {
            "reference": r.reference,
            "kind": r.kind,
            "about": r.about,
            "description": r.description,
            "status": r.status,
            "received_on": _d(r.received_on),
            "due_on": _d(r.due_on),
            "answer": r.answer,
            "answered_at": _d(r.answered_at),
        }
        for r in requests
    ]


async def holdings(session: AsyncSession, citizen: Citizen) -> dict[str, Any]:
    """Everything the platform holds about the signed-in account and the person it is proven to be,
    one JSON-ready section per kind of record (the page, the JSON and the PDF show the same)."""
    person = await person_of(session, citizen)
    ids = await household_ids(session, person)
    region_names = await names(session, [person.region_code] if person else [])
    apps = await own_applications(session, citizen, person)
    return {
        "account": _account(citizen),
        "person": _person(person, region_names),
        "households": await _households(session, person, ids),
        "applications": await _applications(session, apps),
        "enrolments": _enrolments(await own_enrolments(session, ids)),
        "payments": await _payments(session, ids),
        "certificates": await _certificates(session, citizen, person),
        "survival": await _survival(session, person),
        "discovery_reports": await _reports(session, citizen),
        "verification_findings": await _warnings(session, person, ids),
        "consents": await _consents(session, person),
        "notifications": await _notifications(session, citizen),
        "accesses": await _accesses(session, person, region_names),
        "department_checks": await _department_checks(session, person),
        "requests": _requests(await own_requests(session, citizen.id)),
    }


# --- what an explanation may be about ------------------------------------------------------------


async def about_is_own(session: AsyncSession, citizen: Citizen, kind: str, key: str) -> bool:
    """Whether the decision ``kind:key`` is one of the citizen's own (an explanation request may
    name only those)."""
    person = await person_of(session, citizen)
    ids = await household_ids(session, person)
    if kind == "application":
        apps = await own_applications(session, citizen, person)
        return any(a.reference == key for a in apps)
    if not key.isdigit() or int(key) >= 2**63:
        return False
    number = int(key)
    if kind == "enrolment":
        enrolment = await session.get(Enrolment, number)
        return enrolment is not None and enrolment.household_id in ids
    if kind == "survival_check":
        check = await session.get(Check, number)
        return check is not None and person is not None and check.person_id == person.id
    if kind == "warning":
        warning = await session.get(VerificationWarning, number)
        return (
            warning is not None
            and person is not None
            and (warning.person_id == person.id or warning.household_id in ids)
        )
    return False


# --- the staff queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    request: RightsRequest
    name: str | None  # the person's name on the register, or the account's bound name
    region_name: str
    overdue: bool


async def queue(
    session: AsyncSession, scope: RegionScope, today: date, status: str = "", overdue: bool = False
) -> list[QueueRow]:
    """The region's requests, open ones first and the nearest deadline first."""
    stmt = (
        select(RightsRequest, Person.name, Citizen.name)
        .outerjoin(Person, Person.id == RightsRequest.person_id)
        .join(Citizen, Citizen.id == RightsRequest.citizen_id)
        .where(scope.where(RightsRequest.region_code))
    )
    if status in set(rules.Status):
        stmt = stmt.where(RightsRequest.status == status)
    if overdue:
        stmt = stmt.where(RightsRequest.status.in_(tuple(rules.OPEN)), RightsRequest.due_on < today)
    rows = (
        await session.execute(
            stmt.order_by(
                RightsRequest.status.in_(tuple(rules.FINAL)), RightsRequest.due_on, RightsRequest.id
            ).limit(QUEUE_LIMIT)
        )
    ).all()
    region_names = await names(session, {r.region_code for r, _, _ in rows})
    return [
        QueueRow(
            r,
            person_name or citizen_name,
            region_names.get(r.region_code, r.region_code),
            rules.is_overdue(r.status, r.due_on, today),
        )
        for r, person_name, citizen_name in rows
    ]


async def one(session: AsyncSession, scope: RegionScope, request_id: int) -> RightsRequest:
    return await scope.get(session, RightsRequest, request_id)
