"""The citizen's side: apply on the phone one question per screen, check, submit, follow the case;
and the public notice. Thin controllers: reads from ``queries``, writes through ``service``."""

from __future__ import annotations

import uuid
from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server import money
from server.accounts import rules as identity_rules
from server.accounts.auth import citizen_guard, provide_citizen
from server.accounts.models import Citizen
from server.assistance import answers as form
from server.assistance import calc, queries, rules, service
from server.assistance import forms as f
from server.assistance.documents_service import store_document
from server.assistance.models import Application
from server.audit.service import Actor
from server.errors import DomainError, Kind
from server.forms import ticked
from server.images import ImageRefused
from server.privacy import forms as privacy_forms
from server.privacy import notice as privacy_notice
from server.privacy import queries as privacy_queries
from server.privacy import service as privacy
from server.settings import Settings
from server.web import FormOf, UploadOf, error_response, page


def steps_for(app: Application) -> list[form.Step]:
    return [s for s in form.STEPS if app.benefit in s.benefits]


def next_step(app: Application, step: str) -> str:
    names = [s.name for s in steps_for(app)]
    i = names.index(step)
    return names[i + 1] if i + 1 < len(names) else "check"


def _to(request: Request, name: str, query: str = "", **params) -> Redirect:
    """See other: the named page (``query`` appended as is)."""
    return Redirect(request.app.route_reverse(name, **params) + query, status_code=303)


def _step(request: Request, reference: str, step: str) -> Redirect:
    if step == "check":
        return _to(request, "assistance:check", reference=reference)
    return _to(request, "assistance:step", reference=reference, step=step)


def notice_pending(app: Application) -> bool:
    """A citizen's own application before its applicant has read the notice and consented: no
    sensitive question is asked until then."""
    return app.citizen_id is not None and not app.notice_version and app.status in rules.EDITABLE


def _undecodable(request: Request, exc: UnicodeDecodeError) -> Response:
    """A multipart part sent without a file name is read as text: bytes that are not text (a photo
    sent as a plain field) are a bad request, not a server error."""
    return error_response(request, 400, "error.bad_request")


