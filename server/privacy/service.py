"""Writes of notice and consent, each audited in the same transaction: the applicant's own consent
before the first sensitive question, the people an application's check reads (at submission), a
member's consent from their own account, the applicant's as a minor's guardian, a signed paper form
recorded by a community worker of the application's region, and withdrawals.

The application is passed in as it is (``Case``): this package does not import the assistance
package, which calls it."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import rules as identity_rules
from server.accounts.models import Citizen
from server.audit.service import Actor, record
from server.db import utcnow
from server.errors import DomainError, Kind
from server.files import write_private
from server.images import clean_photo
from server.notifications.service import notify
from server.privacy import queries, rules
from server.privacy.models import Consent, ConsentRequest
from server.privacy.notice import NOTICE_VERSION
from server.regions.scope import RegionScope
from server.settings import Settings

TASK_TITLE = "确认同意核对家庭经济状况"
TASKS_URL = "/me/consents"


class PrivacyError(DomainError):
    pass


class Case(Protocol):
    """What this package reads and writes of an application."""

    id: int
    reference: str
    region_code: str | None
    citizen_id: int | None
    answers: dict
    notice_version: str | None


def paper_path(settings: Settings, stored_name: str):
    return settings.var_dir / "uploads" / "privacy" / stored_name


async def _give(
    session: AsyncSession,
    actor: Actor,
    app_id: int,
    reference: str,
    region_code: str | None,
    member: rules.Member,
    role: rules.Role,
    basis: rules.Basis,
    citizen_id: int | None = None,
    paper: tuple[str, str] | None = None,
) -> Consent:
    consent = Consent(
        application_id=app_id,
        id_hash=member.id_hash,
        name=member.name,
        role=role.value,
        basis=basis.value,
        notice_version=NOTICE_VERSION,
        given_at=utcnow(),
        given_by=actor.name or member.name,
        citizen_id=citizen_id,
        paper_name=paper[0] if paper else None,
        paper_sha256=paper[1] if paper else None,
    )
    session.add(consent)
    await session.flush()
    await record(
        session,
        actor,
        "privacy.consent",
        "application",
        reference,
        region_code=region_code,
        after={
            "consent": consent.id,
            "person": member.id_masked,
            "role": role.value,
            "basis": basis.value,
            "notice_version": NOTICE_VERSION,
            **({"paper_sha256": paper[1]} if paper else {}),
        },
    )
    return consent


async def consent_at_start(session: AsyncSession, actor: Actor, app: Case, citizen: Citizen) -> None:
    """The applicant has read the service's notice and consents to the check of their own data:
    the notice version goes on the application, the consent on record. Before any sensitive question."""
    if not citizen.id_hash or not identity_rules.may_apply(citizen.identity_level):  # a proven identity only
        raise PrivacyError("assistance.identity", Kind.FORBIDDEN)
    if app.citizen_id != citizen.id:
        raise PrivacyError("error.not_found", Kind.NOT_FOUND)
    app.notice_version = NOTICE_VERSION
    held = queries.active(await queries.records_of(session, app.id))
    if any(g.id_hash == citizen.id_hash and g.role == rules.Role.SELF for g in held):
        return
    me = rules.Member(citizen.id_hash, citizen.name or "", citizen.id_masked or "", None, "applicant", True)
    await _give(
        session,
        actor,
        app.id,
        app.reference,
        app.region_code,
        me,
        rules.Role.SELF,
        rules.Basis.SELF,
        citizen.id,
    )


async def open_requests(session: AsyncSession, app: Case, today: date) -> None:
    """At submission: the people whose consent the check needs, as the answers list them now (a
    resubmission drops those no longer listed); each member with an account bound to their identity
    who still owes their own consent gets a message with the task."""
    members = rules.members_of(app.answers)
    hashes = [m.id_hash for m in members]
    await session.execute(
        delete(ConsentRequest).where(
            ConsentRequest.application_id == app.id, ConsentRequest.id_hash.not_in(hashes)
        )
    )
    existing = {
        r.id_hash: r
        for r in await session.scalars(select(ConsentRequest).where(ConsentRequest.application_id == app.id))
    }
    new = [m for m in members if m.id_hash not in existing]
    for m in members:
        row = existing.get(m.id_hash)
        if row is not None:
            row.region_code, row.name, row.relationship = app.region_code, m.name, m.relationship
    session.add_all(
        ConsentRequest(
            application_id=app.id,
            reference=app.reference,
            region_code=app.region_code,
            id_hash=m.id_hash,
            name=m.name,
            id_masked=m.id_masked,
            birth=m.birth,
            relationship=m.relationship,
            applicant=m.applicant,
        )
        for m in new
    )
    await session.flush()
    owing = {
        m.id_hash
        for m, role in rules.missing(new, queries.active(await queries.records_of(session, app.id)), today)
        if role == rules.Role.SELF and not m.applicant
    }
    if owing:
        accounts = await session.scalars(select(Citizen.id).where(Citizen.id_hash.in_(owing)))
        for citizen_id in accounts:
            await notify(
                session,
                citizen_id,
                TASK_TITLE,
                f"您的家人提交了救助申请（{app.reference}），需要您本人同意核对您的收入和财产状况。",
                TASKS_URL,
            )


async def consent_as_member(
    session: AsyncSession, actor: Actor, citizen: Citizen, request_id: int, today: date
) -> Consent:
    """A member, signed in with their bound identity, consents for themself."""
    req = await queries.request_in(session, request_id)
    if req is None or not citizen.id_hash or req.id_hash != citizen.id_hash:
        raise PrivacyError("error.not_found", Kind.NOT_FOUND)
    member = rules.Member(req.id_hash, req.name, req.id_masked, req.birth, req.relationship, req.applicant)
    held = queries.active(await queries.records_of(session, req.application_id))
    if not any(role == rules.Role.SELF for _, role in rules.missing([member], held, today)):
        raise PrivacyError("privacy.already_given")
    return await _give(
        session,
        actor,
        req.application_id,
        req.reference,
        req.region_code,
        member,
        rules.Role.SELF,
        rules.Basis.SELF,
        citizen.id,
    )


async def consent_as_guardian(
    session: AsyncSession, actor: Actor, app: Case, citizen: Citizen, id_hash: str, today: date
) -> Consent:
    """The applicant consents, as guardian, for a minor child or grandchild listed on their own
    application (any other minor: a paper form signed by the guardian)."""
    if app.citizen_id != citizen.id:
        raise PrivacyError("error.not_found", Kind.NOT_FOUND)
    members = rules.members_of(app.answers)
    applicant = next((m for m in members if m.applicant), None)
    member = next((m for m in members if m.id_hash == id_hash and not m.applicant), None)
    if member is None:
        raise PrivacyError("error.not_found", Kind.NOT_FOUND)
    if not rules.applicant_may_be_guardian(applicant, member, today):
        raise PrivacyError("privacy.not_guardian", Kind.FORBIDDEN)
    held = queries.active(await queries.records_of(session, app.id))
    if not any(role == rules.Role.GUARDIAN for _, role in rules.missing([member], held, today)):
        raise PrivacyError("privacy.already_given")
    return await _give(
        session,
        actor,
        app.id,
        app.reference,
        app.region_code,
        member,
        rules.Role.GUARDIAN,
        rules.Basis.GUARDIAN,
        citizen.id,
    )


async def _request_in_scope(session: AsyncSession, scope: RegionScope, request_id: int) -> ConsentRequest:
    req = await queries.request_in(session, request_id)
    if req is None:
        raise PrivacyError("error.not_found", Kind.NOT_FOUND)
    if not scope.contains(req.region_code):
        raise PrivacyError("error.out_of_region", Kind.FORBIDDEN)
    return req


async def record_paper(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    scope: RegionScope,
    request_id: int,
    scan: bytes,
) -> Consent:
    """A community worker of the application's region records a member's signed paper form (and a
    guardian's signature for a minor): the scan is cleaned and kept privately, its hash audited."""
    req = await _request_in_scope(session, scope, request_id)
    image = clean_photo(scan)
    name = f"{req.reference}-consent-{secrets.token_hex(8)}.jpg"
    write_private(paper_path(settings, name), image.data)
    member = rules.Member(req.id_hash, req.name, req.id_masked, req.birth, req.relationship, req.applicant)
    return await _give(
        session,
        actor,
        req.application_id,
        req.reference,
        req.region_code,
        member,
        rules.Role.SELF,
        rules.Basis.PAPER,
        paper=(name, image.sha256),
    )


async def _withdraw(
    session: AsyncSession, actor: Actor, req: ConsentRequest, consents: list[Consent], basis: str
) -> int:
    now = utcnow()
    for c in consents:
        state = rules.State.WITHDRAWN if c.withdrawn_at else rules.State.GIVEN
        if rules.may_move(state, rules.Move.WITHDRAW) is None:
            raise PrivacyError("privacy.not_given")
        c.withdrawn_at, c.withdrawn_by, c.withdrawal_basis = now, actor.name or req.name, basis
    await session.flush()
    await record(
        session,
        actor,
        "privacy.withdraw",
        "application",
        req.reference,
        region_code=req.region_code,
        before={"consents": [c.id for c in consents]},
        after={"person": req.id_masked, "basis": basis},
    )
    return len(consents)


async def withdraw_own(session: AsyncSession, actor: Actor, citizen: Citizen, request_id: int) -> int:
    """A member withdraws their consent to one application's check (their own and any given for
    them): the application cannot go on without it; what was checked before stays on record."""
    req = await queries.request_in(session, request_id)
    if req is None or not citizen.id_hash or req.id_hash != citizen.id_hash:
        raise PrivacyError("error.not_found", Kind.NOT_FOUND)
    held = [
        c
        for c in await queries.records_of(session, req.application_id)
        if c.id_hash == req.id_hash and c.withdrawn_at is None
    ]
    if not held:
        raise PrivacyError("privacy.not_given")
    return await _withdraw(session, actor, req, held, rules.Basis.SELF.value)


async def record_paper_withdrawal(
    session: AsyncSession, actor: Actor, scope: RegionScope, request_id: int
) -> int:
    """A community worker records a member's signed withdrawal (every consent held for them)."""
    req = await _request_in_scope(session, scope, request_id)
    held = [
        c
        for c in await queries.records_of(session, req.application_id)
        if c.id_hash == req.id_hash and c.withdrawn_at is None
    ]
    if not held:
        raise PrivacyError("privacy.not_given")
    return await _withdraw(session, actor, req, held, rules.Basis.PAPER.value)


async def require_consents(session: AsyncSession, app: Case, today: date) -> None:
    """The household check, and the community step, go on only with every consent present."""
    state = await queries.state_of(session, app.id, app.answers, today)
    if not state.complete:
        raise PrivacyError("privacy.consents_missing")


async def consents_signed_at_counter(session: AsyncSession, actor: Actor, app: Case, today: date) -> int:
    """An application taken at the counter: the applicant and every member signed the paper form in
    front of the worker (the demo city's applications are such). Every consent still owed is recorded
    as a paper consent; returns how many."""
    state = await queries.state_of(session, app.id, app.answers, today)
    people = {m.id_hash: m for m, _ in state.missing}
    for m in people.values():
        await _give(
            session, actor, app.id, app.reference, app.region_code, m, rules.Role.SELF, rules.Basis.PAPER
        )
    return len(people)
