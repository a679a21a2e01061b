"""The back office: work lists, the case with its calculation and timeline, the four-level
workflow, policies, enrolled households and the monthly payment roll. Thin controllers: reads come
from ``queries``, writes go through ``service`` (and ``households``), rules live in ``rules``."""

from __future__ import annotations

import re
from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.assistance import calc, queries, rules, service
from server.assistance import forms as f
from server.assistance import households_service as households
from server.assistance import proposals_service as proposals
from server.assistance.documents_service import read_document
from server.assistance.models import PaymentRoll
from server.assistance.queries import PAGE, scoped_application
from server.audit.service import Actor, record_view
from server.crypto import decrypt
from server.errors import DomainError, Kind
from server.people import rules as proposal_rules
from server.people.enrolments import EnrolmentError
from server.people.models import Enrolment, Household
from server.privacy import queries as privacy_queries
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import FormOf, page

__all__ = ["scoped_application"]  # server/verification/routes.py finds cases in reach through it


def _to(request: Request, name: str, query: str = "", **params) -> Redirect:
    """See other: the named page (``query`` appended as is)."""
    return Redirect(request.app.route_reverse(name, **params) + query, status_code=303)


class AssistanceOfficeController(Controller):
    path = "/office/assistance"
    guards = [staff_guard]

    @get("/", name="assistance:office_list", opt={"permission": P.ASSISTANCE_READ})
    async def work_list(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        settings: Settings,
        today: date,
        benefit: str = "",
        status: str = "",
        region: str | None = None,
        overdue: str = "",
        q: str = "",
        page_no: int = 1,
    ) -> Template:
        current = await region_scope.narrow(db_session, region)
        filters = queries.WorkFilters(benefit, status, f.checked(overdue), q.strip(), page_no)
        rows, total = await queries.work_list(db_session, current, filters, settings.secret_key, today)
        picker = await queries.region_picker(db_session, current)
        return page(
            request,
            "assistance/office/list.html",
            "assistance/office/_table.html",
            push_url=str(request.url),
            rows=rows,
            total=total,
            filters=dict(
                benefit=benefit, status=status, region=current.code, overdue=filters.overdue, q=filters.q
            ),
            filter_fields=f.WORK_FILTERS,
            filter_choices={
                "benefit": {"": "全部", **calc.BENEFITS},
                "status": {"": "全部", **{s: rules.STEP_LABELS[s] for s in rules.WORK_STATUSES}},
                "region": picker,
            },
            regions=picker,
            today=today,
            labels=rules.STEP_LABELS,
            benefits=calc.BENEFITS,
            is_late=rules.is_late,
            page_no=page_no,
            page_size=PAGE,
        )

    @get("/{reference:str}", name="assistance:office_detail", opt={"permission": P.ASSISTANCE_READ})
    async def detail(
        self,
        request: Request,
        reference: str,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
        error: str | None = None,
    ) -> Template:
        app = await scoped_application(db_session, region_scope, reference)
        # the case shows health, income, assets and hardship: a sensitive read of everyone in it
        people = await queries.application_people(db_session, app)
        await record_view(
            db_session,
            actor,
            "application",
            "application",
            app.reference,
            people,
            region_code=app.region_code,
        )
        role = request.session.get("role")
        return page(
            request,
            "assistance/office/detail.html",
            app=app,
            consents=await privacy_queries.household_consents(db_session, app.id, app.answers, today),
            events=await queries.timeline(db_session, app),
            documents=await queries.documents(db_session, app),
            region_name=await queries.region_name(db_session, app.region_code),
            actions=rules.allowed_actions(app, role, today),
            visit_needed=any((app.status, a) in rules.VISIT_REQUIRED for a in rules.Action),
            visit_fields=f.VISIT_FIELDS,
            objection_field=f.OBJECTION_FIELD,
            opinion_field=f.OPINION_FIELD,
            labels=rules.STEP_LABELS,
            benefits=calc.BENEFITS,
            overdue=rules.is_late(app.status, today, app.step_due_on, app.total_due_on),
            can_attach_report=rules.works_current_step(app, role, today),
            error=error,
            today=today,
        )

    @post("/{reference:str}/act", name="assistance:act", opt={"permission": P.ASSISTANCE_ACT})
    async def act(
        self,
        request: Request,
        reference: str,
        data: FormOf[f.ActForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        app = await scoped_application(db_session, region_scope, reference)
        details = rules.action_details(app.status, data.action, vars(data))
        await service.act(
            db_session, actor, settings.secret_key, app, data.action, data.opinion, today, details
        )
        return _to(request, "assistance:office_detail", reference=reference)

    @get(
        "/{reference:str}/documents/{doc_id:int}",
        name="assistance:document",
        opt={"permission": P.ASSISTANCE_DOCUMENTS},
    )
    async def document(
        self,
        reference: str,
        doc_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
    ) -> Response:
        app = await scoped_application(db_session, region_scope, reference)
        doc = await queries.document_of(db_session, app, doc_id)
        people = await queries.application_people(db_session, app)
        await record_view(
            db_session, actor, "documents", "document", doc.id, people, region_code=app.region_code
        )
        return Response(
            read_document(settings, doc.stored_name),
            media_type=doc.content_type,
            headers={"cache-control": "private, no-store"},
        )


class PolicyController(Controller):
    path = "/office/assistance/policies"
    guards = [staff_guard]

    @get("/", name="assistance:policies", opt={"permission": P.POLICY_MANAGE})
    async def index(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, report: int | None = None
    ) -> Template:
        return page(
            request,
            "assistance/office/policies.html",
            rows=await queries.policies(db_session, region_scope),
            summary=await service.policy_report(db_session, report) if report else None,
            changes=await queries.policy_changes(db_session, report) if report else [],
            report=report,
            fields=f.POLICY_FIELDS,
            values=f.POLICY_DEFAULTS,
            city=region_scope.code,
        )

    @post("/", name="assistance:policy_create", opt={"permission": P.POLICY_MANAGE})
    async def create(
        self,
        request: Request,
        data: FormOf[f.PolicyForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        region_code = region_scope.ensure(data.region_code or region_scope.code)
        if request.session.get("region") != service.city_of(region_code):
            raise PermissionDeniedException(detail="policy.city_only")
        policy, _ = await service.create_policy(db_session, actor, data.clean(region_code), today)
        return _to(request, "assistance:policies", f"?report={policy.id}")


class HouseholdController(Controller):
    path = "/office/assistance/households"
    guards = [staff_guard]

    @get("/", name="assistance:households", opt={"permission": P.HOUSEHOLDS_READ})
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        region: str | None = None,
        status: str = "",
        page_no: int = 1,
    ) -> Template:
        current = await region_scope.narrow(db_session, region)
        rows, total = await queries.households(db_session, current, status, page_no)
        return page(
            request,
            "assistance/office/households.html",
            "assistance/office/_households_table.html",
            push_url=str(request.url),
            rows=rows,
            total=total,
            benefits=calc.BENEFITS,
            filters={"region": current.code, "status": status},
            filter_fields=f.HOUSEHOLD_FILTERS,
            filter_choices={"status": f.HOUSEHOLD_STATUS_LABELS},
        )

    @get("/{enrolment_id:int}", name="assistance:household", opt={"permission": P.HOUSEHOLDS_READ})
    async def detail(
        self,
        request: Request,
        enrolment_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Template:
        enrolment = await region_scope.get(db_session, Enrolment, enrolment_id)
        members = await households.members_of(db_session, enrolment.household_id)
        # members' disability, illness and the household's income
        await record_view(
            db_session,
            actor,
            "household",
            "enrolment",
            enrolment.id,
            [p.id for _, p in members],
            region_code=enrolment.region_code,
        )
        living = {str(m.id): p.name for m, p in members if not p.deceased_on}
        return page(
            request,
            "assistance/office/household.html",
            enrolment=enrolment,
            members=members,
            household=await db_session.get(Household, enrolment.household_id),
            result=await households.current_calculation(db_session, enrolment, today),
            benefits=calc.BENEFITS,
            change_fields=f.CHANGE_FIELDS,
            change_choices={"member_died": {"": "无", **living}},
            status_fields=f.STATUS_FIELDS,
            status_choices={"status": _status_choices(enrolment.status)},
            proposals=await queries.proposals_of(db_session, enrolment.id),
            proposal_labels=proposal_rules.LABELS,
        )

    @post(
        "/{enrolment_id:int}/change",
        name="assistance:household_change",
        opt={"permission": P.HOUSEHOLDS_CHANGE},
    )
    async def change(
        self,
        request: Request,
        enrolment_id: int,
        data: FormOf[f.ChangeForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        enrolment = await region_scope.get(db_session, Enrolment, enrolment_id)
        await proposals.household_change(
            db_session,
            actor,
            enrolment,
            today,
            reason=data.reason,
            income_cents=data.income_cents(),
            member_died=data.member(),
        )
        return _to(request, "assistance:household", enrolment_id=enrolment_id)

    @post(
        "/{enrolment_id:int}/status",
        name="assistance:household_status",
        opt={"permission": P.HOUSEHOLDS_STATUS},
    )
    async def status(
        self,
        request: Request,
        enrolment_id: int,
        data: FormOf[f.StatusForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        enrolment = await region_scope.get(db_session, Enrolment, enrolment_id)
        try:
            await proposals.household_status(db_session, actor, enrolment, data.status, data.reason)
        except EnrolmentError as e:
            raise DomainError(e.code, Kind.INVALID) from None
        return _to(request, "assistance:household", enrolment_id=enrolment_id)


def _status_choices(current: str) -> dict[str, str]:
    """Suspend an active benefit or resume a suspended one; stop either."""
    first = {"suspended": "暂停"} if current == "active" else {"active": "恢复"}
    return {**first, "stopped": "停止"}


class PaymentController(Controller):
    path = "/office/assistance/payments"
    guards = [staff_guard]

    @get("/", name="assistance:payments", opt={"permission": P.PAYMENTS_READ})
    async def index(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Template:
        districts = await queries.roll_districts(db_session, region_scope, request.session.get("region"))
        return page(
            request,
            "assistance/office/payments.html",
            rolls=await queries.rolls(db_session, region_scope),
            districts=districts,
            fields=f.ROLL_FIELDS,
            values={"month": f"{today:%Y-%m}", "region_code": districts[0].code if districts else ""},
            choices={"region_code": {d.code: d.name for d in districts}},
        )

    @post("/", name="assistance:roll_generate", opt={"permission": P.PAYMENTS_GENERATE})
    async def generate(
        self,
        request: Request,
        data: FormOf[f.RollForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        district = region_scope.ensure(data.region_code)
        if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", data.month) or len(district) != 6:
            raise DomainError("payment.month", Kind.INVALID)
        roll = await service.generate_roll(db_session, actor, data.month, district)
        return _to(request, "assistance:payment", roll_id=roll.id)

    @get("/{roll_id:int}", name="assistance:payment", opt={"permission": P.PAYMENTS_READ})
    async def detail(
        self,
        request: Request,
        roll_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        settings: Settings,
    ) -> Template:
        roll = await region_scope.get(db_session, PaymentRoll, roll_id)

        def masked(cipher: str | None) -> str:
            return service.mask_bank(decrypt(settings.secret_key, "bank-account", cipher)) if cipher else "—"

        return page(
            request,
            "assistance/office/payment.html",
            roll=roll,
            lines=await queries.roll_lines(db_session, roll, limit=500),
            totals=await queries.roll_totals(db_session, roll.id),
            benefits=calc.BENEFITS,
            masked=masked,
            approver=rules.roll_approver(roll.status),
        )

    @post("/{roll_id:int}/approve", name="assistance:payment_approve", opt={"permission": P.PAYMENTS_APPROVE})
    async def approve(
        self,
        request: Request,
        roll_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        roll = await region_scope.get(db_session, PaymentRoll, roll_id)
        await service.approve_roll(db_session, actor, roll)
        return _to(request, "assistance:payment", roll_id=roll_id)
