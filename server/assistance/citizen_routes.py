"""The citizen's side: apply on the phone one question per screen, check, submit, follow the case."""

from __future__ import annotations

import uuid
from datetime import date

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import rules as identity_rules
from server.accounts.auth import citizen_guard, provide_citizen
from server.accounts.models import Citizen
from server.assistance import answers as form
from server.assistance import calc, rules, service
from server.assistance.documents import store_document
from server.assistance.models import Application, Document, Event
from server.audit.service import Actor
from server.images import ImageRefused
from server.regions.models import Region
from server.settings import Settings
from server.web import Form, Upload, page


async def step_choices(session: AsyncSession, app: Application) -> dict[str, dict[str, str]]:
    """Options of the select questions: the city's districts for hukou, its communities for address."""
    city = (app.region_code or "331100")[:4]
    rows = list(
        await session.scalars(select(Region).where(Region.code.like(city + "%")).order_by(Region.code))
    )
    return {
        "hukou": {**{r.code: r.name for r in rows if r.level == "district"}, "other": "外地（本市以外）"},
        "community": {r.code: r.name for r in rows if r.level == "community"},
    }


async def own_application(session: AsyncSession, citizen: Citizen, reference: str) -> Application:
    app = await session.scalar(select(Application).where(Application.reference == reference))
    if app is None or app.citizen_id != citizen.id:
        raise NotFoundException(detail="error.not_found")
    return app


def steps_for(app: Application) -> list[form.Step]:
    return [s for s in form.STEPS if app.benefit in s.benefits]


def next_step(app: Application, step: str) -> str:
    names = [s.name for s in steps_for(app)]
    i = names.index(step)
    return names[i + 1] if i + 1 < len(names) else "check"


