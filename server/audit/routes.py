from __future__ import annotations

from datetime import date, datetime, time, timedelta

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P
from server.audit.models import AuditRecord
from server.audit.service import describe, verify_chain
from server.regions.scope import RegionScope
from server.web import lang_of, page

PAGE_SIZE = 50


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(value), time.min) if value else None
    except ValueError:
        return None


class AuditController(Controller):
    path = "/office/audit"
    guards = [staff_guard]

    @get("/", opt={"permission": P.AUDIT_READ})
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
        stmt = select(AuditRecord).where(current.where(AuditRecord.region_code))
        if action:
            stmt = stmt.where(AuditRecord.action.like(f"{action}%"))
        if actor_name:
            stmt = stmt.where(
                AuditRecord.actor_name.like(f"%{actor_name}%") | (AuditRecord.actor_id == actor_name)
            )
        if object_type:
            stmt = stmt.where(AuditRecord.object_type == object_type)
        if object_id:
            stmt = stmt.where(AuditRecord.object_id == object_id)
        if _day(since):
            stmt = stmt.where(AuditRecord.at >= _day(since))
        if _day(until):
            stmt = stmt.where(AuditRecord.at < _day(until) + timedelta(days=1))
        page_no = max(page_no, 1)
        total = await db_session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await db_session.scalars(
            stmt.order_by(AuditRecord.seq.desc()).limit(PAGE_SIZE).offset((page_no - 1) * PAGE_SIZE)
        )
        filters = dict(
            region=current.code,
            action=action,
            actor=actor_name,
            object_type=object_type,
            object_id=object_id,
            since=since or "",
            until=until or "",
        )
        return page(
            request,
            "office/audit.html",
            "office/_audit_table.html",
            push_url=str(request.url),
            rows=list(rows),
            total=total,
            page_no=page_no,
            page_size=PAGE_SIZE,
            filters=filters,
        )

    @get("/{seq:int}", opt={"permission": P.AUDIT_READ})
    async def detail(
        self, request: Request, seq: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        entry = await region_scope.get(db_session, AuditRecord, seq)
        return page(request, "office/audit_detail.html", entry=entry)

    @get("/verify", opt={"permission": P.AUDIT_VERIFY})
    async def verify(self, request: Request, db_session: AsyncSession) -> Template:
        """The chain checked with the key and against the anchors kept outside the database."""
        report = await verify_chain(db_session)
        chain_line, anchor_line = describe(report, lang_of(request))
        return page(
            request,
            "office/audit_verify.html",
            "office/_audit_verify.html",
            report=report,
            chain_line=chain_line,
            anchor_line=anchor_line,
        )
