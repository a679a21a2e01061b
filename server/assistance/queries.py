"""Reads the social-assistance pages share: an application in reach, its timeline and documents,
the work list, the public notice, policies, enrolled households and payment rolls. Every list is
region-scoped by the caller's ``RegionScope``; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance import calc, rules
from server.assistance.models import (
    Application,
    Document,
    Event,
    PaymentLine,
    PaymentRoll,
    Policy,
    Recalculation,
)
from server.errors import DomainError, Kind
from server.people import idcard
from server.people import queries as people_queries
from server.people import rules as proposal_rules
from server.people.models import (
    Enrolment,
    Household,
    HouseholdMember,
    HouseholdNotice,
    Person,
    StatusProposal,
)
from server.people.queries import id_hash
from server.regions import queries as regions
from server.regions.models import Region
from server.regions.scope import RegionScope

PAGE = 50
HOUSEHOLD_STATUSES = ("active", "suspended", "stopped")


def _not_found() -> DomainError:
    return DomainError("error.not_found", Kind.NOT_FOUND)


# ---------------------------------------------------------------- one application


async def by_reference(session: AsyncSession, reference: str) -> Application | None:
    return await session.scalar(select(Application).where(Application.reference == reference))


async def scoped_application(session: AsyncSession, region_scope: RegionScope, reference: str) -> Application:
    """The application, if it lies in the officer's region (else: not found)."""
    app = await by_reference(session, reference)
    if app is None or not region_scope.contains(app.region_code):
        raise _not_found()
    return app


async def own_application(session: AsyncSession, citizen_id: int, reference: str) -> Application:
    """The citizen's own application (anyone else's is not found)."""
    app = await by_reference(session, reference)
    if app is None or app.citizen_id != citizen_id:
        raise _not_found()
    return app


async def timeline(session: AsyncSession, app: Application) -> list[Event]:
    return list(await session.scalars(select(Event).where(Event.application_id == app.id).order_by(Event.id)))


async def application_people(session: AsyncSession, app: Application) -> list[int]:
    """Everyone an application shows who is on the register: the applicant, the members it lists
    and, once enrolled, the household's members (for the audit of who looked at whose data)."""
    answers = app.answers or {}
    hashes = [app.id_hash, (answers.get("applicant") or {}).get("id_hash")]
    hashes += [m.get("id_hash") for m in answers.get("members", []) if isinstance(m, dict)]
    people = await people_queries.people_by_hash(session, hashes)
    return sorted({*people, *await people_queries.household_people(session, app.household_id)})


async def documents(session: AsyncSession, app: Application) -> list[Document]:
    return list(await session.scalars(select(Document).where(Document.application_id == app.id)))


async def document_of(session: AsyncSession, app: Application, doc_id: int) -> Document:
    doc = await session.get(Document, doc_id) if doc_id < 2**63 else None
    if doc is None or doc.application_id != app.id:
        raise _not_found()
    return doc


async def region_name(session: AsyncSession, code: str | None) -> str:
    return (await regions.names(session, [code])).get(code, "") if code else ""


async def applications_of(session: AsyncSession, citizen_id: int) -> list[Application]:
    return list(
        await session.scalars(
            select(Application).where(Application.citizen_id == citizen_id).order_by(Application.id.desc())
        )
    )


async def step_choices(session: AsyncSession, app: Application) -> dict[str, dict[str, str]]:
    """Options of the select questions: the city's districts for hukou, its communities for address."""
    rows = await regions.regions(session, prefix=(app.region_code or "331100")[:4])
    return {
        "hukou": {**{r.code: r.name for r in rows if r.level == "district"}, "other": "外地（本市以外）"},
        "community": {r.code: r.name for r in rows if r.level == "community"},
    }


async def on_notice(session: AsyncSession) -> tuple[list[Application], dict[str, str]]:
    """The public notice (公示): applications in their notice period, and their communities' names."""
    rows = list(
        await session.scalars(
            select(Application)
            .where(Application.status == rules.Status.NOTICE)
            .order_by(Application.step_due_on)
        )
    )
    return rows, await regions.names(session, [a.region_code for a in rows])


# ---------------------------------------------------------------- the office work list


@dataclass(frozen=True)
class WorkFilters:
    benefit: str = ""
    status: str = ""
    overdue: bool = False
    q: str = ""
    page_no: int = 1


