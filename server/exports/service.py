"""Every write of the export workflow, each audited in the same transaction: a request, a second
person's decision, a cancellation, a download (written as a view of every person in the file, so
each sees it on "who looked at my data"), and the worker's lapse of what was not used in time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.permissions import allows
from server.audit.service import SYSTEM, Actor, record, record_view
from server.db import utcnow
from server.errors import Kind
from server.exports import build_service, rules
from server.exports.models import ExportRequest
from server.exports.rules import Action, Status, Who
from server.regions.scope import RegionScope
from server.settings import Settings


async def ask(
    session: AsyncSession,
    actor: Actor,
    scope: RegionScope,
    settings: Settings,
    *,
    kind: str,
    subject: str,
    fmt: str,
    reason: str,
) -> ExportRequest:
    """A staff member asks for an export of something in their region, saying why."""
    rules.check_request(kind, fmt, reason, actor.role)
    found = await build_service.subject_of(session, scope, kind, subject.strip(), actor.region_code)
    export = ExportRequest(
        kind=kind,
        subject=subject.strip(),
        format=fmt,
        title=found.title[:200],
        region_code=found.region_code,
        reason=reason.strip(),
        status=Status.REQUESTED,
        requested_by=actor.id or "",
        requested_by_name=actor.name,
        max_downloads=settings.export_downloads,
        downloads=0,
    )
    session.add(export)
    await session.flush()
    await record(
        session,
        actor,
        "export.request",
        "export_request",
        export.id,
        region_code=export.region_code,
        after={"kind": kind, "subject": export.subject, "format": fmt, "status": export.status},
        opinion=export.reason,
    )
    return export


async def decide(
    session: AsyncSession,
    actor: Actor,
    scope: RegionScope,
    settings: Settings,
    export: ExportRequest,
    *,
    approve: bool,
    opinion: str,
) -> ExportRequest:
    """A second person, holding P.EXPORTS_APPROVE over the export's region, approves or rejects."""
    scope.ensure(export.region_code)
    before = export.status
    export.status = rules.decide(export.status, approve, opinion, actor.id, export.requested_by)
    now = utcnow()
    export.decided_by, export.decided_by_name, export.decided_at = actor.id, actor.name, now
    export.opinion = opinion.strip() or None
    if approve:
        export.expires_at = rules.expires_at(now, settings.export_hours)
    await session.flush()
    await record(
        session,
        actor,
        f"export.{'approve' if approve else 'reject'}",
        "export_request",
        export.id,
        region_code=export.region_code,
        before={"status": before},
        after={"status": export.status, "requested_by": export.requested_by_name},
        opinion=export.opinion,
    )
    return export


async def cancel(session: AsyncSession, actor: Actor, export: ExportRequest) -> ExportRequest:
    if actor.id != export.requested_by:
        raise rules.ExportError("export.not_yours", Kind.FORBIDDEN)
    before = export.status
    export.status = rules.transition(export.status, Action.CANCEL, Who.REQUESTER)
    await session.flush()
    await record(
        session,
        actor,
        "export.cancel",
        "export_request",
        export.id,
        region_code=export.region_code,
        before={"status": before},
        after={"status": export.status},
    )
    return export


async def download(
    session: AsyncSession,
    actor: Actor,
    scope: RegionScope,
    settings: Settings,
    export: ExportRequest,
    today: date,
) -> build_service.Built:
    """The requester's download of an approved export: built from the live records, counted, and
    written to the trail as a view of every person in it."""
    now = utcnow()
    rules.may_download(export.status, export.requested_by, actor.id, now, export.expires_at)
    if not allows(actor.role, rules.KINDS[export.kind].permission):  # the role changed since
        raise rules.ExportError("error.forbidden", Kind.FORBIDDEN)
    # counted by one UPDATE before the file is built: parallel downloads cannot pass the limit
    counted = (
        await session.execute(
            update(ExportRequest)
            .where(
                ExportRequest.id == export.id,
                ExportRequest.status == Status.APPROVED,
                ExportRequest.downloads < ExportRequest.max_downloads,
            )
            .values(downloads=ExportRequest.downloads + 1, last_download_at=now)
            .returning(ExportRequest.downloads)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if counted is None:
        raise rules.ExportError("export.state", Kind.CONFLICT)
    await session.refresh(export)
    export.status = rules.after_download(counted, export.max_downloads)
    built = await build_service.build(session, settings, scope, export, today)
    await session.flush()
    await record_view(
        session,
        actor,
        "export",
        "export_request",
        export.id,
        built.person_ids,
        region_code=export.region_code,
    )
    return built


async def expire(session: AsyncSession, now: datetime | None = None) -> int:
    """The worker: approved exports past their time, and requests nobody decided within
    ``PENDING_DAYS``, lapse (one set-based update, one audit record for the lot)."""
    now = now or utcnow()
    lapsed = await session.execute(
        update(ExportRequest)
        .where(
            (
                (ExportRequest.status == Status.APPROVED)
                & (ExportRequest.expires_at.is_not(None))
                & (ExportRequest.expires_at <= now)
            )
            | (
                (ExportRequest.status == Status.REQUESTED)
                & (ExportRequest.requested_at <= now - timedelta(days=rules.PENDING_DAYS))
            )
        )
        .values(status=Status.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    count = lapsed.rowcount or 0
    if count:
        await record(session, SYSTEM, "export.expire", "export_requests", None, after={"expired": count})
    return count
