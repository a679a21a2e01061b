"""The audit trail's pages in the back office: the filtered list, one record, and the chain check.

They live here, above both ``accounts`` (the staff guard) and ``audit`` (the trail), so that ``audit``
depends on no domain: every domain, ``accounts`` included, writes to the trail."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.audit import queries
from server.audit.models import AuditRecord
from server.audit.service import describe, verify_chain
from server.regions.scope import RegionScope
from server.web import lang_of, page


class AuditController(Controller):
    path = "/office/audit"
    guards = [staff_guard]

    @get("/", opt={"permission": P.AUDIT_READ}, name="audit:index")
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        region: str | None = None,
        action: str = "",
        actor_name: str = Parameter(query="actor", default=""),
        object_type: str = "",
        object_id: str = "",
        since: str | None = None,
        until: str | None = None,
        page_no: int = 1,
    ) -> Template:
        current = await region_scope.narrow(db_session, region)
        filters = queries.AuditFilters(
            region=current.code,
            action=action,
            actor=actor_name,
            object_type=object_type,
            object_id=object_id,
            since=since or "",
            until=until or "",
        )
        page_no = max(page_no, 1)
        rows, total = await queries.search(db_session, current, filters, page_no)
        return page(
            request,
            "audit/office/audit.html",
            "audit/office/_audit_table.html",
            push_url=str(request.url),
            rows=rows,
            total=total,
            page_no=page_no,
            page_size=queries.PAGE_SIZE,
            filters=filters.as_dict(),
        )

    @get("/{seq:int}", opt={"permission": P.AUDIT_READ}, name="audit:detail")
    async def detail(
        self, request: Request, seq: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        entry = await region_scope.get(db_session, AuditRecord, seq)
        return page(request, "audit/office/audit_detail.html", entry=entry)

    @get("/verify", opt={"permission": P.AUDIT_VERIFY}, name="audit:verify")
    async def verify(self, request: Request, db_session: AsyncSession) -> Template:
        """The chain checked with the key and against the anchors kept outside the database."""
        report = await verify_chain(db_session)
        chain_line, anchor_line = describe(report, lang_of(request))
        return page(
            request,
            "audit/office/audit_verify.html",
            "audit/office/_audit_verify.html",
            report=report,
            chain_line=chain_line,
            anchor_line=anchor_line,
        )
