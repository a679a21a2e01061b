"""Keeping less: the retention table (``server/retention/rules.py``) enforced, one set-based
statement per data class, each run that deletes anything audited as the system with the counts.
Called from the worker round (``huimin worker``, once an hour) and by ``huimin retention run
[--dry-run]``.

A dry run counts what a run would delete and changes nothing. Files (documents, report photos) are
deleted after their rows are: a file whose row is gone is never served again, and a crash between
the two leaves at worst an orphan file that the next run cannot see (the raw department files'
sweep, by age, covers its own folder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import LoginThrottle, OtpChallenge, SmsOutbox
from server.assistance.documents_service import document_path
from server.assistance.models import Application, Document
from server.assistance.rules import Status as AppStatus
from server.audit.service import SYSTEM, Actor, record
from server.db import utcnow
from server.discovery.models import Report
from server.discovery.service import upload_path as discovery_path
from server.notifications.models import Notification
from server.people.models import Enrolment
from server.ratelimit import RateCounter
from server.retention.rules import DataClass, cutoffs
from server.rights.models import RightsRequest
from server.settings import Settings
from server.survival.models import Check, CheckFrame, Reference, Schedule
from server.survival.service import purge_frames
from server.verification.imports_service import stranger_rows_where
from server.verification.models import SourceRecord
from server.verification.service import purge_files


@dataclass
class RunReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------------------------------------------
# Which rows each class would lose now (where clauses, shared by the count and the delete)
# ---------------------------------------------------------------------------------------------------
def faces_where(cut: datetime):
    """Reference photos of people whose survival schedule ended before ``cut``."""
    ended = select(Schedule.person_id).where(Schedule.active.is_(False), Schedule.updated_at < cut)
    return Reference.person_id.in_(ended)


def frames_where(cut: datetime):
    closed = select(Check.id).where(Check.closed_at.is_not(None), Check.closed_at < cut)
    return CheckFrame.check_id.in_(closed)


def closed_applications(cut: datetime):
    """Cases closed before ``cut``: terminated then, or enrolled and the benefit stopped since
    (no enrolment of the household for that benefit still running or ended after ``cut``)."""
    still_running = exists().where(
        Enrolment.household_id == Application.household_id,
        Enrolment.benefit == Application.benefit,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= cut.date()),
    )
    ended = exists().where(
        Enrolment.household_id == Application.household_id, Enrolment.benefit == Application.benefit
    )
    return select(Application.id).where(
        or_(
            and_(Application.status == AppStatus.TERMINATED, Application.updated_at < cut),
            and_(Application.status == AppStatus.ENROLLED, ended, ~still_running),
        )
    )


async def _count(session: AsyncSession, model, where) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(where)) or 0


async def _delete(session: AsyncSession, model, where) -> int:
    result = await session.execute(delete(model).where(where).execution_options(synchronize_session=False))
    return result.rowcount or 0


# ---------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------
async def run(
    session: AsyncSession,
    settings: Settings,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    actor: Actor = SYSTEM,
) -> RunReport:
    """Apply the retention table now; with ``dry_run``, only count. Audited (not a dry run)."""
    now = now or utcnow()
    cut = cutoffs(now)
    report = RunReport(dry_run)
    counts = report.counts

    async def simple(name: DataClass | str, model, where) -> None:
        key = str(name)
        n = await (_count(session, model, where) if dry_run else _delete(session, model, where))
        counts[key] = counts.get(key, 0) + n

    await simple(DataClass.FACES, Reference, faces_where(cut[DataClass.FACES]))
    if dry_run:
        counts[DataClass.FRAMES] = await _count(session, CheckFrame, frames_where(cut[DataClass.FRAMES]))
    else:
        counts[DataClass.FRAMES] = await purge_frames(session, cut[DataClass.FRAMES], now)

    # documents: the rows, then their files
    closed = closed_applications(cut[DataClass.DOCUMENTS])
    of_closed = Document.application_id.in_(closed)
    names = list(await session.scalars(select(Document.stored_name).where(of_closed)))
    counts[DataClass.DOCUMENTS] = len(names)
    if not dry_run and names:
        await _delete(session, Document, of_closed)

    await simple(DataClass.DEPARTMENT_ROWS, SourceRecord, stranger_rows_where())
    counts[DataClass.RAW_FILES] = await purge_files(session, settings, now, dry_run=dry_run)
    await simple(DataClass.CODES, OtpChallenge, OtpChallenge.created_at < cut[DataClass.CODES])
    await simple(DataClass.CODES, SmsOutbox, SmsOutbox.created_at < cut[DataClass.CODES])

    # discovery photos: the names, then the rows forget them, then the files
    old_reports = and_(
        Report.closed_at.is_not(None),
        Report.closed_at < cut[DataClass.DISCOVERY_PHOTOS],
        or_(Report.photo_name.is_not(None), Report.visit_photos.is_not(None)),
    )
    photos: list[str] = []
    found = await session.execute(select(Report.photo_name, Report.visit_photos).where(old_reports))
    for photo, visits in found:
        photos += [photo] if photo else []
        photos += list(visits or [])
    counts[DataClass.DISCOVERY_PHOTOS] = len(photos)
    if not dry_run and photos:
        await session.execute(
            update(Report)
            .where(old_reports)
            .values(photo_name=None, visit_photos=None)
            .execution_options(synchronize_session=False)
        )

    rate_cut = cut[DataClass.RATE_COUNTERS]
    await simple(DataClass.RATE_COUNTERS, RateCounter, RateCounter.expires_at < rate_cut)
    await simple(
        DataClass.RATE_COUNTERS,
        LoginThrottle,
        and_(
            LoginThrottle.last_failed_login_at < rate_cut,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        ),
    )
    old_messages = Notification.created_at < cut[DataClass.NOTIFICATIONS]
    await simple(DataClass.NOTIFICATIONS, Notification, old_messages)
    answered_long_ago = and_(
        RightsRequest.answered_at.is_not(None), RightsRequest.answered_at < cut[DataClass.DATA_RIGHTS]
    )
    await simple(DataClass.DATA_RIGHTS, RightsRequest, answered_long_ago)

    if dry_run:
        return report
    if report.total:  # a run that deletes nothing changes nothing: no record (hourly, mostly empty)
        await record(session, actor, "retention.run", "retention", None, after={"deleted": dict(counts)})
    await session.flush()
    # the files last, once the rows are gone: a failed commit leaves rows without files (shown as
    # missing), never files without rows (that nothing would find again)
    for name in names:
        document_path(settings, name).unlink(missing_ok=True)
    for name in photos:
        discovery_path(settings, name).unlink(missing_ok=True)
    return report
