"""The verification center's back office (imports, warnings, possible matches, household
reports, review campaigns) and the push API for department systems."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.assistance.office_routes import scoped_application
from server.assistance.rules import works_current_step
from server.audit.service import Actor
from server.errors import DomainError, Kind
from server.people.models import Enrolment, Household, Person
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.settings import Settings
from server.verification import loader, report, rules, service
from server.verification.models import (
    ApiClient,
    DataImport,
    PossibleMatch,
    ReviewCampaign,
    ReviewItem,
    SourceRecord,
    VerificationWarning,
)
from server.verification.sources import SOURCES, json_schema
from server.web import Form, Upload, page

PAGE = 50
MAX_UPLOAD = 200 * 1024 * 1024


def _city_only(actor: Actor) -> None:
    if not actor.region_code or len(actor.region_code) != 6 or not actor.region_code.endswith("00"):
        raise PermissionDeniedException(detail="verification.city_only")


class VerificationOfficeController(Controller):
    path = "/office/verification"
    guards = [staff_guard]

    @get("/", opt={"permission": P.VERIFICATION_READ})
    async def index(self, request: Request, db_session: AsyncSession, region_scope: RegionScope) -> Template:
        counts = await service.counts_by_rule(db_session, region_scope.where(VerificationWarning.region_code))
        imports = list(await db_session.scalars(select(DataImport).order_by(DataImport.id.desc()).limit(8)))
        pending = await db_session.scalar(
            select(func.count())
            .select_from(PossibleMatch)
            .where(PossibleMatch.status == "pending", region_scope.where(PossibleMatch.region_code))
        )
        return page(
            request,
            "verification/index.html",
            counts=counts,
            rules=rules.RULES,
            imports=imports,
            sources=SOURCES,
            pending=pending,
        )

    @get("/standard", opt={"permission": P.VERIFICATION_READ})
    async def standard(self, request: Request) -> Template:
        return page(request, "verification/standard.html", sources=SOURCES)

    @get("/schemas/{source:str}", opt={"permission": P.VERIFICATION_READ})
    async def schema(self, source: str) -> Response:
        if source not in SOURCES:
            raise DomainError("error.not_found", Kind.NOT_FOUND)
        return Response(json_schema(SOURCES[source]), media_type="application/schema+json")

    # ------------------------------------------------------------------ imports

    @get("/imports", opt={"permission": P.VERIFICATION_IMPORTS_READ})
    async def imports(self, request: Request, db_session: AsyncSession, source: str = "") -> Template:
        stmt = select(DataImport).order_by(DataImport.id.desc()).limit(100)
        if source:
            stmt = stmt.where(DataImport.source == source)
        rows = list(await db_session.scalars(stmt))
        return page(
            request,
            "verification/imports.html",
            "verification/_imports_table.html",
            push_url=str(request.url),
            rows=rows,
            sources=SOURCES,
            filters={"source": source},
            error=None,
            values={},
        )

    @post("/imports", request_max_body_size=MAX_UPLOAD, opt={"permission": P.VERIFICATION_IMPORT})
    async def upload(
        self,
        request: Request,
        data: Upload,
        db_session: AsyncSession,
        settings: Settings,
        actor: Actor,
        today: date,
    ) -> Response:
        _city_only(actor)
        code = str(data.get("source") or "")
        upload = data.get("file")
        values = {"source": code, "mode": str(data.get("mode") or "")}
        error = None
        if code not in SOURCES:
            error = "verification.source"
        elif not hasattr(upload, "read"):
            error = "verification.file"
        name = getattr(upload, "filename", "") or ""
        channel = "xlsx" if name.lower().endswith(".xlsx") else "csv"
        if error is None and not (name.lower().endswith((".csv", ".xlsx", ".txt"))):
            error = "verification.file_type"
        if error:
            rows = list(
                await db_session.scalars(select(DataImport).order_by(DataImport.id.desc()).limit(100))
            )
            return Template(
                template_name="verification/imports.html",
                status_code=422,
                context={"rows": rows, "sources": SOURCES, "filters": {}, "error": error, "values": values},
            )
        stored = f"{secrets.token_hex(12)}.{channel}"
        size = 0
        with loader.save_upload(settings, stored) as fh:  # in pieces (a file may be 200 MB), encrypted
            while chunk := await upload.read(1 << 20):
                fh.write(chunk)
                size += len(chunk)
        mode = values["mode"] if values["mode"] in ("append", "replace") else None
        imp = await loader.new_import(
            db_session,
            actor,
            SOURCES[code],
            channel=channel,
            filename=name[:200],
            stored_name=stored,
            mode=mode,
        )
        loader.PROGRESS[imp.id] = {"rows": 0, "bytes_done": 0, "bytes_total": size, "stage": "queued"}
        await db_session.commit()
        return Redirect(
            f"/office/verification/imports/{imp.id}",
            status_code=303,
            background=BackgroundTask(service.run_file_import, settings, actor, imp.id, today),
        )

    @get("/imports/{import_id:int}", opt={"permission": P.VERIFICATION_IMPORTS_READ})
    async def import_detail(self, request: Request, import_id: int, db_session: AsyncSession) -> Template:
        imp = await _get(db_session, DataImport, import_id)
        duplicates = (
            await loader.duplicate_rows(db_session, imp.id) if imp.status in ("active", "superseded") else 0
        )
        progress = loader.PROGRESS.get(imp.id, {})
        return page(
            request,
            "verification/import.html",
            "verification/_import_status.html",
            imp=imp,
            source=SOURCES[imp.source],
            progress=progress,
            duplicates=duplicates,
        )

    @get("/imports/{import_id:int}/errors", opt={"permission": P.VERIFICATION_IMPORT})
    async def import_errors(
        self, import_id: int, db_session: AsyncSession, settings: Settings, actor: Actor
    ) -> Response:
        _city_only(actor)  # the rejected rows are the department's own, ID numbers included
        imp = await _get(db_session, DataImport, import_id)
        try:
            text = loader.read_error_text(settings, imp.id)
        except loader.StoredFileDamaged:
            raise DomainError("verification.file_damaged", Kind.BROKEN) from None
        if text is None:
            raise DomainError("verification.no_errors", Kind.NOT_FOUND)
        return Response(
            ("\ufeff" + text).encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="errors-{imp.source}-v{imp.version}.csv"'},
        )

    @post("/imports/{import_id:int}/rollback", opt={"permission": P.VERIFICATION_IMPORT})
    async def rollback(self, import_id: int, data: Form, db_session: AsyncSession, actor: Actor) -> Redirect:
        _city_only(actor)
        imp = await _get(db_session, DataImport, import_id)
        reason = str(data.get("reason") or "").strip()
        if not reason:
            raise DomainError("verification.reason", Kind.INVALID)
        try:
            await loader.rollback_import(db_session, actor, imp, reason)
        except loader.ImportRefused:
            raise DomainError("verification.not_live", Kind.CONFLICT) from None
        return Redirect(f"/office/verification/imports/{imp.id}", status_code=303)

    # ------------------------------------------------------------------ warnings

    @get("/warnings", opt={"permission": P.VERIFICATION_WARNING_READ})
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
        w = VerificationWarning
        stmt = (
            select(w, Person.name, Person.id_masked)
            .outerjoin(Person, Person.id == w.person_id)
            .where(region_scope.where(w.region_code))
        )
        if region:
            region_scope.ensure(region)
            stmt = stmt.where(w.region_code.like(region + "%"))
        if rule:
            stmt = stmt.where(w.rule == rule)
        if status:
            stmt = stmt.where(w.status == status)
        page_no = max(1, min(page_no, 10_000))
        total = await db_session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = list(
            await db_session.execute(stmt.order_by(w.id.desc()).offset((page_no - 1) * PAGE).limit(PAGE))
        )
        regions = list(
            await db_session.scalars(
                select(Region)
                .where(region_scope.where(Region.code), Region.level != "community")
                .order_by(Region.code)
            )
        )
        return page(
            request,
            "verification/warnings.html",
            "verification/_warnings_table.html",
            push_url=str(request.url),
            rows=rows,
            total=total,
            rules=rules.RULES,
            severity=rules.SEVERITY_LABELS,
            statuses=rules.STATUS_LABELS,
            regions=regions,
            page_no=page_no,
            page_size=PAGE,
            filters={"rule": rule, "status": status, "region": region},
        )

    @get("/warnings/{warning_id:int}", opt={"permission": P.VERIFICATION_WARNING_READ})
    async def warning(
        self, request: Request, warning_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        w = await region_scope.get(db_session, VerificationWarning, warning_id)
        return page(request, "verification/warning.html", **await _warning_context(db_session, w), error=None)

    @post("/warnings/{warning_id:int}", opt={"permission": P.VERIFICATION_WARNING_DECIDE})
    async def handle(
        self,
        request: Request,
        warning_id: int,
        data: Form,
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
                decision=str(data.get("decision") or ""),
                action=str(data.get("action") or ""),
                reason=str(data.get("reason") or ""),
                today=today,
            )
        except DomainError as exc:
            if exc.kind != Kind.INVALID:
                raise
            await db_session.rollback()
            w = await region_scope.get(db_session, VerificationWarning, warning_id)
            return Template(
                template_name="verification/warning.html",
                status_code=422,
                context={**await _warning_context(db_session, w), "error": exc.code},
            )
        response = Redirect(f"/office/verification/warnings/{w.id}", status_code=303)
        response.headers["HX-Trigger"] = "warning-handled"
        return response

    # ------------------------------------------------------------------ possible matches

    @get("/matches", opt={"permission": P.VERIFICATION_MATCHES})
    async def matches(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        rows = list(
            await db_session.execute(
                select(PossibleMatch, SourceRecord, Person)
                .join(SourceRecord, SourceRecord.id == PossibleMatch.record_id)
                .join(Person, Person.id == PossibleMatch.person_id)
                .where(PossibleMatch.status == "pending", region_scope.where(PossibleMatch.region_code))
                .order_by(PossibleMatch.id)
                .limit(200)
            )
        )
        return page(request, "verification/matches.html", rows=rows, sources=SOURCES)

    @post("/matches/{match_id:int}", opt={"permission": P.VERIFICATION_MATCHES})
    async def decide(
        self,
        match_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        match = await region_scope.get(db_session, PossibleMatch, match_id)
        decision = str(data.get("decision") or "")
        if decision not in ("confirm", "reject"):
            raise DomainError("verification.action", Kind.INVALID)
        await service.decide_match(db_session, actor, match, decision == "confirm", today)
        return Redirect("/office/verification/matches", status_code=303)

    # ------------------------------------------------------------------ household report

    @get("/households/{household_id:int}/report", opt={"permission": P.VERIFICATION_REPORT_READ})
    async def report(
        self,
        request: Request,
        household_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
    ) -> Template:
        household = await region_scope.get(db_session, Household, household_id)
        data = await report.for_household(db_session, household, today)
        return _report_page(request, data, f"/office/verification/households/{household.id}/report/pdf")

    @get("/households/{household_id:int}/report/pdf", opt={"permission": P.VERIFICATION_REPORT_READ})
    async def report_pdf(
        self, household_id: int, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Response:
        household = await region_scope.get(db_session, Household, household_id)
        return _pdf(
            report.pdf(await report.for_household(db_session, household, today)), f"household-{household.id}"
        )

    @get("/applications/{reference:str}/report", opt={"permission": P.VERIFICATION_REPORT_READ})
    async def application_report(
        self,
        request: Request,
        reference: str,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
    ) -> Template:
        app = await scoped_application(db_session, region_scope, reference)
        data = await report.for_application(db_session, app, today)
        return _report_page(
            request,
            data,
            f"/office/verification/applications/{app.reference}/report/pdf",
            app=app,
            can_attach=works_current_step(app, request.session.get("role"), today),
        )

    @get("/applications/{reference:str}/report/pdf", opt={"permission": P.VERIFICATION_REPORT_READ})
    async def application_report_pdf(
        self, reference: str, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Response:
        app = await scoped_application(db_session, region_scope, reference)
        return _pdf(report.pdf(await report.for_application(db_session, app, today)), app.reference)

    @post("/applications/{reference:str}/report", opt={"permission": P.VERIFICATION_REPORT_ATTACH})
    async def attach_report(
        self,
        request: Request,
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

    @get("/reviews", opt={"permission": P.VERIFICATION_REVIEW_READ})
    async def reviews(
        self, request: Request, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        rows = list(
            await db_session.scalars(
                select(ReviewCampaign)
                .where(region_scope.where(ReviewCampaign.region_code))
                .order_by(ReviewCampaign.id.desc())
                .limit(50)
            )
        )
        regions = list(
            await db_session.scalars(
                select(Region)
                .where(region_scope.where(Region.code), Region.level != "community")
                .order_by(Region.code)
            )
        )
        return page(request, "verification/reviews.html", rows=rows, regions=regions)

    @post("/reviews", opt={"permission": P.VERIFICATION_REVIEW_RUN})
    async def start_review(
        self,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        code = region_scope.ensure(str(data.get("region_code") or region_scope.code))
        review = await service.create_review(db_session, actor, code, str(data.get("title") or ""), today)
        service.REVIEW_PROGRESS[review.id] = {"done": 0, "total": len(rules.RULES)}
        await db_session.commit()
        return Redirect(
            f"/office/verification/reviews/{review.id}",
            status_code=303,
            background=BackgroundTask(service.run_review_in_background, settings, actor, review.id, today),
        )

    @get("/reviews/{review_id:int}", opt={"permission": P.VERIFICATION_REVIEW_READ})
    async def review(
        self,
        request: Request,
        review_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        proposal: str = "cancel",
    ) -> Template:
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        items = list(
            await db_session.execute(
                select(ReviewItem, Household, Person)
                .join(Household, Household.id == ReviewItem.household_id)
                .join(Person, Person.id == Household.head_person_id)
                .where(ReviewItem.review_id == review.id, ReviewItem.proposal == proposal)
                .order_by(ReviewItem.outcome.is_not(None), ReviewItem.region_code, ReviewItem.id)
                .limit(500)
            )
        )
        reasons: dict[int, list[str]] = {}
        if items:
            for enrolment_id, rule in await db_session.execute(
                select(VerificationWarning.enrolment_id, VerificationWarning.rule)
                .distinct()
                .where(VerificationWarning.enrolment_id.in_([i.enrolment_id for i, _, _ in items]))
            ):
                reasons.setdefault(enrolment_id, []).append(rules.RULES[rule].label)
        counts = await service.review_counts(db_session, review.id)
        return page(
            request,
            "verification/review.html",
            "verification/_review_items.html",
            push_url=str(request.url),
            review=review,
            items=items,
            reasons=reasons,
            counts=counts,
            proposal=proposal,
            progress=service.REVIEW_PROGRESS.get(review.id, {}),
            rules=rules.RULES,
        )

    @get("/reviews/{review_id:int}/progress", opt={"permission": P.VERIFICATION_REVIEW_READ})
    async def review_progress(
        self, review_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Response:
        """What a running review is doing, for the page that polls it; once done, the page reloads."""
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        if review.status != "running":
            return Response(b"", status_code=200, headers={"HX-Refresh": "true"})
        return Template(
            template_name="verification/_review_progress.html",
            context={
                "review": review,
                "progress": service.REVIEW_PROGRESS.get(review.id, {}),
                "rules": rules.RULES,
            },
        )

    @post("/reviews/{review_id:int}/process", opt={"permission": P.VERIFICATION_REVIEW_RUN})
    async def process(
        self,
        request: Request,
        review_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        today: date,
    ) -> Redirect:
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        form = await request.form()
        ids = [int(x) for x in form.getall("item", []) if str(x).isdigit()]
        if not ids:
            raise DomainError("verification.none_chosen", Kind.INVALID)
        proposal = str(form.get("proposal") or "cancel")
        await service.process_items(
            db_session,
            actor,
            review,
            ids,
            str(form.get("outcome") or ""),
            str(form.get("reason") or ""),
            today,
        )
        return Redirect(f"/office/verification/reviews/{review.id}?proposal={proposal}", status_code=303)

    @post("/reviews/{review_id:int}/close", opt={"permission": P.VERIFICATION_REVIEW_RUN})
    async def close(
        self, review_id: int, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        review = await region_scope.get(db_session, ReviewCampaign, review_id)
        if review.status != "open":
            raise DomainError("verification.review_closed", Kind.CONFLICT)
        await service.close_review(db_session, actor, review)
        return Redirect(f"/office/verification/reviews/{review.id}", status_code=303)


def _report_page(request: Request, data: report.Report, pdf_url: str, **extra) -> Template:
    return page(
        request,
        "verification/report.html",
        report=data,
        pdf_url=pdf_url,
        sources=SOURCES,
        rules=rules.RULES,
        statuses=rules.STATUS_LABELS,
        relationships=report.RELATIONSHIP_LABELS,
        describe=report.describe,
        fact_of=report.fact_of,
        **{"app": None, "can_attach": False, **extra},
    )


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="verification-report-{name}.pdf"'},
    )


async def _get(session: AsyncSession, model, key: int):
    obj = await session.get(model, key) if -(2**63) <= key < 2**63 else None
    if obj is None:
        raise DomainError("error.not_found", Kind.NOT_FOUND)
    return obj


async def _warning_context(session: AsyncSession, w: VerificationWarning) -> dict:
    person = await session.get(Person, w.person_id) if w.person_id else None
    rec = await session.get(SourceRecord, w.record_id) if w.record_id else None
    imp = await session.get(DataImport, w.import_id) if w.import_id else None
    enrolment = await session.get(Enrolment, w.enrolment_id) if w.enrolment_id else None
    suggested = rules.suggested_action(w.rule, *await service.household_size(session, w.household_id))
    return {
        "w": w,
        "rule": rules.RULES[w.rule],
        "person": person,
        "rec": rec,
        "imp": imp,
        "enrolment": enrolment,
        "sources": SOURCES,
        "actions": rules.ACTION_LABELS,
        "suggested": suggested,
        "severity": rules.SEVERITY_LABELS,
        "statuses": rules.STATUS_LABELS,
    }


# ---------------------------------------------------------------------------------- push API


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class VerificationApiController(Controller):
    """``POST /api/verification/{source}`` with ``Authorization: Bearer <key>`` and
    ``{"rows": [...], "mode": "append|replace"}``; answers the import's version and counts,
    and the first rejected rows with their problems."""

    path = "/api/verification"

    @post("/{source:str}", status_code=201)
    async def push(
        self, request: Request, source: str, db_session: AsyncSession, settings: Settings, today: date
    ) -> Response:
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        client = (
            await db_session.scalar(
                select(ApiClient).where(ApiClient.key_hash == key_hash(key), ApiClient.active.is_(True))
            )
            if key
            else None
        )
        if client is None:
            raise NotAuthorizedException(detail="verification.api_key")
        if source not in SOURCES or source not in (client.sources or []):
            raise PermissionDeniedException(detail="verification.api_scope")
        try:
            body = await request.json()
        except Exception:
            raise DomainError("verification.api_body", Kind.BAD_REQUEST) from None
        rows = body.get("rows") if isinstance(body, dict) else None
        if not isinstance(rows, list) or not rows:
            raise DomainError("verification.api_body", Kind.BAD_REQUEST)
        if len(rows) > loader.MAX_API_ROWS:
            raise DomainError("verification.api_too_many", Kind.TOO_LARGE)
        mode = body.get("mode") if body.get("mode") in ("append", "replace") else None
        actor = Actor("system", f"api:{client.id}", f"接口：{client.name}", "api_client", client.region_code)
        imp = await loader.new_import(
            db_session, actor, SOURCES[source], channel="api", filename=None, stored_name=None, mode=mode
        )
        await loader.load_rows(db_session, settings, imp, loader.read_json(rows, SOURCES[source]), today)
        await loader.finish_import(db_session, actor, imp, today)
        errors = []
        text = loader.read_error_text(settings, imp.id)
        if text is not None:
            import csv
            import io

            with io.StringIO(text) as fh:
                reader = csv.reader(fh)
                next(reader, None)
                for line, _ in zip(reader, range(100), strict=False):
                    errors.append({"row": int(line[0]), "problems": line[1].split("；")})
        return Response(
            {
                "import_id": imp.id,
                "version": imp.version,
                "accepted": imp.rows_accepted,
                "rejected": imp.rows_rejected,
                "warnings": imp.warnings_raised,
                "errors": errors,
            },
            status_code=201,
        )


async def create_api_client(session: AsyncSession, name: str, sources: list[str], region_code: str) -> str:
    """A new client and its key (shown once; only the hash is kept)."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise ValueError("unknown source: " + ",".join(unknown))
    key = "hm_" + secrets.token_urlsafe(32)
    session.add(ApiClient(name=name, key_hash=key_hash(key), sources=sources, region_code=region_code))
    await session.flush()
    return key
