"""Survival checks: the recipient's capture in the PWA and their history; the back office's due and
overdue lists, reference photos, assisted checks and the review queue. Photos are served only to
staff of the person's region (and a recipient's own result to them); encodings never leave.
Thin controllers: reads in ``queries``, writes in ``service``, forms in ``forms``."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import citizen_guard, provide_citizen, staff_guard
from server.accounts.models import Citizen
from server.accounts.permissions import P
from server.assistance.answers import DOCUMENT_KINDS
from server.audit.service import Actor, record_view
from server.errors import DomainError, Kind
from server.images import ImageRefused
from server.people.models import Person
from server.regions.scope import RegionScope
from server.settings import Settings
from server.survival import forms, queries, rules, service
from server.survival import i18n as texts
from server.survival.capture import challenge_json, frames_of
from server.survival.models import Check
from server.web import FormOf, UploadOf, page, status_of

PRIVATE = {"cache-control": "private, no-store"}


def policy_of(request: Request) -> service.Policy:
    return getattr(request.app.state, "survival_policy", None) or service.load_policy()


def _url(request: Request, name: str, **params: Any) -> str:
    return request.app.route_reverse(name, **params)


class SurvivalController(Controller):
    """The recipient's side (PWA)."""

    path = "/survival"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/", name="survival:index")
    async def index(
        self, request: Request, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template:
        person = await queries.person_of_citizen(db_session, citizen)
        standing = await queries.standing(db_session, person, today, policy_of(request).grace_days)
        return page(
            request,
            "survival/index.html",
            person=person,
            reference=standing.reference,
            schedule=standing.schedule,
            checks=standing.checks,
            state=standing.state,
            labels=texts.ACTION_LABELS,
            unproven=citizen.identity_level != "verified",
            consent=await queries.standing_consent(db_session, person.id) if person else None,
            proofs=await queries.in_person_proofs(db_session, person.id) if person else [],
            methods=forms.IN_PERSON_METHODS,
        )

    @get("/consent", name="survival:consent")
    async def consent(
        self, request: Request, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template:
        """The notice on a reference face (what is kept, why, how long, the way without a face) and
        the person's consent, or its withdrawal."""
        person = await queries.person_of_citizen(db_session, citizen)
        if person is None:
            raise DomainError("survival.not_recipient", Kind.NOT_FOUND)
        return await _consent_page(request, db_session, person, today)

    @post("/consent", name="survival:consent_give")
    async def consent_give(
        self,
        request: Request,
        data: FormOf[forms.AgreeForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Response:
        person = await queries.person_of_citizen(db_session, citizen)
        if person is None:
            raise DomainError("survival.not_recipient", Kind.NOT_FOUND)
        try:
            data.clean()
            await service.record_consent(
                db_session, actor, person, rules.ConsentBasis.CITIZEN, today=today, citizen_id=citizen.id
            )
        except DomainError as e:
            if e.kind != Kind.INVALID:
                raise
            return await _consent_page(request, db_session, person, today, {e.field or "agree": e.code}, 422)
        return Redirect(_url(request, "survival:consent"), status_code=303)

    @post("/consent/withdraw", name="survival:consent_withdraw")
    async def consent_withdraw(
        self, request: Request, db_session: AsyncSession, citizen: Citizen, actor: Actor
    ) -> Response:
        person = await queries.person_of_citizen(db_session, citizen)
        if person is None:
            raise DomainError("survival.not_recipient", Kind.NOT_FOUND)
        await service.withdraw_consent(db_session, actor, person)
        return Redirect(_url(request, "survival:index"), status_code=303)

    @get("/capture", name="survival:capture")
    async def capture(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        person = await queries.person_of_citizen(db_session, citizen)
        if person is None or await queries.reference_of(db_session, person.id) is None:
            raise DomainError("survival.no_reference", Kind.CONFLICT)
        return page(
            request,
            "survival/capture.html",
            layout="pwa/layout.html",
            person=person,
            challenge_url=_url(request, "survival:challenge"),
            check_url=_url(request, "survival:check"),
            back=_url(request, "survival:index"),
        )

    @post("/challenge", name="survival:challenge")
    async def challenge(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> dict[str, Any]:
        person = await queries.person_of_citizen(db_session, citizen)
        if person is None:
            raise DomainError("survival.not_recipient", Kind.NOT_FOUND)
        nonce, challenge = await service.issue_challenge(db_session, person, citizen_id=citizen.id)
        return challenge_json(request, nonce, challenge.actions)

    @post("/check", name="survival:check")
    async def check(
        self,
        request: Request,
        data: UploadOf[forms.CaptureUpload],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> dict[str, Any]:
        person = await queries.person_of_citizen(db_session, citizen)
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
        url = _url(request, "survival:result", check_id=check.id)
        return {"decision": check.decision, "status": check.status, "url": url}

    @get("/checks/{check_id:int}", name="survival:result")
    async def result(
        self, request: Request, check_id: int, db_session: AsyncSession, citizen: Citizen
    ) -> Template:
        person = await queries.person_of_citizen(db_session, citizen)
        check = await queries.own_check(db_session, person, check_id)
        if check is None or person is None:
            raise NotFoundException(detail="error.not_found")
        return await _result_page(request, db_session, check)

    @post("/checks/{check_id:int}/review-request", name="survival:request_review")
    async def request_review(
        self,
        request: Request,
        check_id: int,
        data: FormOf[forms.ReviewRequestForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
    ) -> Response:
        """申请人工复核: the recipient asks a person to look at their failed check."""
        person = await queries.person_of_citizen(db_session, citizen)
        check = await queries.own_check(db_session, person, check_id)
        if check is None or person is None:
            raise NotFoundException(detail="error.not_found")
        await service.request_review(db_session, actor, check, data.clean(), citizen_id=citizen.id)
        return Redirect(_url(request, "survival:result", check_id=check.id), status_code=303)


class SurvivalOfficeController(Controller):
    path = "/office/survival"
    guards = [staff_guard]

    @get("/", name="survival:office", opt={"permission": P.SURVIVAL_READ})
    async def index(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Template:
        policy = policy_of(request)
        return page(
            request,
            "survival/office/index.html",
            due=await queries.due_list(
                db_session, region_scope, today, policy.grace_days, policy.remind_days
            ),
            waiting=await queries.waiting_count(db_session, region_scope),
            missing=await queries.without_reference(db_session, region_scope),
            today=today,
        )

    @get("/reviews", name="survival:reviews", opt={"permission": P.SURVIVAL_READ})
    async def reviews(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        rows = await queries.review_queue(db_session, region_scope)
        return page(request, "survival/office/reviews.html", rows=rows)

    @get("/people/{person_id:int}", name="survival:person", opt={"permission": P.SURVIVAL_READ})
    async def person(
        self,
        request: Request,
        person_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Template:
        person = await region_scope.get(db_session, Person, person_id)
        return await _person_page(request, db_session, region_scope, actor, person, today)

    @post(
        "/people/{person_id:int}/reference",
        name="survival:reference",
        opt={"permission": P.SURVIVAL_REFERENCE},
    )
    async def reference(
        self,
        request: Request,
        person_id: int,
        data: UploadOf[forms.ReferenceUpload],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Response:
        person = await region_scope.get(db_session, Person, person_id)
        raw = await data.read()
        try:
            await service.enrol_reference(
                db_session, actor, person, raw, source="office", today=today, policy=policy_of(request)
            )
        except (ImageRefused, service.SurvivalError) as e:  # refused before anything was written
            return await _refused(request, db_session, region_scope, actor, person, today, "photo", e)
        return Redirect(_url(request, "survival:person", person_id=person.id), status_code=303)

    @post(
        "/people/{person_id:int}/reference/document",
        name="survival:reference_document",
        opt={"permission": P.SURVIVAL_REFERENCE},
    )
    async def reference_from_document(
        self,
        request: Request,
        person_id: int,
        data: FormOf[forms.DocumentChoice],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Response:
        """A photo the recipient uploaded with their application becomes the reference."""
        person = await region_scope.get(db_session, Person, person_id)
        document = await queries.application_photo(db_session, region_scope, person, data.clean())
        if document is None:
            raise NotFoundException(detail="error.not_found")
        try:
            await service.enrol_from_document(
                db_session, actor, person, document, settings, today=today, policy=policy_of(request)
            )
        except (ImageRefused, service.SurvivalError) as e:
            return await _refused(request, db_session, region_scope, actor, person, today, "document_id", e)
        return Redirect(_url(request, "survival:person", person_id=person.id), status_code=303)

    @post(
        "/people/{person_id:int}/consent",
        name="survival:office_consent",
        opt={"permission": P.SURVIVAL_REFERENCE},
    )
    async def consent(
        self,
        request: Request,
        person_id: int,
        data: FormOf[forms.ConsentForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Response:
        """A signed paper consent, a guardian's consent or the documented legal basis, recorded."""
        person = await region_scope.get(db_session, Person, person_id)
        work = service.record_consent(db_session, actor, person, today=today, **data.clean())
        page = (request, db_session, region_scope, actor, person, today)
        return await _on_person_page(work, page, "basis", consent_values=data.values())

    @post(
        "/people/{person_id:int}/consent/withdraw",
        name="survival:office_consent_withdraw",
        opt={"permission": P.SURVIVAL_REFERENCE},
    )
    async def consent_withdraw(
        self,
        request: Request,
        person_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Response:
        """The person withdraws their consent at the office: the reference face is deleted."""
        person = await region_scope.get(db_session, Person, person_id)
        await service.withdraw_consent(db_session, actor, person)
        return Redirect(_url(request, "survival:person", person_id=person.id), status_code=303)

    @post(
        "/people/{person_id:int}/in-person",
        name="survival:in_person",
        opt={"permission": P.SURVIVAL_IN_PERSON},
    )
    async def in_person(
        self,
        request: Request,
        person_id: int,
        data: FormOf[forms.InPersonForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Response:
        """An in-person proof of life (no face): home visit, counter or a worker's video call."""
        person = await region_scope.get(db_session, Person, person_id)
        work = service.record_in_person(
            db_session, actor, person, today=today, policy=policy_of(request), **data.clean()
        )
        page = (request, db_session, region_scope, actor, person, today)
        return await _on_person_page(work, page, "proved_on", in_person_values=data.values())

    @get(
        "/people/{person_id:int}/reference.jpg",
        name="survival:reference_photo",
        opt={"permission": P.SURVIVAL_READ},
    )
    async def reference_photo(
        self, person_id: int, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Response:
        person = await region_scope.get(db_session, Person, person_id)
        reference = await queries.reference_of(db_session, person.id)
        if reference is None:
            raise NotFoundException(detail="error.not_found")
        await record_view(
            db_session,
            actor,
            "face",
            "survival_reference",
            person.id,
            [person.id],
            region_code=person.region_code,
        )
        return Response(queries.reference_photo(reference), media_type="image/jpeg", headers=PRIVATE)

    @get(
        "/people/{person_id:int}/capture",
        name="survival:office_capture",
        opt={"permission": P.SURVIVAL_ASSIST},
    )
    async def capture(
        self, request: Request, person_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        person = await region_scope.get(db_session, Person, person_id)
        if await queries.reference_of(db_session, person.id) is None:
            raise DomainError("survival.no_reference", Kind.CONFLICT)
        return page(
            request,
            "survival/capture.html",
            layout="office/layout.html",
            person=person,
            challenge_url=_url(request, "survival:office_challenge", person_id=person.id),
            check_url=_url(request, "survival:office_check", person_id=person.id),
            back=_url(request, "survival:person", person_id=person.id),
        )

    @post(
        "/people/{person_id:int}/challenge",
        name="survival:office_challenge",
        opt={"permission": P.SURVIVAL_ASSIST},
    )
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

    @post(
        "/people/{person_id:int}/check",
        name="survival:office_check",
        opt={"permission": P.SURVIVAL_ASSIST},
    )
    async def check(
        self,
        request: Request,
        person_id: int,
        data: UploadOf[forms.CaptureUpload],
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
        url = _url(request, "survival:detail", check_id=check.id)
        return {"decision": check.decision, "status": check.status, "url": url}

    @get("/checks/{check_id:int}", name="survival:detail", opt={"permission": P.SURVIVAL_READ})
    async def detail(
        self,
        request: Request,
        check_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Template:
        check = await region_scope.get(db_session, Check, check_id)
        await service.view_faces(db_session, actor, check)
        return await _check_page(request, db_session, check)

    @get(
        "/checks/{check_id:int}/frames/{n:int}",
        name="survival:frame",
        opt={"permission": P.SURVIVAL_READ},
    )
    async def frame(
        self, check_id: int, n: int, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Response:
        check = await region_scope.get(db_session, Check, check_id)
        data = await queries.frame_data(db_session, check.id, n) if -(2**31) <= n < 2**31 else None
        if data is None:
            raise NotFoundException(detail="error.not_found")
        await record_view(
            db_session,
            actor,
            "face",
            "survival_check",
            check.id,
            [check.person_id],
            region_code=check.region_code,
        )
        return Response(data, media_type="image/jpeg", headers=PRIVATE)

    @post("/checks/{check_id:int}/review", name="survival:review", opt={"permission": P.SURVIVAL_REVIEW})
    async def review(
        self,
        request: Request,
        check_id: int,
        data: FormOf[forms.ReviewForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Response:
        check = await region_scope.get(db_session, Check, check_id)
        try:
            action, note = data.clean()
            await service.review(db_session, actor, check, action=action, note=note, today=today)
        except DomainError as e:
            if e.kind != Kind.INVALID:
                raise
            errors = {e.field or "verdict": e.code}
            return await _check_page(request, db_session, check, errors, {"note": data.note}, status_of(e))
        return Redirect(_url(request, "survival:detail", check_id=check.id), status_code=303)


async def _result_page(
    request: Request,
    session: AsyncSession,
    check: Check,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    """The recipient's result, with 申请人工复核 while a failed check may still go to a person."""
    template = page(
        request,
        "survival/result.html",
        check=check,
        schedule=await queries.schedule_of(session, check.person_id),
        labels=texts.ACTION_LABELS,
        requested=await queries.review_request_of(session, check.id),
        may_request=queries.review_request_refusal(check) is None,
        fields=forms.REQUEST_FIELDS,
        errors=errors or {},
    )
    template.status_code = status
    return template


async def _consent_page(
    request: Request,
    session: AsyncSession,
    person: Person,
    today: date,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    template = page(
        request,
        "survival/consent.html",
        person=person,
        consent=await queries.standing_consent(session, person.id),
        reference=await queries.reference_of(session, person.id),
        minor=rules.age_on(person.birth_date, today) < rules.GUARDIAN_UNDER,
        fields=forms.AGREE_FIELDS,
        notice_version=rules.FACE_NOTICE_VERSION,
        errors=errors or {},
    )
    template.status_code = status
    return template


async def _check_page(
    request: Request,
    session: AsyncSession,
    check: Check,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    person = await queries.person_of_check(session, check)
    reference = await queries.reference_of(session, check.person_id)
    requested = await queries.review_request_of(session, check.id)
    template = page(
        request,
        "survival/office/check.html",
        check=check,
        person=person,
        frames=await queries.frame_numbers(session, check.id),
        reference=reference,
        reference_changed=queries.reference_changed(reference, check),
        labels=texts.ACTION_LABELS,
        requested=requested,
        fields=forms.REQUESTED_REVIEW_FIELDS if requested else forms.REVIEW_FIELDS,
        errors=errors or {},
        values=values or {},
    )
    template.status_code = status
    return template


async def _on_person_page(work, page: tuple, field: str, **values) -> Response:
    """Run a worker's form on the person page: back to the page when it is done, or the page again
    with the form's error and what was typed (``page``: the arguments of ``_person_page``)."""
    request, person = page[0], page[4]
    try:
        await work
    except DomainError as e:
        if e.kind != Kind.INVALID:
            raise
        return await _person_page(*page, {e.field or field: e.code}, 422, **values)
    return Redirect(_url(request, "survival:person", person_id=person.id), status_code=303)


async def _person_page(
    request: Request,
    session: AsyncSession,
    region_scope: RegionScope,
    actor: Actor,
    person: Person,
    today: date,
    errors: dict[str, str] | None = None,
    status: int = 200,
    *,
    consent_values: dict[str, str] | None = None,
    in_person_values: dict[str, str] | None = None,
) -> Template:
    standing = await queries.standing(session, person, today, policy_of(request).grace_days)
    if standing.reference is not None:  # the page shows the reference face
        await service.view_reference(session, actor, person)
    template = page(
        request,
        "survival/office/person.html",
        person=person,
        reference=standing.reference,
        schedule=standing.schedule,
        checks=standing.checks,
        state=standing.state,
        errors=errors or {},
        fields=forms.REFERENCE_FIELDS,
        summary_fields={**forms.REFERENCE_FIELDS, **forms.CONSENT_FIELDS, **forms.IN_PERSON_FIELDS},
        labels=texts.ACTION_LABELS,
        documents=await queries.application_photos(session, region_scope, person),
        kinds=DOCUMENT_KINDS,
        consent=await queries.standing_consent(session, person.id),
        consents=await queries.consents(session, person.id),
        bases=forms.CONSENT_BASES,
        consent_fields=forms.CONSENT_FIELDS,
        consent_values=consent_values or {},
        proofs=await queries.in_person_proofs(session, person.id),
        methods=forms.IN_PERSON_METHODS,
        in_person_fields=forms.IN_PERSON_FIELDS,
        in_person_values=in_person_values or {"proved_on": today.isoformat()},
        minor=rules.age_on(person.birth_date, today) < rules.GUARDIAN_UNDER,
    )
    template.status_code = status
    return template


async def _refused(
    request: Request,
    session: AsyncSession,
    region_scope: RegionScope,
    actor: Actor,
    person: Person,
    today: date,
    name: str,
    error: ImageRefused | service.SurvivalError,
) -> Template:
    """The person's page again, saying why the photo could not become the reference (422)."""
    return await _person_page(request, session, region_scope, actor, person, today, {name: error.code}, 422)
