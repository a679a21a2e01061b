"""A second person before money stops: proposing to suspend or stop a household's benefit, or to
record a member's death, and deciding such a proposal (``server/people/rules.py``).

This is the only path that suspends or stops a benefit (``change_status`` to suspended/stopped is
called here and nowhere else: tests/people/test_proposals.py checks the source) and the only path
that marks a member of an enrolled household deceased. On approval the household is told: a PWA
message to each member with an account, else a text message, else a letter to print; each notice is
kept (``HouseholdNotice``). A rejection sends nothing: nothing changed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Citizen
from server.accounts.permissions import P, allows
from server.accounts.sms import SmsSender
from server.assistance import calc
from server.assistance import households_service as households
from server.audit.service import SYSTEM, Actor, record
from server.db import utcnow
from server.errors import DomainError, Kind
from server.money import yuan
from server.notifications.service import notify
from server.people import rules
from server.people.enrolments import change_status
from server.people.models import (
    Enrolment,
    Household,
    HouseholdMember,
    HouseholdNotice,
    Person,
    StatusProposal,
)

SYSTEM_NAME = "系统"
# who may decide, by the approver a proposal's origin needs (rules.approver_of)
APPROVER_PERMISSION = {
    rules.Approver.DISTRICT: P.STATUS_APPROVE,
    rules.Approver.STREET: P.SURVIVAL_LAPSE_CONFIRM,
}


def approvers_of(actor: Actor) -> frozenset[rules.Approver]:
    return frozenset(a for a, p in APPROVER_PERMISSION.items() if allows(actor.role, p))


async def pending_for(
    session: AsyncSession, enrolment_id: int, action: str, member_id: int | None = None
) -> StatusProposal | None:
    query = select(StatusProposal).where(
        StatusProposal.enrolment_id == enrolment_id,
        StatusProposal.action == action,
        StatusProposal.status == rules.Status.PROPOSED,
    )
    if member_id is not None:
        query = query.where(StatusProposal.member_id == member_id)
    return await session.scalar(query.limit(1))


async def propose(
    session: AsyncSession,
    actor: Actor,
    enrolment: Enrolment,
    action: str,
    reason: str,
    *,
    origin: rules.Origin,
    source: str,
    member_id: int | None = None,
) -> StatusProposal:
    """Propose a change; nothing about the benefit changes yet. A proposal already waiting for the
    same enrolment and action (and member) is returned instead of a second one."""
    if actor.kind != "system" and not allows(actor.role, P.STATUS_PROPOSE):
        raise DomainError("error.forbidden", Kind.FORBIDDEN)
    origin = rules.Origin(origin)
    act = rules.check_proposal(action, enrolment.status, reason, member_id)
    existing = await pending_for(session, enrolment.id, act, member_id)
    if existing is not None:
        return existing
    if act == rules.Action.DEATH:
        member = await session.get(HouseholdMember, member_id)
        person = await session.get(Person, member.person_id) if member else None
        if member is None or member.household_id != enrolment.household_id or person is None:
            raise DomainError("error.not_found", Kind.NOT_FOUND)
        if person.deceased_on is not None:
            raise DomainError("proposal.already_deceased", Kind.CONFLICT)
    proposal = StatusProposal(
        enrolment_id=enrolment.id,
        household_id=enrolment.household_id,
        region_code=enrolment.region_code,
        action=act.value,
        member_id=member_id,
        reason=reason.strip(),
        origin=origin.value,
        source=source[:64],
        status=rules.Status.PROPOSED.value,
        proposed_by=(actor.name or SYSTEM_NAME) if actor.kind != "system" else SYSTEM_NAME,
        proposed_by_id=actor.id if actor.kind != "system" else None,
    )
    session.add(proposal)
    await session.flush()
    await record(
        session,
        actor,
        "proposal.create",
        "status_proposal",
        proposal.id,
        region_code=proposal.region_code,
        after={
            "enrolment_id": enrolment.id,
            "action": act.value,
            "member_id": member_id,
            "origin": origin.value,
            "source": proposal.source,
        },
        opinion=proposal.reason,
    )
    return proposal


async def decide(
    session: AsyncSession,
    actor: Actor,
    proposal: StatusProposal,
    decision: str,
    opinion: str,
    today: date,
    sms: SmsSender,
) -> StatusProposal:
    """Approve, reject or withdraw: by another person than the proposer, the approver its origin
    needs (a district approver; a street reviewer for a survival lapse), with an opinion. Only an
    approval changes the benefit, and then the household is told."""
    before = proposal.status
    target = rules.check_decision(
        proposal.status,
        decision,
        origin=proposal.origin,
        proposer_id=proposal.proposed_by_id,
        decider_id=actor.id if actor.kind != "system" else None,
        decider_can=approvers_of(actor),
        opinion=opinion,
    )
    enrolment = await session.get(Enrolment, proposal.enrolment_id)
    if target == rules.Status.APPROVED:
        await _carry_out(session, actor, proposal, enrolment, today)
    proposal.status = target.value
    proposal.decided_by = actor.name or SYSTEM_NAME
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    proposal.opinion = (opinion or "").strip() or None
    await session.flush()
    await record(
        session,
        actor,
        f"proposal.{rules.Decision(decision).value}",
        "status_proposal",
        proposal.id,
        region_code=proposal.region_code,
        before={"status": before},
        after={"status": proposal.status, "action": proposal.action, "enrolment_id": proposal.enrolment_id},
        opinion=proposal.opinion,
    )
    if target == rules.Status.APPROVED:
        if enrolment.status == "stopped":  # what else waited on this benefit has nothing left to act on
            await _withdraw_waiting(session, enrolment.id, "待遇已停止发放")
        await tell_household(session, sms, proposal, enrolment)
    return proposal


async def _carry_out(
    session: AsyncSession, actor: Actor, proposal: StatusProposal, enrolment: Enrolment, today: date
) -> None:
    text = proposal.reason  # who proposed and who approved are on the proposal and in the audit trail
    action = rules.Action(proposal.action)
    if enrolment.status not in rules.ACTS_ON[action]:
        raise DomainError("enrolment.transition", Kind.CONFLICT)
    if action in rules.ENROLMENT_STATUS:
        await change_status(
            session,
            actor,
            enrolment,
            rules.ENROLMENT_STATUS[action],
            text,
            source=proposal.source,
            effective=today,
        )
        return
    await households.record_death(session, actor, enrolment, proposal.member_id, today, reason=text)
    living = await session.scalar(
        select(func.count())
        .select_from(HouseholdMember)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(HouseholdMember.household_id == enrolment.household_id, Person.deceased_on.is_(None))
    )
    if not living:  # nobody of the household is left: the benefit ends
        await change_status(
            session, actor, enrolment, "stopped", text, source=proposal.source, effective=today
        )


async def withdraw_lapses(session: AsyncSession, enrolment_ids: list[int], why: str) -> int:
    """The survival check was passed: the lapse proposals still waiting on these enrolments are
    withdrawn by the system (audited, one record each)."""
    return await _withdraw_waiting(session, enrolment_ids, why, rules.Origin.SURVIVAL)


async def _withdraw_waiting(
    session: AsyncSession, enrolment_ids: int | list[int], why: str, origin: rules.Origin | None = None
) -> int:
    ids = [enrolment_ids] if isinstance(enrolment_ids, int) else enrolment_ids
    query = select(StatusProposal).where(
        StatusProposal.enrolment_id.in_(ids or [0]), StatusProposal.status == rules.Status.PROPOSED
    )
    if origin is not None:
        query = query.where(StatusProposal.origin == origin)
    waiting = list(await session.scalars(query))
    for proposal in waiting:
        proposal.status = rules.move(proposal.status, rules.Decision.WITHDRAW).value
        proposal.decided_by, proposal.decided_at, proposal.opinion = SYSTEM_NAME, utcnow(), why
        await record(
            session,
            SYSTEM,
            "proposal.withdraw",
            "status_proposal",
            proposal.id,
            region_code=proposal.region_code,
            before={"status": rules.Status.PROPOSED.value},
            after={"status": proposal.status},
            opinion=why,
        )
    await session.flush()
    return len(waiting)


# ------------------------------------------------------------------------------ telling the household


def notice_text(proposal: StatusProposal, enrolment: Enrolment, deceased: str | None) -> tuple[str, str]:
    benefit = calc.BENEFITS.get(enrolment.benefit, enrolment.benefit)
    action = rules.Action(proposal.action)
    if action == rules.Action.DEATH:
        what = (
            f"经区县民政部门审批，已登记家庭成员{deceased or ''}去世，"
            f"{benefit}金额重新核定为每月{yuan(enrolment.monthly_amount_cents)}元"
        )
    else:
        verb = "暂停发放" if action == rules.Action.SUSPEND else "停止发放"
        approver = "街道（乡镇）" if proposal.origin == rules.Origin.SURVIVAL else "区县民政部门"
        what = f"经{approver}审核，您家庭的{benefit}{verb}"
    body = (
        f"{what}。原因：{proposal.reason}。如有疑问或异议，请联系社区工作人员，"
        "也可依法申请行政复议或提起行政诉讼。"
    )
    return "待遇变更通知", body


async def tell_household(
    session: AsyncSession, sms: SmsSender, proposal: StatusProposal, enrolment: Enrolment
) -> list[HouseholdNotice]:
    """Each living member with a verified account gets a PWA message; with none, a text message goes
    to the head (or the first member with a phone); with no phone, a letter waits to be printed."""
    members = (
        await session.execute(
            select(HouseholdMember, Person)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(HouseholdMember.household_id == enrolment.household_id)
            .order_by(HouseholdMember.id)
        )
    ).all()
    deceased = next((p.name for m, p in members if m.id == proposal.member_id), None)
    living = [(m, p) for m, p in members if p.deceased_on is None]
    title, body = notice_text(proposal, enrolment, deceased)
    accounts = (
        await session.execute(
            select(Citizen.id, Person.id)
            .join(Person, Person.id_hash == Citizen.id_hash)
            .where(Person.id.in_([p.id for _, p in living] or [0]), Citizen.identity_level == "verified")
            .order_by(Citizen.id)
        )
    ).all()
    notices = []
    household = await session.get(Household, enrolment.household_id)

    def keep(channel: str, person_id: int | None) -> None:
        notices.append(
            HouseholdNotice(
                proposal_id=proposal.id,
                household_id=enrolment.household_id,
                region_code=enrolment.region_code,
                person_id=person_id,
                channel=channel,
                title=title,
                body=body,
            )
        )

    if accounts:
        for citizen_id, person_id in accounts:
            await notify(session, citizen_id, title, body, "/me/messages")
            keep("pwa", person_id)
    else:
        head = [p for _, p in living if p.id == household.head_person_id]
        with_phone = [p for p in head + [p for _, p in living] if p.phone]
        if with_phone:
            await sms.send(session, with_phone[0].phone, f"【惠民】{title}：{body}")
            keep("sms", with_phone[0].id)
        else:
            addressee = (head or [p for _, p in living] or [None])[0]
            keep("letter", addressee.id if addressee else None)
    session.add_all(notices)
    await session.flush()
    return notices


async def mark_printed(session: AsyncSession, actor: Actor, notice: HouseholdNotice) -> None:
    if notice.channel != "letter":
        raise DomainError("error.not_found", Kind.NOT_FOUND)
    if notice.printed_at is None:
        await session.execute(
            update(HouseholdNotice)
            .where(HouseholdNotice.id == notice.id)
            .values(printed_at=utcnow(), printed_by=actor.name)
        )
        await record(
            session,
            actor,
            "proposal.letter_printed",
            "household_notice",
            notice.id,
            region_code=notice.region_code,
            after={"proposal_id": notice.proposal_id},
        )


# ------------------------------------------------------------------------------ the household page


async def household_change(
    session: AsyncSession,
    actor: Actor,
    enrolment: Enrolment,
    today: date,
    *,
    reason: str,
    income_cents: int | None,
    member_died: int | None,
) -> StatusProposal | None:
    """The change form: a new income is recalculated at once; a member's death is proposed."""
    if income_cents is not None or member_died is None:
        await households.change_request(
            session, actor, enrolment, today, reason=reason, income_cents=income_cents
        )
    if member_died is None:
        return None
    return await propose(
        session,
        actor,
        enrolment,
        rules.Action.DEATH,
        reason,
        origin=rules.Origin.FORM,
        source="assistance.household_form",
        member_id=member_died,
    )


async def household_status(
    session: AsyncSession, actor: Actor, enrolment: Enrolment, status: str, reason: str
) -> StatusProposal | None:
    """The status form: resuming is one step; suspending or stopping is proposed."""
    if status == "active":
        await change_status(session, actor, enrolment, "active", reason, source="office")
        return None
    action = {v: k for k, v in rules.ENROLMENT_STATUS.items()}.get(status)
    if action is None:
        raise DomainError("enrolment.transition", Kind.INVALID)
    return await propose(
        session,
        actor,
        enrolment,
        action,
        reason,
        origin=rules.Origin.FORM,
        source="assistance.household_form",
    )
