"""The verification center's back office (imports, warnings, possible matches, household
reports, review campaigns) and the push API for department systems. Thin: each handler takes its
typed form (``forms.py``), reads through ``queries`` and writes through ``service``/``report``."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.assistance import queries as assistance_queries
from server.assistance.queries import application_people, scoped_application
from server.assistance.rules import works_current_step
from server.audit.service import Actor, record_view
from server.errors import DomainError, Kind
from server.people import queries as people_queries
from server.people import rules as proposal_rules
from server.people.models import Household
from server.regions.scope import RegionScope
from server.settings import Settings
from server.verification import forms, queries, rules, service
from server.verification import imports_service as loader
from server.verification import report_service as report
from server.verification.models import PossibleMatch, ReviewCampaign, VerificationWarning
from server.verification.sources import SOURCES, json_schema
from server.web import FormOf, UploadOf, page

MAX_UPLOAD = 200 * 1024 * 1024
T = "verification/office/"


def _to(request: Request, name: str, query: dict[str, str] | None = None, **params) -> str:
    """The path of a named route (and its query string)."""
    path = request.app.route_reverse(f"verification:{name}", **params)
    return f"{path}?{urlencode(query)}" if query else path


class VerificationOfficeController(Controller):
    path = "/office/verification"
    guards = [staff_guard]

    @get("/", name="verification:index", opt={"permission": P.VERIFICATION_READ})
    async def index(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        return page(
            request,
            T + "index.html",
            counts=await queries.counts_by_rule(
                db_session, region_scope.where(VerificationWarning.region_code)
            ),
            rules=rules.RULES,
            severity=rules.SEVERITY_LABELS,
            imports=await queries.recent_imports(db_session, limit=8),
            sources=SOURCES,
            pending=await queries.pending_matches(db_session, region_scope),
        )

    @get("/standard", name="verification:standard", opt={"permission": P.VERIFICATION_READ})
    async def standard(self, request: Request) -> Template:
        return page(request, T + "standard.html", sources=SOURCES)

    @get("/schemas/{source:str}", name="verification:schema", opt={"permission": P.VERIFICATION_READ})
    async def schema(self, source: str) -> Response:
        if source not in SOURCES:
            raise DomainError("error.not_found", Kind.NOT_FOUND)
        return Response(json_schema(SOURCES[source]), media_type="application/schema+json")

    # ------------------------------------------------------------------ imports

    @get("/imports", name="verification:imports", opt={"permission": P.VERIFICATION_IMPORTS_READ})
    async def imports(self, request: Request, db_session: AsyncSession, source: str = "") -> Template:
        return page(
            request,
            T + "imports.html",
            T + "_imports_table.html",
            push_url=str(request.url),
            **_imports_context(await queries.recent_imports(db_session, source), {"source": source}),
        )

    @post(
        "/imports",
        name="verification:upload",
        request_max_body_size=MAX_UPLOAD,
        opt={"permission": P.VERIFICATION_IMPORT},
    )
    async def upload(
        self,
        request: Request,
        data: UploadOf[forms.UploadForm],
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
        today: date,
    ) -> Response:
        rules.ensure_city(actor.region_code)
        try:
            source, channel = data.clean()
        except DomainError as exc:
            return Template(
                template_name=T + "imports.html",
                status_code=422,
                context=_imports_context(
                    await queries.recent_imports(db_session), {}, {exc.field: exc.code}, data.values()
                ),
            )
        imp = await service.receive_upload(
            db_session,
            settings,
            actor,
            source=source,
            channel=channel,
            filename=data.file.filename or "",
            upload=data.file,
            mode=data.mode,
        )
        await db_session.commit()
        return Redirect(
            _to(request, "import", import_id=imp.id),
            status_code=303,
            background=BackgroundTask(service.run_file_import, settings, actor, imp.id, today),
        )

    @get(
        "/imports/{import_id:int}",
        name="verification:import",
        opt={"permission": P.VERIFICATION_IMPORTS_READ},
    )
    async def import_detail(self, request: Request, import_id: int, db_session: AsyncSession) -> Template:
        imp = await queries.get_import(db_session, import_id)
        live = imp.status in rules.LIVE_IMPORTS
        return page(
            request,
            T + "import.html",
            T + "_import_status.html",
            imp=imp,
            source=SOURCES[imp.source],
            progress=loader.PROGRESS.get(imp.id, {}),
            duplicates=await queries.duplicate_rows(db_session, imp.id) if live else 0,
            reason=forms.ROLLBACK_REASON,
        )

    @post(
        "/imports/{import_id:int}/rollback",
        name="verification:rollback",
        opt={"permission": P.VERIFICATION_IMPORT},
    )
    async def rollback(
        self,
        request: Request,
        import_id: int,
        data: FormOf[forms.RollbackForm],
        db_session: AsyncSession,
        actor: Actor,
    ) -> Redirect:
        rules.ensure_city(actor.region_code)
        imp = await queries.get_import(db_session, import_id)
        await service.roll_back(db_session, actor, imp, data.reason)
        return Redirect(_to(request, "import", import_id=imp.id), status_code=303)

    # ------------------------------------------------------------------ warnings

    @get("/warnings", name="verification:warnings", opt={"permission": P.VERIFICATION_WARNING_READ})
    async def warnings(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        rule: str = "",
        status: str = "open",
        region: str = "",
        page_no: int = 1,
    ) -> Template:
        filters = {"rule": rule, "status": status, "region": region}
        found = await queries.warnings(db_session, region_scope, page_no=page_no, **filters)
        return page(
            request,
            T + "warnings.html",
            T + "_warnings_table.html",
            push_url=str(request.url),
            rows=found.rows,
            total=found.total,
            rules=rules.RULES,
            severity=rules.SEVERITY_LABELS,
            statuses=rules.STATUS_LABELS,
            fields=(forms.RULE_FILTER, forms.STATUS_FILTER, forms.REGION_FILTER),
            choices={"region": forms.region_options(await queries.region_picker(db_session, region_scope))},
            page_no=found.page_no,
            page_size=queries.PAGE,
            filters=filters,
        )

    @get(
        "/warnings/{warning_id:int}",
        name="verification:warning",
        opt={"permission": P.VERIFICATION_WARNING_READ},
    )
    async def warning(
        self,
        request: Request,
        warning_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Template:
        w = await region_scope.get(db_session, VerificationWarning, warning_id)
        # a department's record of the person: a death, a prison term, income, property
        people = [w.person_id] if w.person_id else []
        await record_view(
            db_session, actor, "report", "verification_warning", w.id, people, region_code=w.region_code
        )
        return page(request, T + "warning.html", **await _warning_context(db_session, w))

    @post(
        "/warnings/{warning_id:int}",
        name="verification:handle_warning",
        opt={"permission": P.VERIFICATION_WARNING_DECIDE},
    )
    async def handle(
        self,
        request: Request,
        warning_id: int,
        data: FormOf[forms.WarningForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Response:
        w = await region_scope.get(db_session, VerificationWarning, warning_id)
        try:
            await service.handle_warning(
                db_session,
                actor,
                w,
                decision=data.decision,
                action=data.action,
                reason=data.reason,
                today=today,
            )
        except DomainError as exc:
            if exc.kind != Kind.INVALID:
                raise
            await db_session.rollback()
            w = await region_scope.get(db_session, VerificationWarning, warning_id)
            context = await _warning_context(db_session, w, {exc.field or "": exc.code}, vars(data))
            return Template(template_name=T + "warning.html", status_code=422, context=context)
        response = Redirect(_to(request, "warning", warning_id=w.id), status_code=303)
        response.headers["HX-Trigger"] = "warning-handled"
        return response

    # ------------------------------------------------------------------ possible matches

    @get("/matches", name="verification:matches", opt={"permission": P.VERIFICATION_MATCHES})
    async def matches(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Template:
        rows = await queries.pending_match_rows(db_session, region_scope)
        people = [person.id for _, _, person in rows]
        if people:
            await record_view(db_session, actor, "report", "possible_matches", None, people)
        return page(request, T + "matches.html", rows=rows, sources=SOURCES)

    @post(
        "/matches/{match_id:int}",
        name="verification:decide_match",
        opt={"permission": P.VERIFICATION_MATCHES},
    )
    async def decide(
        self,
        request: Request,
        match_id: int,
        data: FormOf[forms.MatchForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        match = await region_scope.get(db_session, PossibleMatch, match_id)
        await service.decide_match(db_session, actor, match, data.confirm(), today)
        return Redirect(_to(request, "matches"), status_code=303)

    # ------------------------------------------------------------------ household report

    @get(
        "/households/{household_id:int}/report",
        name="verification:household_report",
        opt={"permission": P.VERIFICATION_REPORT_READ},
    )
    async def report(
        self,
        request: Request,
        household_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Template:
        household = await region_scope.get(db_session, Household, household_id)
        data = await report.for_household(db_session, household, today)
        people = await people_queries.household_people(db_session, household.id)
        await record_view(
            db_session, actor, "report", "household", household.id, people, region_code=household.region_code
        )
        return _report_page(request, data, ("household_report", household.id))

    @get(
        "/applications/{reference:str}/report",
        name="verification:application_report",
        opt={"permission": P.VERIFICATION_REPORT_READ},
    )
    async def application_report(
        self,
        request: Request,
        reference: str,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Template:
        app = await scoped_application(db_session, region_scope, reference)
        data = await report.for_application(db_session, app, today)
        people = await application_people(db_session, app)
        await record_view(
            db_session, actor, "report", "application", app.reference, people, region_code=app.region_code
        )
        return _report_page(
            request,
            data,
            ("application_report", app.reference),
            app=app,
            can_attach=works_current_step(app, request.session.get("role"), today),
        )

    @post(
        "/applications/{reference:str}/report",
        name="verification:attach_report",
        opt={"permission": P.VERIFICATION_REPORT_ATTACH},
    )
    async def attach_report(
        self,
        reference: str,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        app = await scoped_application(db_session, region_scope, reference)
        if not works_current_step(app, actor.role, today):
            raise DomainError("verification.attach_step", Kind.CONFLICT)
        await report.attach(db_session, actor, settings, app, today)
        response = Redirect(f"/office/assistance/{app.reference}#h-docs", status_code=303)
        response.headers["HX-Trigger"] = "report-attached"
        return response

    # ------------------------------------------------------------------ review campaigns

    @get("/reviews", name="verification:reviews", opt={"permission": P.VERIFICATION_REVIEW_READ})
    async def reviews(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        return page(
            request,
            T + "reviews.html",
            rows=await queries.reviews(db_session, region_scope),
            statuses=rules.REVIEW_STATUS_LABELS,
            fields=(forms.REVIEW_TITLE, forms.REVIEW_REGION),
            choices={
                "region_code": forms.region_options(await queries.region_picker(db_session, region_scope))
            },
            values={"region_code": region_scope.code},
        )

    @post("/reviews", name="verification:start_review", opt={"permission": P.VERIFICATION_REVIEW_RUN})
    async def start_review(
        self,
        request: Request,
        data: FormOf[forms.ReviewForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        code = region_scope.ensure(data.region_code or region_scope.code)
        review = await service.queue_review(db_session, actor, code, data.title, today)
        await db_session.commit()
        return Redirect(
            _to(request, "review", review_id=review.id),
            status_code=303,
            background=BackgroundTask(service.run_review_in_background, settings, actor, review.id, today),
        )

    @get(
        "/reviews/{review_id:int}", name="verification:review", opt={"permission": P.VERIFICATION_REVIEW_READ}
    )
    async def review(
        self,
        request: Request,
        review_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        proposal: str = "cancel",
    ) -> Template:
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        items, reasons = await queries.review_items(db_session, review.id, proposal)
        if items:  # household heads beside the rules that hit them (deaths, prison, income...)
            people = [head.id for _, _, head in items]
            await record_view(
                db_session, actor, "report", "review", review.id, people, region_code=review.region_code
            )
        return page(
            request,
            T + "review.html",
            T + "_review_items.html",
            push_url=str(request.url),
            review=review,
            items=items,
            reasons=reasons,
            counts=await queries.review_counts(db_session, review.id),
            proposal=proposal,
            progress=service.REVIEW_PROGRESS.get(review.id, {}),
            rules=rules.RULES,
            outcomes=rules.OUTCOME_LABELS,
            fields=forms.PROCESS_FIELDS,
            choices={"outcome": forms.outcome_options(proposal)},
            values={"outcome": proposal},
        )

    @get(
        "/reviews/{review_id:int}/progress",
        name="verification:review_progress",
        opt={"permission": P.VERIFICATION_REVIEW_READ},
    )
    async def review_progress(
        self, review_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Response:
        """What a running review is doing, for the page that polls it; once done, the page reloads."""
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        if review.status != rules.ReviewStatus.RUNNING:
            return Response(b"", status_code=200, headers={"HX-Refresh": "true"})
        return Template(
            template_name=T + "_review_progress.html",
            context={
                "review": review,
                "progress": service.REVIEW_PROGRESS.get(review.id, {}),
                "rules": rules.RULES,
            },
        )

    @post(
        "/reviews/{review_id:int}/process",
        name="verification:process",
        opt={"permission": P.VERIFICATION_REVIEW_RUN},
    )
    async def process(
        self,
        request: Request,
        review_id: int,
        data: FormOf[forms.ProcessForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        ids = data.item_ids()
        await service.process_items(db_session, actor, review, ids, data.outcome, data.reason, today)
        back = {"proposal": data.shown_proposal()}
        return Redirect(_to(request, "review", back, review_id=review.id), status_code=303)

    @post(
        "/reviews/{review_id:int}/close",
        name="verification:close",
        opt={"permission": P.VERIFICATION_REVIEW_RUN},
    )
    async def close(
        self,
        request: Request,
        review_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        await service.close_review(db_session, actor, review)
        return Redirect(_to(request, "review", review_id=review.id), status_code=303)


def _imports_context(rows, filters: dict, errors: dict | None = None, values: dict | None = None) -> dict:
    return {
        "rows": rows,
        "sources": SOURCES,
        "filters": filters,
        "errors": errors or {},
        "values": values or {},
        "fields": forms.UPLOAD_FIELDS,
        "source_filter": forms.SOURCE_FILTER,
    }


def _report_page(request: Request, data: report.Report, export: tuple[str, object], **extra) -> Template:
    """The report on screen; its PDF is an export a second person approves (server/exports)."""
    return page(
        request,
        T + "report.html",
        report=data,
        export=export,
        sources=SOURCES,
        rules=rules.RULES,
        statuses=rules.STATUS_LABELS,
        relationships=report.RELATIONSHIP_LABELS,
        describe=report.describe,
        fact_of=report.fact_of,
        **{"app": None, "can_attach": False, **extra},
    )


async def _warning_context(
    session: AsyncSession, w: VerificationWarning, errors: dict | None = None, typed: dict | None = None
) -> dict:
    evidence = await queries.warning_evidence(session, w)
    enrolment = evidence["enrolment"]
    values = {
        "decision": rules.WarningDecision.CONFIRM.value,
        "action": evidence["suggested"],
        **(typed or {}),
    }
    return {
        "w": w,
        "rule": rules.RULES[w.rule],
        **evidence,
        "sources": SOURCES,
        "actions": rules.ACTION_LABELS,
        "severity": rules.SEVERITY_LABELS,
        "statuses": rules.STATUS_LABELS,
        "fields": forms.WARNING_FIELDS,
        "choices": {"action": forms.action_options(evidence["enrolment"] is not None)},
        "values": values,
        "errors": errors or {},
        "proposals": await assistance_queries.proposals_of(session, enrolment.id) if enrolment else [],
        "proposal_labels": proposal_rules.LABELS,
    }


# ---------------------------------------------------------------------------------- push API


async def api_client_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """A department system's key (``Authorization: Bearer <key>``), and the source in the path
    among the sources it may push; checked before the body is read."""
    auth = connection.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    async with AsyncSession(connection.app.state.engine) as session:
        client = await queries.active_client(session, key)
        caller = service.Caller(client.id, client.name, client.region_code) if client else None
        allowed = list(client.sources or []) if client else []
    if caller is None:
        raise DomainError("verification.api_key", Kind.UNAUTHENTICATED)
    source = connection.path_params.get("source")
    if source not in SOURCES or source not in allowed:
        raise DomainError("verification.api_scope", Kind.FORBIDDEN)
    connection.state.api_caller = caller


class VerificationApiController(Controller):
    """``POST /api/verification/{source}`` with ``Authorization: Bearer <key>`` and
    ``{"rows": [...], "mode": "append|replace"}``; answers the import's version and counts,
    and the first rejected rows with their problems."""

    path = "/api/verification"

    @post("/{source:str}", status_code=201, guards=[api_client_guard])
    async def push(
        self,
        request: Request,
        source: str,
        data: forms.PushBody,
        db_session: AsyncSession,
        settings: Settings,
        today: date,
    ) -> Response:
        rows = data.clean(loader.MAX_API_ROWS)
        answer = await service.push_rows(
            db_session, settings, request.state.api_caller, source, rows, data.mode, today
        )
        return Response(answer, status_code=201)