def _search(q: str, secret: str):
    """A name, a reference or a resident ID number (matched by its keyed hash)."""
    conditions = [Application.reference == q.upper(), Application.applicant_name.like(f"%{q}%")]
    try:
        conditions.append(Application.id_hash == id_hash(secret, idcard.parse(q).number))
    except idcard.IdNumberError:
        pass
    return or_(*conditions)


def _work_conditions(current: RegionScope, filters: WorkFilters, secret: str, today: date) -> list:
    conditions = [current.where(Application.region_code), Application.status != rules.Status.DRAFT]
    if filters.benefit in calc.BENEFITS:
        conditions.append(Application.benefit == filters.benefit)
    if filters.status in rules.WORK_STATUSES:
        conditions.append(Application.status == filters.status)
    if filters.overdue:
        conditions += [
            Application.status.in_(rules.OVERDUE_STATUSES),
            or_(Application.step_due_on < today, Application.total_due_on < today),
        ]
    if filters.q:
        conditions.append(_search(filters.q, secret))
    return conditions


async def work_list(
    session: AsyncSession, current: RegionScope, filters: WorkFilters, secret: str, today: date
) -> tuple[list[Application], int]:
    """One page of the applications in the region that match, the nearest deadline first; and how
    many match in all."""
    stmt = select(Application).where(*_work_conditions(current, filters, secret, today))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.scalars(
        stmt.order_by(Application.step_due_on.is_(None), Application.step_due_on, Application.id)
        .limit(PAGE)
        .offset((max(filters.page_no, 1) - 1) * PAGE)
    )
    return list(rows), total


async def region_picker(session: AsyncSession, current: RegionScope) -> dict[str, str]:
    """The regions inside the current scope, code -> name, for the list's region filter."""
    return {r.code: r.name for r in await regions.regions(session, scope=current)}


# ---------------------------------------------------------------- policies


async def policies(session: AsyncSession, region_scope: RegionScope) -> list[Policy]:
    return list(
        await session.scalars(
            select(Policy)
            .where(region_scope.where(Policy.region_code))
            .order_by(Policy.effective_from.desc(), Policy.id.desc())
        )
    )


async def policy_changes(session: AsyncSession, policy_id: int, limit: int = 200) -> list:
    """The households whose amount a policy changed: (recalculation, head's name)."""
    rows = await session.execute(
        select(Recalculation, Person.name)
        .join(Enrolment, Enrolment.id == Recalculation.enrolment_id)
        .join(Household, Household.id == Enrolment.household_id)
        .join(Person, Person.id == Household.head_person_id)
        .where(Recalculation.policy_id == policy_id, Recalculation.new_cents != Recalculation.old_cents)
        .order_by(Recalculation.region_code)
        .limit(limit)
    )
    return list(rows.all())


# ---------------------------------------------------------------- enrolled households


async def households(
    session: AsyncSession, current: RegionScope, status: str, page_no: int
) -> tuple[list, int]:
    """One page of enrolled households in the region: (enrolment, head's name, masked ID)."""
    stmt = (
        select(Enrolment, Person.name, Person.id_masked)
        .join(Household, Household.id == Enrolment.household_id)
        .join(Person, Person.id == Household.head_person_id)
        .where(current.where(Enrolment.region_code))
    )
    if status in HOUSEHOLD_STATUSES:
        stmt = stmt.where(Enrolment.status == status)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.execute(
        stmt.order_by(Enrolment.region_code, Enrolment.id).limit(PAGE).offset((max(page_no, 1) - 1) * PAGE)
    )
    return list(rows.all()), total


# ---------------------------------------------------------------- payment rolls


async def rolls(session: AsyncSession, region_scope: RegionScope) -> list[PaymentRoll]:
    return list(
        await session.scalars(
            select(PaymentRoll)
            .where(region_scope.where(PaymentRoll.region_code))
            .order_by(PaymentRoll.month.desc(), PaymentRoll.region_code)
        )
    )


async def roll_districts(session: AsyncSession, region_scope: RegionScope, own_region: str | None) -> list:
    """The districts a roll may be generated for: a district officer's own, else those in scope."""
    districts = await regions.regions(session, level="district", scope=region_scope)
    if own_region and len(own_region) == 6 and own_region[4:] != "00":
        districts = [d for d in districts if d.code == own_region]
    return districts


async def roll_lines(session: AsyncSession, roll: PaymentRoll, limit: int | None = None) -> list[PaymentLine]:
    stmt = (
        select(PaymentLine)
        .where(PaymentLine.roll_id == roll.id)
        .order_by(PaymentLine.region_code, PaymentLine.id)
    )
    return list(await session.scalars(stmt if limit is None else stmt.limit(limit)))


