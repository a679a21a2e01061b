"""The back office: work lists, the case with its calculation and timeline, the four-level
workflow, policies, enrolled households and the monthly payment roll."""

from __future__ import annotations

import re
from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import exports, money
from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.assistance import calc, households, rules, service
from server.assistance.documents import document_path
from server.assistance.models import (
    Application,
    Document,
    Event,
    PaymentLine,
    PaymentRoll,
    Policy,
    Recalculation,
)
from server.audit.service import Actor
from server.crypto import decrypt
from server.errors import DomainError, Kind
from server.people import idcard
from server.people.enrolments import EnrolmentError, change_status
from server.people.models import Enrolment, Household, Person
from server.people.service import id_hash
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import Form, page

PAGE = 50
WORK_STATUSES = ("community", "street", "district", "notice", "returned", "enrolled", "terminated")


async def scoped_application(session: AsyncSession, region_scope: RegionScope, reference: str) -> Application:
    app = await session.scalar(select(Application).where(Application.reference == reference))
    if app is None or not region_scope.contains(app.region_code):
        raise NotFoundException(detail="error.not_found")
    return app


class AssistanceOfficeController(Controller):
    path = "/office/assistance"
    guards = [staff_guard]

    @get("/", opt={"permission": P.ASSISTANCE_READ})
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
        overdue: bool = False,
        q: str = "",
        page_no: int = 1,
    ) -> Template:
        current = await region_scope.narrow(db_session, region)
        stmt = select(Application).where(
            current.where(Application.region_code), Application.status != "draft"
        )
        if benefit in calc.BENEFITS:
            stmt = stmt.where(Application.benefit == benefit)
        if status in WORK_STATUSES:
            stmt = stmt.where(Application.status == status)
        if overdue:
            stmt = stmt.where(
                Application.status.in_(rules.STEPS),
                or_(Application.step_due_on < today, Application.total_due_on < today),
            )
        q = q.strip()
        if q:
            conditions = [Application.reference == q.upper(), Application.applicant_name.like(f"%{q}%")]
            try:
                conditions.append(Application.id_hash == id_hash(settings.secret_key, idcard.parse(q).number))
            except idcard.IdNumberError:
                pass
            stmt = stmt.where(or_(*conditions))
        total = await db_session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = list(
            await db_session.scalars(
                stmt.order_by(Application.step_due_on.is_(None), Application.step_due_on, Application.id)
                .limit(PAGE)
                .offset((max(page_no, 1) - 1) * PAGE)
            )
        )
        regions = {
            r.code: r.name for r in await db_session.scalars(select(Region).where(current.where(Region.code)))
        }
        filters = dict(benefit=benefit, status=status, region=current.code, overdue=overdue, q=q)
        return page(
            request,
            "assistance/office_list.html",
            "assistance/_office_table.html",
            push_url=str(request.url),
            rows=rows,
            total=total,
            filters=filters,
            regions=regions,
            today=today,
            labels=rules.STEP_LABELS,
            benefits=calc.BENEFITS,
            statuses=WORK_STATUSES,
            is_overdue=rules.overdue,
            page_no=page_no,
            page_size=PAGE,
        )

    @get("/{reference:str}", opt={"permission": P.ASSISTANCE_READ})
    async def detail(
        self,
        request: Request,
        reference: str,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
        error: str | None = None,
    ) -> Template:
        app = await scoped_application(db_session, region_scope, reference)
        events = list(
            await db_session.scalars(select(Event).where(Event.application_id == app.id).order_by(Event.id))
        )
        documents = list(await db_session.scalars(select(Document).where(Document.application_id == app.id)))
        region = await db_session.get(Region, app.region_code) if app.region_code else None
        role = request.session.get("role")
        return page(
            request,
            "assistance/office_detail.html",
            app=app,
            events=events,
            documents=documents,
            region=region,
            actions=service.allowed_actions(app, role, today),
            labels=rules.STEP_LABELS,
            benefits=calc.BENEFITS,
            overdue=rules.overdue(today, app.step_due_on, app.total_due_on) and app.status in rules.STEPS,
            can_attach_report=service.works_current_step(app, role, today),
            error=error,
            today=today,
        )

    @post("/{reference:str}/act", opt={"permission": P.ASSISTANCE_ACT})
    async def act(
        self,
        request: Request,
        reference: str,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        app = await scoped_application(db_session, region_scope, reference)
        action = str(data.get("action", ""))
        details = None
        if action == "approve" and app.status == "street":
            visit = {k: str(data.get(k, "")).strip() for k in ("visit_date", "visitors", "findings")}
            details = {"visit": visit} if all(visit.values()) else None
        if action == "objection":
            details = {"objection": str(data.get("objection_from", "")).strip()}
        await service.act(
            db_session, actor, settings.secret_key, app, action, str(data.get("opinion", "")), today, details
        )
        return Redirect(f"/office/assistance/{reference}", status_code=303)

    @get("/{reference:str}/documents/{doc_id:int}", opt={"permission": P.ASSISTANCE_DOCUMENTS})
    async def document(
        self,
        reference: str,
        doc_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        settings: Settings,
    ) -> Response:
        app = await scoped_application(db_session, region_scope, reference)
        doc = await db_session.get(Document, doc_id) if doc_id < 2**63 else None
        if doc is None or doc.application_id != app.id:
            raise NotFoundException(detail="error.not_found")
        return Response(
            document_path(settings, doc.stored_name).read_bytes(),
            media_type=doc.content_type,
            headers={"cache-control": "private, no-store"},
        )


class PolicyController(Controller):
    path = "/office/assistance/policies"
    guards = [staff_guard]

    @get("/", opt={"permission": P.POLICY_MANAGE})
    async def index(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, report: int | None = None
    ) -> Template:
        rows = list(
            await db_session.scalars(
                select(Policy)
                .where(region_scope.where(Policy.region_code))
                .order_by(Policy.effective_from.desc(), Policy.id.desc())
            )
        )
        summary = await service.policy_report(db_session, report) if report else None
        changes = []
        if report:
            changes = list(
                (
                    await db_session.execute(
                        select(Recalculation, Person.name)
                        .join(Enrolment, Enrolment.id == Recalculation.enrolment_id)
                        .join(Household, Household.id == Enrolment.household_id)
                        .join(Person, Person.id == Household.head_person_id)
                        .where(
                            Recalculation.policy_id == report,
                            Recalculation.new_cents != Recalculation.old_cents,
                        )
                        .order_by(Recalculation.region_code)
                        .limit(200)
                    )
                ).all()
            )
        return page(
            request,
            "assistance/policies.html",
            rows=rows,
            summary=summary,
            changes=changes,
            report=report,
            groups=calc.GROUPS,
            city=region_scope.code,
        )

    @post("/", opt={"permission": P.POLICY_MANAGE})
    async def create(
        self,
        request: Request,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        region_code = region_scope.ensure(str(data.get("region_code") or region_scope.code))
        if request.session.get("region") != service.city_of(region_code):
            raise PermissionDeniedException(detail="policy.city_only")
        try:
            values = {
                "region_code": region_code,
                "effective_from": date.fromisoformat(str(data.get("effective_from", ""))),
                "standard_cents": _yuan(data, "standard"),
                "asset_limit_cents": _yuan(data, "asset_limit"),
                "floor_cents": _yuan(data, "floor"),
                "tekun_pct": _int(data, "tekun_pct", 100, 300),
                "extra_pct": {g: _int(data, f"extra_{g}", 0, 100) for g in calc.GROUPS},
            }
        except (ValueError, money.MoneyError):
            raise DomainError("policy.invalid", Kind.INVALID) from None
        policy, _ = await service.create_policy(db_session, actor, values, today)
        return Redirect(f"/office/assistance/policies?report={policy.id}", status_code=303)


def _yuan(data: dict, name: str) -> int:
    return money.parse_fen(str(data.get(name, "")), field=name, high=10**9)


def _int(data: dict, name: str, low: int, high: int) -> int:
    raw = str(data.get(name, "")).strip() or "0"
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(name)
    return int(raw)


class HouseholdController(Controller):
    path = "/office/assistance/households"
    guards = [staff_guard]

    @get("/", opt={"permission": P.HOUSEHOLDS_READ})
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
        stmt = (
            select(Enrolment, Person.name, Person.id_masked)
            .join(Household, Household.id == Enrolment.household_id)
            .join(Person, Person.id == Household.head_person_id)
            .where(current.where(Enrolment.region_code))
        )
        if status in ("active", "suspended", "stopped"):
            stmt = stmt.where(Enrolment.status == status)
        total = await db_session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = (
            await db_session.execute(
                stmt.order_by(Enrolment.region_code, Enrolment.id)
                .limit(PAGE)
                .offset((max(page_no, 1) - 1) * PAGE)
            )
        ).all()
        return page(
            request,
            "assistance/households.html",
            "assistance/_households_table.html",
            push_url=str(request.url),
            rows=rows,
            total=total,
            benefits=calc.BENEFITS,
            filters={"region": current.code, "status": status},
        )

    @get("/{enrolment_id:int}", opt={"permission": P.HOUSEHOLDS_READ})
    async def detail(
        self,
        request: Request,
        enrolment_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
    ) -> Template:
        enrolment = await region_scope.get(db_session, Enrolment, enrolment_id)
        members = await households.members_of(db_session, enrolment.household_id)
        household = await db_session.get(Household, enrolment.household_id)
        result = await households.current_calculation(db_session, enrolment, today)
        return page(
            request,
            "assistance/household.html",
            enrolment=enrolment,
            members=members,
            household=household,
            result=result,
            benefits=calc.BENEFITS,
        )

    @post("/{enrolment_id:int}/change", opt={"permission": P.HOUSEHOLDS_CHANGE})
    async def change(
        self,
        enrolment_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        enrolment = await region_scope.get(db_session, Enrolment, enrolment_id)
        income = str(data.get("income", "")).strip()
        died = str(data.get("member_died", "")).strip()
        income_cents = money.parse_optional_fen(income, field="income", high=10**9)
        await households.change_request(
            db_session,
            actor,
            enrolment,
            today,
            reason=str(data.get("reason", "")),
            income_cents=income_cents,
            member_died=int(died) if died.isdigit() else None,
        )
        return Redirect(f"/office/assistance/households/{enrolment_id}", status_code=303)

    @post("/{enrolment_id:int}/status", opt={"permission": P.HOUSEHOLDS_STATUS})
    async def status(
        self, enrolment_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        enrolment = await region_scope.get(db_session, Enrolment, enrolment_id)
        try:
            await change_status(
                db_session,
                actor,
                enrolment,
                str(data.get("status", "")),
                str(data.get("reason", "")),
                source="office",
            )
        except EnrolmentError as e:
            raise DomainError(e.code, Kind.INVALID) from None
        return Redirect(f"/office/assistance/households/{enrolment_id}", status_code=303)


class PaymentController(Controller):
    path = "/office/assistance/payments"
    guards = [staff_guard]

    @get("/", opt={"permission": P.PAYMENTS_READ})
    async def index(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Template:
        rolls = list(
            await db_session.scalars(
                select(PaymentRoll)
                .where(region_scope.where(PaymentRoll.region_code))
                .order_by(PaymentRoll.month.desc(), PaymentRoll.region_code)
            )
        )
        districts = list(
            await db_session.scalars(
                select(Region).where(region_scope.where(Region.code), Region.level == "district")
            )
        )
        if (
            request.session.get("region")
            and len(request.session["region"]) == 6
            and request.session["region"][4:] != "00"
        ):
            districts = [d for d in districts if d.code == request.session["region"]]
        return page(
            request, "assistance/payments.html", rolls=rolls, districts=districts, month=f"{today:%Y-%m}"
        )

    @post("/", opt={"permission": P.PAYMENTS_GENERATE})
    async def generate(
        self, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        district = region_scope.ensure(str(data.get("region_code", "")))
        month = str(data.get("month", ""))
        if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month) or len(district) != 6:
            raise DomainError("payment.month", Kind.INVALID)
        roll = await service.generate_roll(db_session, actor, month, district)
        return Redirect(f"/office/assistance/payments/{roll.id}", status_code=303)

    @get("/{roll_id:int}", opt={"permission": P.PAYMENTS_READ})
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

        lines = list(
            await db_session.scalars(
                select(PaymentLine)
                .where(PaymentLine.roll_id == roll.id)
                .order_by(PaymentLine.region_code, PaymentLine.id)
                .limit(500)
            )
        )
        return page(
            request,
            "assistance/payment.html",
            roll=roll,
            lines=lines,
            totals=await service.roll_totals(db_session, roll.id),
            benefits=calc.BENEFITS,
            masked=masked,
        )

    @post("/{roll_id:int}/approve", opt={"permission": P.PAYMENTS_APPROVE})
    async def approve(
        self, roll_id: int, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        roll = await region_scope.get(db_session, PaymentRoll, roll_id)
        await service.approve_roll(db_session, actor, roll)
        return Redirect(f"/office/assistance/payments/{roll_id}", status_code=303)

    @get("/{roll_id:int}/export/{fmt:str}", opt={"permission": P.PAYMENTS_EXPORT})
    async def export(
        self, roll_id: int, fmt: str, db_session: AsyncSession, region_scope: RegionScope, settings: Settings
    ) -> Response:
        roll = await region_scope.get(db_session, PaymentRoll, roll_id)
        if fmt not in ("csv", "xlsx"):
            raise NotFoundException(detail="error.not_found")
        header = ["月份", "区域代码", "户主", "救助类别", "银行账号", "金额（元）"]
        rows = [
            [
                roll.month,
                ln.region_code,
                ln.payee_name,
                calc.BENEFITS[ln.benefit],
                decrypt(settings.secret_key, "bank-account", ln.bank_cipher) if ln.bank_cipher else "",
                f"{ln.amount_cents / 100:.2f}",
            ]
            for ln in await db_session.scalars(
                select(PaymentLine)
                .where(PaymentLine.roll_id == roll.id)
                .order_by(PaymentLine.region_code, PaymentLine.id)
            )
        ]
        name = f"payment-{roll.region_code}-{roll.month}.{fmt}"
        headers = {
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "private, no-store",
        }
        if fmt == "csv":
            body = exports.csv_bytes(
                [header, *rows, ["合计", "", "", "", "", f"{roll.total_cents / 100:.2f}"]]
            )
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        body = exports.xlsx_bytes(
            roll.month,
            [
                header,
                *(row[:5] + [float(row[5])] for row in rows),
                ["合计", "", "", "", "", roll.total_cents / 100],
            ],
        )
        return Response(
            body,
            headers=headers,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