class ApplyController(Controller):
    path = "/apply"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/")
    async def start(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        mine = list(
            await db_session.scalars(
                select(Application)
                .where(Application.citizen_id == citizen.id)
                .order_by(Application.id.desc())
            )
        )
        return page(
            request,
            "assistance/start.html",
            benefits=calc.BENEFITS,
            mine=mine,
            key=uuid.uuid4().hex,
            labels=rules.STEP_LABELS,
            can_apply=identity_rules.may_apply(citizen.identity_level),
        )

    @post("/")
    async def create(
        self, data: Form, db_session: AsyncSession, citizen: Citizen, actor: Actor, today: date
    ) -> Redirect:
        app = await service.create_draft(
            db_session,
            actor,
            benefit=str(data.get("benefit", "")),
            citizen_id=citizen.id,
            client_key=str(data.get("key") or "")[:64] or None,
            today=today,
        )
        if app.citizen_id != citizen.id:
            raise NotFoundException(detail="error.not_found")
        return Redirect(f"/apply/{app.reference}/applicant", status_code=303)

    @get("/{reference:str}")
    async def status(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen
    ) -> Template:
        app = await own_application(db_session, citizen, reference)
        if app.status == "draft":
            return Redirect(f"/apply/{reference}/check", status_code=303)  # type: ignore[return-value]
        events = list(
            await db_session.scalars(select(Event).where(Event.application_id == app.id).order_by(Event.id))
        )
        return page(
            request,
            "assistance/status.html",
            app=app,
            events=events,
            labels=rules.STEP_LABELS,
            benefits=calc.BENEFITS,
        )

    @get("/{reference:str}/check")
    async def check(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template:
        app = await own_application(db_session, citizen, reference)
        findings, result = await service.evaluate(db_session, app, today)
        documents = list(await db_session.scalars(select(Document).where(Document.application_id == app.id)))
        return page(
            request,
            "assistance/check.html",
            app=app,
            steps=steps_for(app),
            findings=findings,
            result=result,
            missing=form.missing_steps(app.answers or {}, app.benefit),
            documents=documents,
            choices=await step_choices(db_session, app),
            key=uuid.uuid4().hex,
            benefits=calc.BENEFITS,
            kinds=form.DOCUMENT_KINDS,
            total=len(steps_for(app)) + 1,
            titles={s.name: s.title for s in form.STEPS},
        )

    @post("/{reference:str}/submit")
    async def submit(
        self,
        reference: str,
        data: Form,
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Redirect:
        app = await own_application(db_session, citizen, reference)
        await service.submit(db_session, actor, app, today, key=str(data.get("idem") or "")[:64] or None)
        return Redirect(f"/apply/{reference}?submitted=1", status_code=303)

    @get("/{reference:str}/{step:str}")
    async def show_step(
        self, request: Request, reference: str, step: str, db_session: AsyncSession, citizen: Citizen
    ) -> Template:
        app = await own_application(db_session, citizen, reference)
        return await self._render(request, db_session, app, step, citizen)

    @post("/{reference:str}/{step:str}")
    async def save(
        self,
        request: Request,
        reference: str,
        step: str,
        data: Form,
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Template | Redirect:
        app = await own_application(db_session, citizen, reference)
        if step not in form.BY_NAME or step == "documents":
            raise NotFoundException(detail="error.not_found")
        raw = {k: str(v) for k, v in data.items()}
        try:
            await service.save_step(
                db_session,
                actor,
                settings.secret_key,
                app,
                step,
                raw,
                str(data.get("idem") or "")[:64] or None,
                today,
                await step_choices(db_session, app),
            )
        except form.AnswerError as e:
            return await self._render(
                request, db_session, app, step, citizen, errors=e.errors, values=raw, status=422
            )
        if step == "members" and data.get("more") == "1":
            return Redirect(f"/apply/{reference}/members", status_code=303)
        return Redirect(f"/apply/{reference}/{next_step(app, step)}", status_code=303)

    @post("/{reference:str}/remove-member/{index:int}")
    async def remove_member(
        self, reference: str, index: int, db_session: AsyncSession, citizen: Citizen, actor: Actor
    ) -> Redirect:
        app = await own_application(db_session, citizen, reference)
        await service.remove_member(db_session, actor, app, index)
        return Redirect(f"/apply/{reference}/members", status_code=303)

    @post("/{reference:str}/upload")
    async def upload(
        self,
        request: Request,
        reference: str,
        data: Upload,
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        settings: Settings,
    ) -> Template | Redirect:
        app = await own_application(db_session, citizen, reference)
        photo = data.get("photo")
        raw = await photo.read() if hasattr(photo, "read") else b""
        try:
            await store_document(db_session, actor, settings, app, str(data.get("kind") or "other"), raw)
        except ImageRefused as e:
            return await self._render(
                request, db_session, app, "documents", citizen, errors={"photo": e.code}, status=422
            )
        return Redirect(f"/apply/{reference}/documents", status_code=303)

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
    ) -> Template:
        steps = steps_for(app)
        names = [s.name for s in steps]
        if step not in names:
            raise NotFoundException(detail="error.not_found")
        if app.status not in ("draft", "returned"):
            return Redirect(f"/apply/{app.reference}", status_code=303)  # type: ignore[return-value]
        saved = {} if step == "members" else dict((app.answers or {}).get(step) or {})
        if step == "applicant" and not saved:
            prefill = (app.answers or {}).get("prefill") or {}
            saved = {"name": citizen.name or prefill.get("name") or "", "phone": citizen.phone}
        if step == "consent" and not saved:
            saved = {"signer": ""}
        documents = (
            list(await session.scalars(select(Document).where(Document.application_id == app.id)))
            if step == "documents"
            else []
        )
        ctx = dict(
            app=app,
            step=form.BY_NAME[step],
            number=names.index(step) + 1,
            total=len(names) + 1,
            values=values if values is not None else _display(saved),
            errors=errors or {},
            choices=await step_choices(session, app),
            members=(app.answers or {}).get("members", []),
            key=uuid.uuid4().hex,
            documents=documents,
            kinds=form.DOCUMENT_KINDS,
            benefits=calc.BENEFITS,
            relationships=form.RELATIONSHIPS,
            fixed=(citizen.name, citizen.id_masked) if app.citizen_id is not None else None,
            back=f"/apply/{app.reference}/{names[names.index(step) - 1]}" if names.index(step) else "/apply",
        )
        return Template("assistance/step.html", context=ctx, status_code=status)


def _display(saved: dict) -> dict:
    """Saved answers as the form shows them (money back in yuan)."""
    out = {}
    for k, v in saved.items():
        if k in calc.INCOME_KINDS or k in ("deposits", "requested", "out_of_pocket"):
            out[k] = f"{v / 100:g}" if isinstance(v, int) else v
        elif k == "id_masked":
            out["id_number"] = ""
        else:
            out[k] = v
    return out


class NoticeController(Controller):
    """The public notice (公示): approved cases, names partly masked, open to objections."""

    path = "/notice"

    @get("/")
    async def notice(self, request: Request, db_session: AsyncSession) -> Template:
        rows = list(
            await db_session.scalars(
                select(Application).where(Application.status == "notice").order_by(Application.step_due_on)
            )
        )
        regions = {r.code: r.name for r in await db_session.scalars(select(Region))}
        return page(
            request,
            "assistance/notice.html",
            rows=rows,
            mask=rules.mask_name,
            regions=regions,
            benefits=calc.BENEFITS,
        )