class ApplyController(Controller):
    path = "/apply"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/", name="assistance:start")
    async def start(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        return page(
            request,
            "assistance/start.html",
            benefits=calc.BENEFITS,
            mine=await queries.applications_of(db_session, citizen.id),
            key=uuid.uuid4().hex,
            labels=rules.STEP_LABELS,
            can_apply=identity_rules.may_apply(citizen.identity_level),
        )

    @post("/", name="assistance:create")
    async def create(
        self,
        request: Request,
        data: FormOf[f.StartForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Redirect:
        app = await service.create_draft(
            db_session,
            actor,
            benefit=data.benefit,
            citizen_id=citizen.id,
            client_key=f.key_of(data.key),
            today=today,
        )
        if app.citizen_id != citizen.id:
            raise NotFoundException(detail="error.not_found")
        if notice_pending(app):
            return _to(request, "assistance:privacy", reference=app.reference)
        return _step(request, app.reference, "applicant")

    @get("/{reference:str}/privacy", name="assistance:privacy")
    async def privacy_notice(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen
    ) -> Template:
        app = await queries.own_application(db_session, citizen.id, reference)
        return _privacy_page(app)

    @post("/{reference:str}/privacy", name="assistance:privacy_consent")
    async def privacy_consent(
        self,
        request: Request,
        reference: str,
        data: FormOf[privacy_forms.AgreeForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
    ) -> Template | Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        if not ticked(data.agree):
            return _privacy_page(app, {"agree": "privacy.tick"}, 422)
        await privacy.consent_at_start(db_session, actor, app, citizen)
        return _step(request, reference, "applicant")

    @post("/{reference:str}/guardian", name="assistance:guardian")
    async def guardian(
        self,
        request: Request,
        reference: str,
        data: FormOf[privacy_forms.GuardianForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Redirect:
        """The applicant consents, as guardian, to the check of a minor child listed on the application."""
        app = await queries.own_application(db_session, citizen.id, reference)
        if not ticked(data.agree):
            raise DomainError("privacy.tick", Kind.INVALID, field="agree")
        await privacy.consent_as_guardian(db_session, actor, app, citizen, data.member, today)
        page_name = "assistance:check" if app.status in rules.EDITABLE else "assistance:status"
        return _to(request, page_name, "#consents", reference=reference)

    @get("/{reference:str}", name="assistance:status")
    async def status(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template | Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        if app.status == rules.Status.DRAFT:
            return _to(request, "assistance:check", reference=reference)
        return page(
            request,
            "assistance/status.html",
            app=app,
            consents=await privacy_queries.household_consents(db_session, app.id, app.answers, today),
            guardian_field=privacy_forms.GUARDIAN_FIELD,
            events=await queries.timeline(db_session, app),
            labels=rules.STEP_LABELS,
            benefits=calc.BENEFITS,
        )

    @get("/{reference:str}/check", name="assistance:check")
    async def check(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template | Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        if notice_pending(app):
            return _to(request, "assistance:privacy", reference=reference)
        findings, result = await service.evaluate(db_session, app, today)
        return page(
            request,
            "assistance/check.html",
            app=app,
            steps=steps_for(app),
            findings=findings,
            result=result,
            missing=form.missing_steps(app.answers or {}, app.benefit),
            documents=await queries.documents(db_session, app),
            choices=await queries.step_choices(db_session, app),
            key=uuid.uuid4().hex,
            benefits=calc.BENEFITS,
            kinds=form.DOCUMENT_KINDS,
            total=len(steps_for(app)) + 1,
            titles={s.name: s.title for s in form.STEPS},
            consents=await privacy_queries.household_consents(db_session, app.id, app.answers, today),
            guardian_field=privacy_forms.GUARDIAN_FIELD,
        )

    @post("/{reference:str}/submit", name="assistance:submit")
    async def submit(
        self,
        request: Request,
        reference: str,
        data: FormOf[f.SubmitForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        await service.submit(db_session, actor, app, today, key=f.key_of(data.idem))
        return _to(request, "assistance:status", "?submitted=1", reference=reference)

    @get("/{reference:str}/{step:str}", name="assistance:step")
    async def show_step(
        self, request: Request, reference: str, step: str, db_session: AsyncSession, citizen: Citizen
    ) -> Template | Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        return await self._render(request, db_session, app, step, citizen)

    @post("/{reference:str}/{step:str}", name="assistance:save")
    async def save(
        self,
        request: Request,
        reference: str,
        step: str,
        data: FormOf[f.AnswerForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Template | Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        if step not in form.BY_NAME or step == "documents":
            raise NotFoundException(detail="error.not_found")
        if notice_pending(app):
            return _to(request, "assistance:privacy", reference=reference)
        raw = data.answers()
        try:
            await service.save_step(
                db_session,
                actor,
                settings.secret_key,
                app,
                step,
                raw,
                f.key_of(data.idem),
                today,
                await queries.step_choices(db_session, app),
            )
        except form.AnswerError as e:
            return await self._render(
                request, db_session, app, step, citizen, errors=e.errors, values=raw, status=422
            )
        if step == "members" and data.more == "1":
            return _step(request, reference, "members")
        return _step(request, reference, next_step(app, step))

    @post("/{reference:str}/remove-member/{index:int}", name="assistance:remove_member")
    async def remove_member(
        self,
        request: Request,
        reference: str,
        index: int,
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
    ) -> Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        await service.remove_member(db_session, actor, app, index)
        return _step(request, reference, "members")

    @post(
        "/{reference:str}/upload",
        name="assistance:upload",
        exception_handlers={UnicodeDecodeError: _undecodable},
    )
    async def upload(
        self,
        request: Request,
        reference: str,
        data: UploadOf[f.UploadForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        settings: Settings,
    ) -> Template | Redirect:
        app = await queries.own_application(db_session, citizen.id, reference)
        if notice_pending(app):
            return _to(request, "assistance:privacy", reference=reference)
        raw = await data.photo.read() if data.photo is not None else b""
        try:
            await store_document(db_session, actor, settings, app, data.kind or "other", raw)
        except ImageRefused as e:
            return await self._render(
                request, db_session, app, "documents", citizen, errors={"photo": e.code}, status=422
            )
        return _step(request, reference, "documents")

    async def _render(
        self,
        request: Request,
        session: AsyncSession,
        app: Application,
        step: str,
        citizen: Citizen,
        errors: dict | None = None,
        values: dict | None = None,
        status: int = 200,
    ) -> Template | Redirect:
        names = [s.name for s in steps_for(app)]
        if step not in names:
            raise NotFoundException(detail="error.not_found")
        if app.status not in rules.EDITABLE:
            return _to(request, "assistance:status", reference=app.reference)
        if notice_pending(app):
            return _to(request, "assistance:privacy", reference=app.reference)
        i = names.index(step)
        ctx = dict(
            app=app,
            step=form.BY_NAME[step],
            number=i + 1,
            total=len(names) + 1,
            values=values if values is not None else _display(_saved(app, step, citizen)),
            errors=errors or {},
            choices=await queries.step_choices(session, app),
            members=(app.answers or {}).get("members", []),
            key=uuid.uuid4().hex,
            documents=await queries.documents(session, app) if step == "documents" else [],
            kinds=form.DOCUMENT_KINDS,
            kind_field=form.KIND_FIELD,
            benefits=calc.BENEFITS,
            relationships=form.RELATIONSHIPS,
            fixed=(citizen.name, citizen.id_masked) if app.citizen_id is not None else None,
            back=(
                request.app.route_reverse("assistance:step", reference=app.reference, step=names[i - 1])
                if i
                else request.app.route_reverse("assistance:start")
            ),
        )
        return Template("assistance/step.html", context=ctx, status_code=status)


def _privacy_page(app: Application, errors: dict | None = None, status: int = 200) -> Template:
    """The service's notice and the applicant's own consent, before the first sensitive question."""
    return Template(
        "assistance/privacy.html",
        context=dict(
            app=app,
            benefits=calc.BENEFITS,
            notice=privacy_notice,
            agree_field=privacy_forms.READ_FIELD,
            errors=errors or {},
        ),
        status_code=status,
    )


def _saved(app: Application, step: str, citizen: Citizen) -> dict:
    """What the step shows before anything is typed: the saved answers, else a sensible start."""
    saved = {} if step == "members" else dict((app.answers or {}).get(step) or {})
    if step == "applicant" and not saved:
        prefill = (app.answers or {}).get("prefill") or {}
        saved = {"name": citizen.name or prefill.get("name") or "", "phone": citizen.phone}
    if step == "consent" and not saved:
        saved = {"signer": ""}
    return saved


def _display(saved: dict) -> dict:
    """Saved answers as the form shows them (money back in yuan, never in exponent form: 1000000
    yuan was shown as "1e+06", which the form then refused)."""
    out = {}
    for k, v in saved.items():
        if k in calc.INCOME_KINDS or k in ("deposits", "requested", "out_of_pocket"):
            out[k] = money.yuan_plain(v).removesuffix(".00") if isinstance(v, int) else v
        elif k == "id_masked":
            out["id_number"] = ""
        else:
            out[k] = v
    return out


class NoticeController(Controller):
    """The public notice (公示): approved cases, names partly masked, open to objections."""

    path = "/notice"

    @get("/", name="assistance:notice")
    async def notice(self, request: Request, db_session: AsyncSession) -> Template:
        rows, regions = await queries.on_notice(db_session)
        return page(
            request,
            "assistance/notice.html",
            rows=rows,
            mask=rules.mask_name,
            regions=regions,
            benefits=calc.BENEFITS,
        )
