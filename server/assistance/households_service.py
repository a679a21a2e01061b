"""Enrolled households: their members from the register, today's calculation, and change
requests (income changed, a member died) that recalculate the benefit by rule."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance import calc, service
from server.assistance.models import HouseholdFacts, MemberFacts
from server.audit.service import Actor, record
from server.errors import DomainError, Kind
from server.people.models import Enrolment, HouseholdMember, Person


async def members_of(session: AsyncSession, household_id: int) -> list[tuple[HouseholdMember, Person]]:
    rows = await session.execute(
        select(HouseholdMember, Person)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(HouseholdMember.household_id == household_id)
        .order_by(HouseholdMember.id)
    )
    return [tuple(r) for r in rows]


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


async def household_now(
    session: AsyncSession, enrolment: Enrolment, today: date
) -> tuple[calc.Household, list]:
    members = [(m, p) for m, p in await members_of(session, enrolment.household_id) if p.deceased_on is None]
    facts = await session.get(HouseholdFacts, enrolment.household_id)
    relationships = {m.relationship_to_head for m, _ in members}
    people = tuple(
        calc.Member(p.name, _age(p.birth_date, today), m.disability_grade, m.serious_illness)
        for m, p in members
    )
    single_parent = (
        any(x.age < calc.ADULT_AGE for x in people)
        and "spouse" not in relationships
        and "child" in relationships
    )
    household = calc.Household(
        members=people,
        income_cents={"total": facts.income_cents if facts else 0},
        deposits_cents=facts.deposits_cents if facts else 0,
        extra_housing=facts.extra_housing if facts else 0,
        vehicles=facts.vehicles if facts else 0,
        single_parent=single_parent,
    )
    return household, members


async def current_calculation(
    session: AsyncSession, enrolment: Enrolment, today: date
) -> calc.Calculation | None:
    if enrolment.benefit not in calc.MONTHLY:
        return None
    policy = await service.policy_for(session, enrolment.region_code, today)
    if policy is None:
        return None
    household, _ = await household_now(session, enrolment, today)
    return calc.calculate(enrolment.benefit, household, service.terms(policy))


async def change_request(
    session: AsyncSession,
    actor: Actor,
    enrolment: Enrolment,
    today: date,
    *,
    reason: str,
    income_cents: int | None = None,
) -> calc.Calculation | None:
    """Record the change, refresh the facts, and recompute the amount by rule. A member's death is
    no change request: it is proposed and approved (``proposals_service``), then ``record_death``."""
    if not reason.strip():
        raise DomainError("enrolment.reason", Kind.INVALID)
    if enrolment.status == "stopped":
        raise DomainError("enrolment.transition", Kind.CONFLICT)
    before = {"amount_cents": enrolment.monthly_amount_cents}
    facts = await session.get(HouseholdFacts, enrolment.household_id)
    if facts is None:
        raise DomainError("assistance.no_facts", Kind.CONFLICT)
    if income_cents is not None:
        before["income_cents"], facts.income_cents = facts.income_cents, income_cents
    return await _recalculate(session, actor, enrolment, today, before, reason)


async def record_death(
    session: AsyncSession,
    actor: Actor,
    enrolment: Enrolment,
    member_id: int | None,
    today: date,
    *,
    reason: str,
) -> calc.Calculation | None:
    """An approved death proposal: the member is marked deceased, leaves the household's facts, and
    the amount is recalculated by rule. Called only by ``proposals_service`` on approval."""
    member = await session.get(HouseholdMember, member_id) if member_id is not None else None
    if member is None or member.household_id != enrolment.household_id:
        raise DomainError("error.not_found", Kind.NOT_FOUND)
    facts = await session.get(HouseholdFacts, enrolment.household_id)
    if facts is None:
        raise DomainError("assistance.no_facts", Kind.CONFLICT)
    person = await session.get(Person, member.person_id)
    person.deceased_on = today
    await session.execute(delete(MemberFacts).where(MemberFacts.member_id == member.id))
    facts.members = max(facts.members - 1, 0)
    before = {"amount_cents": enrolment.monthly_amount_cents, "member_died": person.id_masked}
    return await _recalculate(session, actor, enrolment, today, before, reason)


async def _recalculate(
    session: AsyncSession, actor: Actor, enrolment: Enrolment, today: date, before: dict, reason: str
) -> calc.Calculation | None:
    await session.flush()
    result = await current_calculation(session, enrolment, today)
    if result is not None:
        enrolment.monthly_amount_cents = result.amount_cents
    await session.flush()
    await record(
        session,
        actor,
        "enrolment.change",
        "enrolment",
        enrolment.id,
        region_code=enrolment.region_code,
        before=before,
        after={"amount_cents": enrolment.monthly_amount_cents, "eligible": bool(result and result.eligible)},
        opinion=reason.strip(),
    )
    return result