async def roll_totals(session: AsyncSession, roll_id: int) -> list[tuple[str, str, int, int]]:
    """Per street: (code, name, households, fen)."""
    rows = await session.execute(
        select(Region.code, Region.name, func.count(), func.sum(PaymentLine.amount_cents))
        .join(Region, Region.code == func.substr(PaymentLine.region_code, 1, 9))
        .where(PaymentLine.roll_id == roll_id)
        .group_by(Region.code, Region.name)
        .order_by(Region.code)
    )
    return [tuple(r) for r in rows]


# ---------------------------------------------------------------- status proposals (a second person)


async def proposals_of(session: AsyncSession, enrolment_id: int) -> list[StatusProposal]:
    """An enrolment's proposals, the waiting ones first, then the latest decided."""
    rows = await session.scalars(
        select(StatusProposal)
        .where(StatusProposal.enrolment_id == enrolment_id)
        .order_by((StatusProposal.status == proposal_rules.Status.PROPOSED).desc(), StatusProposal.id.desc())
        .limit(20)
    )
    return list(rows)


def _origins_for(approvers: frozenset) -> list[str] | None:
    """The origins a decider's queue shows: a street reviewer sees survival lapses, a district
    approver everything else; None (everything) for those who decide nothing."""
    if not approvers:
        return None
    return [o.value for o in proposal_rules.Origin if proposal_rules.approver_of(o) in approvers]


async def proposal_queue(
    session: AsyncSession, scope: RegionScope, status: str, approvers: frozenset
) -> list[tuple[StatusProposal, Enrolment, Household]]:
    query = (
        select(StatusProposal, Enrolment, Household)
        .join(Enrolment, Enrolment.id == StatusProposal.enrolment_id)
        .join(Household, Household.id == StatusProposal.household_id)
        .where(scope.where(StatusProposal.region_code), StatusProposal.status == status)
        .order_by(StatusProposal.id if status == proposal_rules.Status.PROPOSED else StatusProposal.id.desc())
        .limit(PAGE)
    )
    origins = _origins_for(approvers)
    if origins is not None and status == proposal_rules.Status.PROPOSED:
        query = query.where(StatusProposal.origin.in_(origins))
    return [tuple(r) for r in await session.execute(query)]


async def waiting_proposals(session: AsyncSession, scope: RegionScope, approvers: frozenset) -> int:
    """How many proposals wait in the region (for a decider: those they decide)."""
    query = select(func.count()).where(
        scope.where(StatusProposal.region_code), StatusProposal.status == proposal_rules.Status.PROPOSED
    )
    origins = _origins_for(approvers)
    if origins is not None:
        query = query.where(StatusProposal.origin.in_(origins))
    return await session.scalar(query) or 0


async def proposal_detail(session: AsyncSession, proposal: StatusProposal) -> dict:
    """What a decider needs: the benefit, the household and its members, who died (for a death),
    and the notices sent after an approval."""
    members = [
        tuple(r)
        for r in await session.execute(
            select(HouseholdMember, Person)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(HouseholdMember.household_id == proposal.household_id)
            .order_by(HouseholdMember.id)
        )
    ]
    notices = list(
        await session.scalars(
            select(HouseholdNotice)
            .where(HouseholdNotice.proposal_id == proposal.id)
            .order_by(HouseholdNotice.id)
        )
    )
    return {
        "enrolment": await session.get(Enrolment, proposal.enrolment_id),
        "household": await session.get(Household, proposal.household_id),
        "members": members,
        "member": next((p for m, p in members if m.id == proposal.member_id), None),
        "notices": notices,
    }


async def letters_to_print(
    session: AsyncSession, scope: RegionScope, printed: bool
) -> list[tuple[HouseholdNotice, Household, Person | None]]:
    query = (
        select(HouseholdNotice, Household, Person)
        .join(Household, Household.id == HouseholdNotice.household_id)
        .outerjoin(Person, Person.id == HouseholdNotice.person_id)
        .where(
            scope.where(HouseholdNotice.region_code),
            HouseholdNotice.channel == "letter",
            HouseholdNotice.printed_at.is_not(None) if printed else HouseholdNotice.printed_at.is_(None),
        )
        .order_by(HouseholdNotice.id.desc() if printed else HouseholdNotice.id)
        .limit(PAGE)
    )
    return [tuple(r) for r in await session.execute(query)]
