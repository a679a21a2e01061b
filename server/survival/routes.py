"""Survival checks: the recipient's capture in the PWA and their history; the back office's due and
overdue lists, reference photos, assisted checks and the review queue. Photos are served only to
staff of the person's region (and a recipient's own result to them); encodings never leave."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import citizen_guard, provide_citizen, staff_guard
from server.accounts.models import Citizen
from server.accounts.permissions import P, allows
from server.assistance.answers import DOCUMENT_KINDS
from server.assistance.documents import document_path
from server.assistance.models import Application, Document
from server.audit.service import Actor
from server.errors import DomainError, Kind
from server.i18n import translate
from server.images import ImageRefused
from server.people.models import Enrolment, HouseholdMember, Person
from server.regions.scope import RegionScope
from server.settings import Settings
from server.survival import i18n as texts
from server.survival import rules, service
from server.survival.models import Check, CheckFrame, Reference, Schedule
from server.web import (
    Form,
    Upload,
    lang_of,
    page,
)

PRIVATE = {"cache-control": "private, no-store"}


def policy_of(request: Request) -> service.Policy:
    return getattr(request.app.state, "survival_policy", None) or service.load_policy()


def challenge_json(request: Request, nonce: str, actions: list[str]) -> dict[str, Any]:
    lang = lang_of(request)
    return {
        "nonce": nonce,
        "actions": actions,
        "expires_in": rules.CHALLENGE_SECONDS,
        "labels": [translate(lang, texts.ACTION_LABELS[a]) for a in actions],
        "steps": [[translate(lang, s) for s in texts.ACTION_STEPS[a]] for a in actions],
        "plan": list(rules.CAPTURE_PLAN),
    }


async def frames_of(data: dict[str, Any]) -> tuple[str, list[bytes]]:
    """The nonce and the frames (fields ``frame0`` .. ``frameN``) of a capture upload."""
    nonce = data.get("nonce")
    files = []
    for key, value in data.items():
        if key.startswith("frame") and key[5:].isdigit() and hasattr(value, "read"):
            files.append((int(key[5:]), await value.read()))
    if len(files) > rules.MAX_FRAMES * 2:
        raise DomainError("survival.frame_unreadable", Kind.TOO_LARGE)
    return (nonce if isinstance(nonce, str) else ""), [raw for _, raw in sorted(files)]


class SurvivalController(Controller):
    """The recipient's side (PWA)."""

    path = "/survival"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/")
    async def index(
        self, request: Request, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template:
        person = await service.person_of_citizen(db_session, citizen)
        reference = schedule = None
        checks: list[Check] = []
        if person is not None:
            reference = await service.reference_of(db_session, person.id)
            schedule = await service.schedule_of(db_session, person.id)
            checks = list(
                await db_session.scalars(
                    select(Check).where(Check.person_id == person.id).order_by(Check.id.desc()).limit(20)
                )
            )
        state = rules.schedule_state(
            schedule.next_due if schedule else None, today, policy_of(request).grace_days
        )
        return page(
            request,
            "survival/index.html",
            person=person,
            reference=reference,
            schedule=schedule,
            checks=checks,
            state=state,
            labels=texts.ACTION_LABELS,
            unproven=citizen.identity_level != "verified",
        )

    @get("/capture")
    async def capture(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        person = await service.person_of_citizen(db_session, citizen)
        if person is None or await service.reference_of(db_session, person.id) is None:
            raise DomainError("survival.no_reference", Kind.CONFLICT)
        return page(
            request,
            "survival/capture.html",
            layout="pwa/layout.html",
            person=person,
            challenge_url="/survival/challenge",
            check_url="/survival/check",
            back="/survival",
        )

    @post("/challenge")
    async def challenge(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> dict[str, Any]:
        person = await service.person_of_citizen(db_session, citizen)
        if person is None:
            raise DomainError("survival.not_recipient", Kind.NOT_FOUND)
        nonce, challenge = await service.issue_challenge(db_session, person, citizen_id=citizen.id)
        return challenge_json(request, nonce, challenge.actions)

    @post("/check")
    async def check(
        self,
        request: Request,
        data: Upload,
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> dict[str, Any]:
        person = await service.person_of_citizen(db_session, citizen)
        if person is None:
            raise DomainError("survival.not_recipient", Kind.NOT_FOUND)
        nonce, frames = await frames_of(data)
        check = await service.submit(
            db_session,
            actor,
            person,
            nonce,
            frames,
            citizen_id=citizen.id,
            today=today,
            policy=policy_of(request),
        )
        return {"decision": check.decision, "status": check.status, "url": f"/survival/checks/{check.id}"}

    @get("/checks/{check_id:int}")
    async def result(
        self, request: Request, check_id: int, db_session: AsyncSession, citizen: Citizen
    ) -> Template:
        person = await service.person_of_citizen(db_session, citizen)
        check = await db_session.get(Check, check_id) if 0 < check_id < 2**63 else None
        if check is None or person is None or check.person_id != person.id:
            raise NotFoundException(detail="error.not_found")
        schedule = await service.schedule_of(db_session, person.id)
        return page(
            request, "survival/result.html", check=check, schedule=schedule, labels=texts.ACTION_LABELS
        )


class SurvivalOfficeController(Controller):
    path = "/office/survival"
    guards = [staff_guard]

    @get("/", opt={"permission": P.SURVIVAL_READ})
    async def index(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Template:
        policy = policy_of(request)
        rows = (
            await db_session.execute(
                select(Schedule, Person)
                .join(Person, Person.id == Schedule.person_id)
                .where(
                    region_scope.where(Schedule.region_code),
                    Schedule.active.is_(True),
                    Schedule.next_due <= today + timedelta(days=policy.remind_days),
                )
                .order_by(Schedule.next_due)
                .limit(300)
            )
        ).all()
        waiting = await db_session.scalar(
            select(func.count()).where(region_scope.where(Check.region_code), Check.status == "review")
        )
        # recipients in an active household without a reference face yet
        missing = list(
            await db_session.scalars(
                select(Person)
                .join(HouseholdMember, HouseholdMember.person_id == Person.id)
                .join(Enrolment, Enrolment.household_id == HouseholdMember.household_id)
                .where(
                    region_scope.where(Person.region_code),
                    Enrolment.status == "active",
                    Person.deceased_on.is_(None),
                    ~exists().where(Reference.person_id == Person.id),
                )
                .distinct()
                .order_by(Person.id)
                .limit(200)
            )
        )
        due = [
            (s, p, rules.schedule_state(s.next_due, today, policy.grace_days, policy.remind_days))
            for s, p in rows
        ]
        return page(
            request, "survival/office_index.html", due=due, waiting=waiting, missing=missing, today=today
        )

    @get("/reviews", opt={"permission": P.SURVIVAL_READ})
    async def reviews(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        rows = (
            await db_session.execute(
                select(Check, Person)
                .join(Person, Person.id == Check.person_id)
                .where(region_scope.where(Check.region_code), Check.status == "review")
                .order_by(Check.id)
                .limit(200)
            )
        ).all()
        return page(request, "survival/office_reviews.html", rows=rows)

    @get("/people/{person_id:int}", opt={"permission": P.SURVIVAL_READ})
    async def person(
        self,
        request: Request,
        person_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
    ) -> Template:
        person = await region_scope.get(db_session, Person, person_id)
        return await _person_page(request, db_session, region_scope, person, today, error=None)

    @post("/people/{person_id:int}/reference", opt={"permission": P.SURVIVAL_REFERENCE})
    async def reference(
        self,
        request: Request,
        person_id: int,
        data: Upload,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Response:
        person = await region_scope.get(db_session, Person, person_id)
        photo = data.get("photo")
        raw = await photo.read() if hasattr(photo, "read") else b""
        return await _enrol(request, db_session, region_scope, actor, person, raw, "office", today)

    @post("/people/{person_id:int}/reference/document", opt={"permission": P.SURVIVAL_REFERENCE})
    async def reference_from_document(
        self,
        request: Request,
        person_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Response:
        """A photo the recipient uploaded with their application becomes the reference."""
        person = await region_scope.get(db_session, Person, person_id)
        raw_id = str(data.get("document_id", ""))
        found = (
            await db_session.execute(
                select(Document, Application)
                .join(Application, Application.id == Document.application_id)
                .where(Document.id == (int(raw_id) if raw_id.isdigit() and len(raw_id) < 18 else 0))
            )
        ).first()
        if (
            found is None
            or found[1].id_hash != person.id_hash
            or not region_scope.contains(found[1].region_code)
        ):
            raise NotFoundException(detail="error.not_found")
        path = document_path(settings, found[0].stored_name)
        raw = path.read_bytes() if path.exists() else b""
        return await _enrol(request, db_session, region_scope, actor, person, raw, "application", today)

    @get("/people/{person_id:int}/reference.jpg", opt={"permission": P.SURVIVAL_READ})
    async def reference_photo(
        self, person_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Response:
        person = await region_scope.get(db_session, Person, person_id)
        reference = await service.reference_of(db_session, person.id)
        if reference is None:
            raise NotFoundException(detail="error.not_found")
        return Response(reference.photo, media_type="image/jpeg", headers=PRIVATE)

    @get("/people/{person_id:int}/capture", opt={"permission": P.SURVIVAL_ASSIST})
    async def capture(
        self, request: Request, person_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        person = await region_scope.get(db_session, Person, person_id)
        if await service.reference_of(db_session, person.id) is None:
            raise DomainError("survival.no_reference", Kind.CONFLICT)
        base = f"/office/survival/people/{person.id}"
        return page(
            request,
            "survival/capture.html",
            layout="office/layout.html",
            person=person,
            challenge_url=f"{base}/challenge",
            check_url=f"{base}/check",
            back=base,
        )

    @post("/people/{person_id:int}/challenge", opt={"permission": P.SURVIVAL_ASSIST})
    async def challenge(
        self,
        request: Request,
        person_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> dict[str, Any]:
        person = await region_scope.get(db_session, Person, person_id)
        nonce, challenge = await service.issue_challenge(db_session, person, staff_id=int(actor.id or 0))
        return challenge_json(request, nonce, challenge.actions)

    @post("/people/{person_id:int}/check", opt={"permission": P.SURVIVAL_ASSIST})
    async def check(
        self,
        request: Request,
        person_id: int,
        data: Upload,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> dict[str, Any]:
        person = await region_scope.get(db_session, Person, person_id)
        nonce, frames = await frames_of(data)
        check = await service.submit(
            db_session,
            actor,
            person,
            nonce,
            frames,
            staff_id=int(actor.id or 0),
            today=today,
            policy=policy_of(request),
        )
        return {
            "decision": check.decision,
            "status": check.status,
            "url": f"/office/survival/checks/{check.id}",
        }

    @get("/checks/{check_id:int}", opt={"permission": P.SURVIVAL_READ})
    async def detail(
        self, request: Request, check_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        check = await region_scope.get(db_session, Check, check_id)
        person = await db_session.get(Person, check.person_id)
        frames = list(
            await db_session.scalars(
                select(CheckFrame.n).where(CheckFrame.check_id == check.id).order_by(CheckFrame.n)
            )
        )
        reference = await service.reference_of(db_session, check.person_id)
        role = request.session.get("role")
        changed = bool(
            reference
            and check.reference_sha256
            and hashlib.sha256(reference.photo).hexdigest() != check.reference_sha256
        )
        return page(
            request,
            "survival/office_check.html",
            check=check,
            person=person,
            frames=frames,
            reference=reference,
            reference_changed=changed,
            labels=texts.ACTION_LABELS,
            may_review=allows(role, P.SURVIVAL_REVIEW),
        )

    @get("/checks/{check_id:int}/frames/{n:int}", opt={"permission": P.SURVIVAL_READ})
    async def frame(
        self, check_id: int, n: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Response:
        check = await region_scope.get(db_session, Check, check_id)
        data = await db_session.scalar(
            select(CheckFrame.data).where(CheckFrame.check_id == check.id, CheckFrame.n == n)
        )
        if data is None:
            raise NotFoundException(detail="error.not_found")
        return Response(data, media_type="image/jpeg", headers=PRIVATE)

    @post("/checks/{check_id:int}/review", opt={"permission": P.SURVIVAL_REVIEW})
    async def review(
        self,
        check_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        check = await region_scope.get(db_session, Check, check_id)
        verdict = str(data.get("verdict", ""))
        if verdict not in ("confirm", "reject"):
            raise DomainError("form.choose", Kind.INVALID)
        await service.review(
            db_session,
            actor,
            check,
            confirm=verdict == "confirm",
            note=str(data.get("note", "")),
            today=today,
        )
        return Redirect(f"/office/survival/checks/{check.id}", status_code=303)


async def _person_page(
    request: Request,
    session: AsyncSession,
    region_scope: RegionScope,
    person: Person,
    today: date,
    error: str | None,
) -> Template:
    reference = await service.reference_of(session, person.id)
    schedule = await service.schedule_of(session, person.id)
    checks = list(
        await session.scalars(
            select(Check).where(Check.person_id == person.id).order_by(Check.id.desc()).limit(20)
        )
    )
    state = rules.schedule_state(
        schedule.next_due if schedule else None, today, policy_of(request).grace_days
    )
    documents = (
        await session.execute(
            select(Document, Application.reference)
            .join(Application, Application.id == Document.application_id)
            .where(Application.id_hash == person.id_hash, region_scope.where(Application.region_code))
            .order_by(Document.id.desc())
            .limit(12)
        )
    ).all()
    return page(
        request,
        "survival/office_person.html",
        person=person,
        reference=reference,
        schedule=schedule,
        checks=checks,
        state=state,
        error=error,
        labels=texts.ACTION_LABELS,
        documents=documents,
        kinds=DOCUMENT_KINDS,
    )


async def _enrol(
    request: Request,
    db_session: AsyncSession,
    region_scope: RegionScope,
    actor: Actor,
    person: Person,
    raw: bytes,
    source: str,
    today: date,
) -> Response:
    """Make ``raw`` the person's reference face, or show the person's page with why not."""
    try:
        await service.enrol_reference(
            db_session, actor, person, raw, source=source, today=today, policy=policy_of(request)
        )
    except (ImageRefused, service.SurvivalError) as e:  # refused before anything was written
        template = await _person_page(request, db_session, region_scope, person, today, error=e.code)
        template.status_code = 422
        return template
    return Redirect(f"/office/survival/people/{person.id}", status_code=303)
