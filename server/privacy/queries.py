"""Reads of consents: what an application still needs, a member's tasks, a worker's list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from server.privacy import rules
from server.privacy.models import Consent, ConsentRequest
from server.regions.scope import RegionScope

# the application's status, read without importing the assistance package (which imports this one):
# a task is shown only while the application is still being worked
_applications = table("assistance_applications", column("id"), column("status"))
_CLOSED = ("enrolled", "terminated")


@dataclass
class ConsentState:
    members: list[rules.Member]
    records: list[Consent]  # every record, withdrawn ones too, oldest first
    missing: list[tuple[rules.Member, rules.Role]]

    @property
    def complete(self) -> bool:
        return bool(self.members) and not self.missing

    def held_by(self, id_hash: str) -> list[Consent]:
        return [c for c in self.records if c.id_hash == id_hash and c.withdrawn_at is None]


def active(records: list[Consent]) -> list[rules.Given]:
    return [rules.Given(c.id_hash, c.role, c.basis) for c in records if c.withdrawn_at is None]


async def records_of(session: AsyncSession, application_id: int) -> list[Consent]:
    rows = await session.scalars(
        select(Consent).where(Consent.application_id == application_id).order_by(Consent.id)
    )
    return list(rows)


async def state_of(
    session: AsyncSession, application_id: int, answers: dict | None, today: date
) -> ConsentState:
    """Who the application's check reads (from its answers), the consents on record, what is missing."""
    members = rules.members_of(answers)
    records = await records_of(session, application_id)
    return ConsentState(members, records, rules.missing(members, active(records), today))


@dataclass
class Task:
    request: ConsentRequest
    roles: list[rules.Role]  # what this citizen still owes for it
    held: list[Consent]  # their consents on record for it, not withdrawn


async def tasks_of(session: AsyncSession, id_hash: str | None, today: date) -> list[Task]:
    """A signed-in member's consents: for each open application naming them, what they still owe
    (a "确认同意核对家庭经济状况" task) and what they gave (which they may withdraw)."""
    if not id_hash:
        return []
    requests = list(
        await session.scalars(
            select(ConsentRequest)
            .join(_applications, _applications.c.id == ConsentRequest.application_id)
            .where(ConsentRequest.id_hash == id_hash, _applications.c.status.not_in(_CLOSED))
            .order_by(ConsentRequest.id.desc())
        )
    )
    if not requests:
        return []
    records = list(
        await session.scalars(
            select(Consent).where(
                Consent.id_hash == id_hash,
                Consent.application_id.in_([r.application_id for r in requests]),
                Consent.withdrawn_at.is_(None),
            )
        )
    )
    out = []
    for r in requests:
        held = [c for c in records if c.application_id == r.application_id]
        member = rules.Member(r.id_hash, r.name, r.id_masked, r.birth, r.relationship, r.applicant)
        owed = [role for _, role in rules.missing([member], active(held), today) if role == rules.Role.SELF]
        out.append(Task(r, owed, held))
    return out


async def requests_for(session: AsyncSession, scope: RegionScope, reference: str) -> list[ConsentRequest]:
    """A community worker's view of one application's people (only inside the worker's region)."""
    rows = await session.scalars(
        select(ConsentRequest)
        .where(ConsentRequest.reference == reference, scope.where(ConsentRequest.region_code))
        .order_by(ConsentRequest.applicant.desc(), ConsentRequest.id)
    )
    return list(rows)


async def request_in(session: AsyncSession, request_id: int) -> ConsentRequest | None:
    if not -(2**63) <= request_id < 2**63:
        return None
    return await session.get(ConsentRequest, request_id)


def member_of(req: ConsentRequest) -> rules.Member:
    return rules.Member(req.id_hash, req.name, req.id_masked, req.birth, req.relationship, req.applicant)


async def state_of_requests(
    session: AsyncSession, requests: list[ConsentRequest], today: date
) -> ConsentState:
    """The same state, for the people written at submission (what a worker's page reads)."""
    members = [member_of(r) for r in requests]
    records = await records_of(session, requests[0].application_id) if requests else []
    return ConsentState(members, records, rules.missing(members, active(records), today))


@dataclass
class HouseholdConsents:
    """An application's consents as its pages show them: the state, what each member still owes,
    and the minors the applicant may consent for as guardian."""

    state: ConsentState
    owed: dict[str, list[rules.Role]]
    guardian_ok: set[str]
    role_labels: dict = field(default_factory=lambda: dict(rules.ROLE_LABELS))

    @property
    def complete(self) -> bool:
        return self.state.complete


async def household_consents(session: AsyncSession, application_id: int, answers: dict | None, today: date):
    state = await state_of(session, application_id, answers, today)
    applicant = next((m for m in state.members if m.applicant), None)
    owed: dict[str, list[rules.Role]] = {}
    for m, role in state.missing:
        owed.setdefault(m.id_hash, []).append(role)
    guardian_ok = {m.id_hash for m in state.members if rules.applicant_may_be_guardian(applicant, m, today)}
    return HouseholdConsents(state, owed, guardian_ok)
