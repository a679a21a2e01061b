"""Writes of the citizen's rights, each audited in the same transaction: a data-rights request
(with its legal deadline), staff taking it up and answering or refusing it (the citizen is told),
and account cancellation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Citizen, IdentityClaim
from server.audit.service import Actor, record
from server.calendar.service import load_calendar
from server.db import utcnow
from server.errors import DomainError, Kind
from server.forms import text
from server.notifications.models import PushSubscription
from server.notifications.service import notify
from server.regions.models import Region
from server.rights import queries, rules
from server.rights.models import RightsRequest


async def _city(session: AsyncSession) -> str:
    return await session.scalar(
        select(Region.code).where(Region.parent_code.is_(None)).order_by(Region.code).limit(1)
    )


async def file_request(
    session: AsyncSession,
    actor: Actor,
    citizen: Citizen,
    *,
    kind: str,
    description: str,
    about: str | None,
    today: date,
) -> RightsRequest:
    """A request as typed: its kind, what it says, and (for an explanation) the decision it is about,
    which must be one of the citizen's own. It goes to the person's region (the city's staff for
    someone not on the register) with the deadline of 15 working days."""
    if kind not in set(rules.RequestKind):
        raise DomainError("rights.kind", Kind.INVALID, field="kind")
    description = text(description, rules.DESCRIPTION_LIMIT)
    parsed = rules.parse_about(about) if about else None
    if about and (parsed is None or not await queries.about_is_own(session, citizen, *parsed)):
        raise DomainError("rights.about", Kind.INVALID, field="about")
    if not description and parsed is None:
        raise DomainError("rights.description", Kind.INVALID, field="description")
    person = await queries.person_of(session, citizen)
    region = person.region_code if person is not None else await _city(session)
    request = RightsRequest(
        citizen_id=citizen.id,
        person_id=person.id if person is not None else None,
        region_code=region,
        kind=kind,
        about=f"{parsed[0]}:{parsed[1]}" if parsed else None,
        description=description or rules.ABOUT_KINDS[parsed[0]],  # type: ignore[index]
        status=rules.Status.RECEIVED,
        received_on=today,
        due_on=rules.deadline(today, await load_calendar(session)),
    )
    session.add(request)
    await session.flush()
    request.reference = rules.reference_of(request.id, today)
    await record(
        session,
        actor,
        "rights.request",
        "rights_request",
        request.reference,
        region_code=region,
        after={"kind": kind, "about": request.about, "due_on": request.due_on.isoformat()},
    )
    return request


async def handle(
    session: AsyncSession, actor: Actor, request: RightsRequest, action: str, answer: str
) -> RightsRequest:
    """Staff take a request up, answer it or refuse it (saying why); the citizen is told of an
    answer or a refusal."""
    to = rules.transition(request.status, action)
    answer = text(answer, rules.ANSWER_LIMIT)
    if rules.needs_text(action) and not answer:
        raise DomainError("rights.answer", Kind.INVALID, field="answer")
    before = {"status": request.status}
    request.status = to
    request.handled_by = actor.name
    if to in rules.FINAL:
        request.answer, request.answered_at = answer, utcnow()
        title = "您的个人信息请求已答复" if to == rules.Status.ANSWERED else "您的个人信息请求未予办理"
        await notify(
            session,
            request.citizen_id,
            title,
            f"{request.reference}：{answer[:80]}",
            "/me/data#requests",
        )
    await session.flush()
    await record(
        session,
        actor,
        f"rights.{action}",
        "rights_request",
        request.reference,
        region_code=request.region_code,
        before=before,
        after={"status": to},
        opinion=answer or None,
    )
    return request


async def cancel_account(session: AsyncSession, actor: Actor, citizen: Citizen) -> None:
    """注销: the account ends. Its sessions end at their next request (the citizen guard reads
    ``cancelled_at``), the identity binding is released (another account may bind the person), the
    phone number is freed (signing in with it again starts a new, empty account), pending identity
    claims are withdrawn and push subscriptions removed. Applications, benefits, certificates and
    the audit trail stay: the law keeps them for their periods, under the person, not the account."""
    if citizen.cancelled_at is not None:
        raise DomainError("rights.cancelled", Kind.CONFLICT)
    before = {
        "phone": rules.mask_phone(citizen.phone),
        "identity_level": citizen.identity_level,
        "id_masked": citizen.id_masked,
    }
    await session.execute(
        update(IdentityClaim)
        .where(IdentityClaim.citizen_id == citizen.id, IdentityClaim.status == "pending")
        .values(status="withdrawn", decided_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    await session.execute(delete(PushSubscription).where(PushSubscription.citizen_id == citizen.id))
    citizen.cancelled_at = utcnow()
    citizen.phone = rules.cancelled_phone(citizen.id)
    citizen.name = citizen.id_hash = citizen.id_masked = citizen.id_cipher = None
    citizen.identity_level = None
    citizen.verified_at = None
    await session.flush()
    await record(
        session, actor, "citizen.cancel", "citizen", citizen.id, before=before, after={"cancelled": True}
    )
