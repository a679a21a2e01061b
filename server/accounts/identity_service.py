"""Binding a resident ID to a citizen account, in the database: claims checked against the register,
completed by a face match (the survival pipeline) or by a community worker in person, and disputes
("this is me") resolved by staff of the person's region. The rules are in ``accounts.rules``."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import rules as R
from server.accounts.citizen_service import CitizenError
from server.accounts.models import Citizen, IdentityClaim, IdentityDispute
from server.audit.service import Actor, record
from server.crypto import encrypt
from server.db import utcnow
from server.errors import Kind
from server.notifications.service import notify
from server.people import idcard
from server.people.models import Person
from server.people.queries import ID_PURPOSE, id_hash
from server.regions.models import Region
from server.survival import service as survival
from server.survival.models import Reference

MAX_DISPUTES_PER_DAY = 3


def _clean(name: str, raw_id: str) -> tuple[str, idcard.ResidentId]:
    name = " ".join((name or "").split())
    if not name or len(name) > 50:
        raise CitizenError("name.required")
    try:
        return name, idcard.parse(raw_id or "")
    except idcard.IdNumberError as e:
        raise CitizenError(e.code) from None


async def _holder(session: AsyncSession, digest: str) -> Citizen | None:
    return await session.scalar(select(Citizen).where(Citizen.id_hash == digest))


async def pending_claim(session: AsyncSession, citizen: Citizen) -> IdentityClaim | None:
    return await session.scalar(
        select(IdentityClaim)
        .where(IdentityClaim.citizen_id == citizen.id, IdentityClaim.status == "pending")
        .order_by(IdentityClaim.id.desc())
        .limit(1)
    )


async def has_reference(session: AsyncSession, person_id: int | None) -> bool:
    if person_id is None:
        return False
    return await session.scalar(select(Reference.id).where(Reference.person_id == person_id)) is not None


async def bind(
    session: AsyncSession,
    secret: str,
    citizen: Citizen,
    name: str,
    raw_id: str,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> tuple[str, IdentityClaim | None]:
    """Claim (name, number) for the account. Returns the outcome of ``rules.binding_outcome`` and the
    claim: "declared" (bound now, to apply), "face" or "pending" (waiting), "already". Raises
    CitizenError for a bad name or number, too many attempts, a name the register does not have for
    the number ("identity.mismatch") or a number bound to another account ("id.taken"); those
    attempts are recorded (the caller commits) so that they count against the daily limit."""
    now = now or utcnow()
    name, rid = _clean(name, raw_id)
    digest = id_hash(secret, rid.number)
    if R.is_the_person(citizen.identity_level) and citizen.id_hash and citizen.id_hash != digest:
        raise CitizenError("identity.bound", Kind.CONFLICT)
    tried = await session.scalar(
        select(func.count()).where(
            IdentityClaim.citizen_id == citizen.id, IdentityClaim.created_at > now - timedelta(days=1)
        )
    )
    refusal = R.claim_refusal(tried or 0)
    if refusal:
        raise CitizenError(refusal, Kind.TOO_MANY)
    person = await session.scalar(select(Person).where(Person.id_hash == digest))
    holder = await _holder(session, digest)
    outcome = R.binding_outcome(
        on_register=person is not None,
        name_ok=person is not None and R.names_match(name, person.name),
        has_reference=await has_reference(session, person.id if person else None),
        holder=R.Holder(holder.id == citizen.id, holder.identity_level) if holder else None,
        deceased=bool(person and person.deceased_on),
    )
    if outcome == "already":
        return outcome, None
    status = {"mismatch": "mismatch", "taken": "taken", "deceased": "refused", "declared": "declared"}.get(
        outcome, "pending"
    )
    if status in ("pending", "declared"):  # one open claim per account: a new one replaces it
        await session.execute(
            update(IdentityClaim)
            .where(IdentityClaim.citizen_id == citizen.id, IdentityClaim.status == "pending")
            .values(status="withdrawn", decided_at=now)
        )
    claim = IdentityClaim(
        citizen_id=citizen.id,
        name=name,
        id_hash=digest,
        id_masked=rid.masked,
        id_cipher=encrypt(secret, ID_PURPOSE, rid.number),
        person_id=person.id if person else None,
        region_code=person.region_code if person else None,
        status=status,
        method="declared" if status == "declared" else None,
        created_at=now,
        decided_at=now if status != "pending" else None,
    )
    session.add(claim)
    await session.flush()
    await record(
        session,
        actor,
        "citizen.identity_claim",
        "citizen",
        citizen.id,
        region_code=claim.region_code,
        after={"claim": claim.id, "name": name, "id": rid.masked, "outcome": outcome},
    )
    if outcome == "mismatch":
        raise CitizenError("identity.mismatch", Kind.INVALID)
    if outcome == "taken":
        raise CitizenError("id.taken", Kind.CONFLICT)
    if outcome == "deceased":
        raise CitizenError("identity.deceased", Kind.CONFLICT)
    if outcome == "declared":
        await _set_identity(session, actor, citizen, claim, "declared", now)
    return outcome, claim


async def _set_identity(
    session: AsyncSession, actor: Actor, citizen: Citizen, claim: IdentityClaim, level: str, now: datetime
) -> None:
    before = {"name": citizen.name, "id": citizen.id_masked, "level": citizen.identity_level}
    citizen.name, citizen.id_hash, citizen.id_masked = claim.name, claim.id_hash, claim.id_masked
    citizen.id_cipher, citizen.identity_level, citizen.verified_at = claim.id_cipher, level, now
    await session.execute(  # what the account held before is closed
        update(IdentityClaim)
        .where(
            IdentityClaim.citizen_id == citizen.id,
            IdentityClaim.id != claim.id,
            IdentityClaim.status.in_(("verified", "declared")),
        )
        .values(status="withdrawn", decided_at=now)
    )
    await session.flush()
    await record(
        session,
        actor,
        "citizen.bind_identity",
        "citizen",
        citizen.id,
        before=before,
        region_code=claim.region_code,
        after={
            "name": claim.name,
            "id": claim.id_masked,
            "level": level,
            "claim": claim.id,
            "method": claim.method,
        },
    )


async def _unbind(
    session: AsyncSession, actor: Actor, holder: Citizen, why: str, region_code: str | None
) -> None:
    before = {"name": holder.name, "id": holder.id_masked, "level": holder.identity_level}
    digest = holder.id_hash
    holder.name = holder.id_hash = holder.id_masked = holder.id_cipher = None
    holder.identity_level = holder.verified_at = None
    await session.execute(
        update(IdentityClaim)
        .where(
            IdentityClaim.citizen_id == holder.id,
            IdentityClaim.id_hash == digest,
            IdentityClaim.status.in_(("verified", "declared")),
        )
        .values(status="revoked", decided_at=utcnow())
    )
    await session.flush()  # the number is free before anyone else takes it (unique)
    await record(
        session,
        actor,
        "citizen.unbind_identity",
        "citizen",
        holder.id,
        before=before,
        after={"reason": why},
        region_code=region_code,
    )
    await notify(
        session,
        holder.id,
        "实名信息已解除",
        f"您账号绑定的身份证号码（{before['id']}）已被解除：{why}。如有疑问请到社区办理。",
        "/me",
    )


async def complete(
    session: AsyncSession,
    actor: Actor,
    claim: IdentityClaim,
    method: str,
    *,
    staff_id: int | None = None,
    note: str | None = None,
) -> Citizen:
    """A pending claim proven (face match or a worker): the account becomes the person. A merely
    declared holder of the number loses it; a verified one is never displaced here (dispute)."""
    now = utcnow()
    citizen = await session.get(Citizen, claim.citizen_id)
    assert citizen is not None
    holder = await _holder(session, claim.id_hash)
    if holder is not None and holder.id != citizen.id:
        if R.is_the_person(holder.identity_level):
            raise CitizenError("id.taken", Kind.CONFLICT)
        await _unbind(session, actor, holder, "社区已核实该身份证号码属于其他账号的持有人", claim.region_code)
    claim.status, claim.method, claim.decided_at, claim.decided_by = "verified", method, now, staff_id
    claim.note = note or claim.note
    await _set_identity(session, actor, citizen, claim, "verified", now)
    others = list(
        await session.scalars(
            select(IdentityClaim).where(
                IdentityClaim.id_hash == claim.id_hash,
                IdentityClaim.status == "pending",
                IdentityClaim.id != claim.id,
            )
        )
    )
    for other in others:
        other.status, other.decided_at = "superseded", now
        await notify(
            session,
            other.citizen_id,
            "实名认证未通过",
            f"身份证号码 {other.id_masked} 已由本人认证。如您就是本人，请在“我的”页面提出异议。",
            "/me",
        )
    await notify(
        session, citizen.id, "实名认证成功", f"您的账号已认证为 {claim.name}（{claim.id_masked}）。", "/me"
    )
    return citizen


# --- face match on the phone -------------------------------------------------------------------


async def _face_claim(session: AsyncSession, citizen: Citizen) -> tuple[IdentityClaim, Person]:
    claim = await pending_claim(session, citizen)
    person = await session.get(Person, claim.person_id) if claim and claim.person_id else None
    if claim is None or person is None or not await has_reference(session, person.id):
        raise CitizenError("identity.no_face", Kind.CONFLICT)
    if claim.face_attempts >= R.MAX_FACE_ATTEMPTS:
        raise CitizenError("identity.face_spent", Kind.TOO_MANY)
    return claim, person


async def face_challenge(session: AsyncSession, citizen: Citizen) -> tuple[str, list[str]]:
    claim, person = await _face_claim(session, citizen)
    try:
        nonce, challenge = await survival.issue_challenge(
            session, person, citizen_id=citizen.id, purpose="binding"
        )
    except survival.SurvivalError as e:
        raise CitizenError(e.code, e.kind) from None
    return nonce, list(challenge.actions)


async def face_submit(
    session: AsyncSession,
    actor: Actor,
    citizen: Citizen,
    nonce: str,
    frames: list[bytes],
    policy: survival.Policy | None = None,
) -> str:
    """Match the capture with the person's reference. "pass" completes the claim; anything else
    leaves it pending (a worker can still confirm it in person). Frames are not kept."""
    claim, person = await _face_claim(session, citizen)
    try:
        decision = await survival.match_face(
            session, person, nonce, frames, citizen_id=citizen.id, policy=policy
        )
    except survival.SurvivalError as e:
        raise CitizenError(e.code, e.kind) from None
    claim.face_attempts += 1
    claim.face_reasons = list(decision.reasons)
    await record(
        session,
        actor,
        "citizen.identity_face",
        "citizen",
        citizen.id,
        region_code=claim.region_code,
        after={"claim": claim.id, "decision": decision.outcome, "reasons": decision.reasons},
    )
    if decision.outcome == "pass":
        await complete(session, actor, claim, "face")
    await session.flush()
    return decision.outcome


# --- the worker's decision -------------------------------------------------------------------


async def decide_claim(
    session: AsyncSession, actor: Actor, claim: IdentityClaim, verdict: str, note: str
) -> None:
    refusal = R.decision_refusal(claim.status, verdict, note, R.CLAIM_DECISIONS, "pending")
    if refusal:
        raise CitizenError(refusal, Kind.CONFLICT if refusal == "identity.decided" else Kind.INVALID)
    staff_id = int(actor.id) if actor.kind == "staff" and actor.id else None
    if verdict == "confirm":
        await complete(session, actor, claim, "worker", staff_id=staff_id, note=note.strip() or None)
    else:
        claim.status, claim.decided_at, claim.decided_by, claim.note = (
            "refused",
            utcnow(),
            staff_id,
            note.strip(),
        )
        await notify(
            session,
            claim.citizen_id,
            "实名认证未通过",
            f"社区未能核实您的身份（{claim.id_masked}）：{note.strip()}",
            "/me",
        )
    await record(
        session,
        actor,
        f"citizen.identity_{R.CLAIM_DECISIONS[verdict]}",
        "identity_claim",
        claim.id,
        region_code=claim.region_code,
        opinion=note.strip() or None,
        after={"citizen": claim.citizen_id, "id": claim.id_masked, "status": claim.status},
    )
    await session.flush()


# --- disputes ----------------------------------------------------------------------------------


async def _city(session: AsyncSession) -> str:
    return await session.scalar(
        select(Region.code).where(Region.parent_code.is_(None)).order_by(Region.code).limit(1)
    )


async def open_dispute(
    session: AsyncSession, secret: str, citizen: Citizen, name: str, raw_id: str, statement: str, actor: Actor
) -> IdentityDispute:
    """ "This is me": always open to anyone; staff of the person's region (the city's for someone not
    on the register) look into it in person. It says nothing back about the number (whether it is on
    the register, under which name, whether anyone holds it): a dispute is no way of finding out what
    binding attempts are limited for."""
    name, rid = _clean(name, raw_id)
    digest = id_hash(secret, rid.number)
    existing = await session.scalar(
        select(IdentityDispute).where(
            IdentityDispute.citizen_id == citizen.id,
            IdentityDispute.id_hash == digest,
            IdentityDispute.status == "open",
        )
    )
    if existing is not None:
        return existing
    recent = await session.scalar(
        select(func.count()).where(
            IdentityDispute.citizen_id == citizen.id,
            IdentityDispute.created_at > utcnow() - timedelta(days=1),
        )
    )
    if (recent or 0) >= MAX_DISPUTES_PER_DAY:
        raise CitizenError("identity.too_many", Kind.TOO_MANY)
    person = await session.scalar(select(Person).where(Person.id_hash == digest))
    holder = await _holder(session, digest)
    dispute = IdentityDispute(
        citizen_id=citizen.id,
        name=name,
        id_hash=digest,
        id_masked=rid.masked,
        id_cipher=encrypt(secret, ID_PURPOSE, rid.number),
        person_id=person.id if person else None,
        region_code=person.region_code if person else await _city(session),
        holder_id=holder.id if holder and holder.id != citizen.id else None,
        statement=" ".join((statement or "").split())[:500] or None,
        status="open",
        created_at=utcnow(),
    )
    session.add(dispute)
    await session.flush()
    await record(
        session,
        actor,
        "citizen.identity_dispute",
        "identity_dispute",
        dispute.id,
        region_code=dispute.region_code,
        after={"citizen": citizen.id, "id": rid.masked, "holder": dispute.holder_id},
    )
    await notify(
        session,
        citizen.id,
        "异议已提交",
        f"您对身份证号码 {rid.masked} 的绑定提出的异议已提交，社区工作人员会联系您当面核实。",
        "/me",
    )
    return dispute


async def decide_dispute(
    session: AsyncSession, actor: Actor, dispute: IdentityDispute, verdict: str, note: str
) -> None:
    """Upheld (the claimant is the person, seen in person with the ID card): whoever holds the number
    loses it and the claimant gets it (verified for a register person, declared otherwise); others'
    pending claims of it are closed. Dismissed: nothing changes. Both audited, the parties told."""
    refusal = R.decision_refusal(dispute.status, verdict, note, R.DISPUTE_DECISIONS, "open")
    if refusal:
        raise CitizenError(refusal, Kind.CONFLICT if refusal == "identity.decided" else Kind.INVALID)
    now = utcnow()
    staff_id = int(actor.id) if actor.kind == "staff" and actor.id else None
    dispute.status, dispute.decided_at, dispute.decided_by = R.DISPUTE_DECISIONS[verdict], now, staff_id
    dispute.note = note.strip() or None
    holder = await _holder(session, dispute.id_hash)
    if verdict == "uphold":
        if holder is not None and holder.id != dispute.citizen_id:
            await _unbind(session, actor, holder, "经社区当面核实，该身份证号码属于他人", dispute.region_code)
        claimant = await session.get(Citizen, dispute.citizen_id)
        assert claimant is not None
        if claimant.id_hash and claimant.id_hash != dispute.id_hash:
            await _unbind(session, actor, claimant, "已改为绑定经核实的本人身份", dispute.region_code)
        claim = IdentityClaim(
            citizen_id=claimant.id,
            name=dispute.name,
            id_hash=dispute.id_hash,
            id_masked=dispute.id_masked,
            id_cipher=dispute.id_cipher,
            person_id=dispute.person_id,
            region_code=dispute.region_code if dispute.person_id else None,
            status="verified" if dispute.person_id else "declared",
            method="dispute",
            created_at=now,
            decided_at=now,
            decided_by=staff_id,
            note=dispute.note,
        )
        session.add(claim)
        await session.execute(
            update(IdentityClaim)
            .where(IdentityClaim.id_hash == dispute.id_hash, IdentityClaim.status == "pending")
            .values(status="superseded", decided_at=now)
        )
        await session.flush()
        await _set_identity(session, actor, claimant, claim, claim.status, now)
        await notify(
            session,
            claimant.id,
            "异议已处理",
            f"经核实，身份证号码 {dispute.id_masked} 已绑定到您的账号。",
            "/me",
        )
    else:
        await notify(
            session,
            dispute.citizen_id,
            "异议已处理",
            f"经核实，您对身份证号码 {dispute.id_masked} 的异议未获支持：{dispute.note}",
            "/me",
        )
    await record(
        session,
        actor,
        f"citizen.identity_dispute_{dispute.status}",
        "identity_dispute",
        dispute.id,
        region_code=dispute.region_code,
        opinion=dispute.note,
        after={
            "citizen": dispute.citizen_id,
            "holder": holder.id if holder else None,
            "id": dispute.id_masked,
        },
    )
    await session.flush()
