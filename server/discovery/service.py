from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import ratelimit
from server.audit.service import Actor, record
from server.calendar.service import load_calendar
from server.db import utcnow
from server.discovery import rules
from server.discovery.handoff_service import hand_off
from server.discovery.models import Alert, CommunityArea, Report
from server.errors import DomainError, Kind
from server.files import write_private
from server.images import clean_photo, gps_of
from server.regions.codes import parent_code
from server.settings import Settings


class ReportError(DomainError):
    pass


async def areas(session: AsyncSession) -> list[rules.Area]:
    rows = await session.scalars(select(CommunityArea))
    return [
        rules.Area(r.region_code, (r.centre_lat, r.centre_lon), tuple(tuple(p) for p in r.outline))
        for r in rows
    ]


async def counts_last_hour(
    session: AsyncSession, device: str, ip: str, phone: str | None, now: datetime
) -> dict[str, int]:
    since = now - timedelta(hours=1)
    row = (
        await session.execute(
            select(
                func.count().filter(Report.device_id == device),
                func.count().filter(Report.client_ip == ip),
                func.count().filter(Report.reporter_phone == phone)
                if phone
                else func.count().filter(Report.id < 0),
            ).where(Report.created_at >= since)
        )
    ).one()
    return {"device": row[0], "address": row[1], "phone": row[2]}


def sighting(r: Report) -> rules.Sighting:
    point = (r.lat, r.lon) if r.lat is not None and r.lon is not None else None
    return rules.Sighting(r.person_name, r.approx_age, point, r.place, r.created_at)


async def find_duplicate(session: AsyncSession, new: Report) -> Report | None:
    """An open report of the same person and place in the last week (same community or unrouted)."""
    since = new.created_at - timedelta(days=rules.DUPLICATE_DAYS)
    candidates = await session.scalars(
        select(Report)
        .where(
            Report.created_at >= since,
            Report.status.in_(tuple(rules.OPEN)),
            Report.id != new.id,
            Report.merged_into_id.is_(None),
        )
        .order_by(Report.id)
        .limit(500)
    )
    target = sighting(new)
    return next((c for c in candidates if rules.same_person_and_place(sighting(c), target)), None)


async def file_report(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    draft: rules.Draft,
    photo: bytes | None,
    device: str,
    client_ip: str,
    citizen_id: int | None,
    now: datetime | None = None,
    notice_version: str | None = None,
) -> Report:
    """A report as typed (``forms.ReportForm.clean``): within the hourly limits, placed (from the
    photo when the phone gave no location), routed, saved, merged into an open report of the same
    person and place or given its visit deadline, audited."""
    now = now or utcnow()
    await _refuse_over_limit(session, device, client_ip, draft.phone, now)
    cleaned = clean_photo(photo) if photo else None  # refuses bad files before anything is written
    point = rules.check_where(*_located(draft, photo), draft.place)
    code, how = rules.route(point, await areas(session))
    report = _new_report(draft, point, code, how, now, device, client_ip, citizen_id)
    report.notice_version = notice_version  # the privacy notice the form showed (server/privacy)
    session.add(report)
    await session.flush()
    if cleaned:
        report.photo_name = f"{report.reference}.jpg"
        write_private(upload_path(settings, report.photo_name), cleaned.data)
    original = await find_duplicate(session, report)
    if original is not None:
        _merge(report, original)
    else:
        await _start_the_clock(session, report, now)
    await session.flush()
    await record(
        session,
        actor,
        "discovery.report",
        "discovery_report",
        report.reference,
        region_code=code,
        after={
            "situation": draft.situation,
            "urgent": report.urgent,
            "routed_by": how,
            "merged_into": original.reference if original else None,
            "notice_version": notice_version,
        },
    )
    return report


async def _refuse_over_limit(
    session: AsyncSession, device: str, ip: str, phone: str | None, now: datetime
) -> None:
    refusal = rules.rate_refusal(await counts_last_hour(session, device, ip, phone, now))
    if refusal:
        raise ReportError(refusal, Kind.TOO_MANY)


def _located(draft: rules.Draft, photo: bytes | None) -> tuple[float | None, float | None]:
    """The phone's location, else the photo's (recorded, then its metadata is gone)."""
    if photo and (draft.lat is None or draft.lon is None):
        found = gps_of(photo)
        if found:
            return found
    return draft.lat, draft.lon


def _new_report(
    draft: rules.Draft,
    point: tuple[float, float] | None,
    code: str | None,
    how: str,
    now: datetime,
    device: str,
    client_ip: str,
    citizen_id: int | None,
) -> Report:
    lat, lon = point if point else (draft.lat, draft.lon)
    return Report(
        reference=rules.new_reference(),
        created_at=now,
        reporter_citizen_id=citizen_id,
        reporter_phone=draft.phone,
        device_id=device,
        client_ip=client_ip,
        person_name=draft.name,
        approx_age=draft.age,
        situation=draft.situation,
        details=draft.details,
        lat=lat,
        lon=lon,
        place=draft.place,
        urgent=draft.urgent,
        region_code=code,
        routed_by=how,
    )


def _merge(report: Report, original: Report) -> None:
    """The new report joins the open one: it counts as a duplicate and passes on its urgency."""
    report.status = rules.transition(report.status or rules.Status.NEW, rules.Action.MERGE)
    report.merged_into_id = original.id
    original.duplicates += 1
    original.urgent = original.urgent or report.urgent


async def _start_the_clock(session: AsyncSession, report: Report, now: datetime) -> None:
    """The visit deadline, and for an urgent report an alert to the street and district above."""
    report.visit_due_at = rules.visit_deadline(now, report.urgent, await load_calendar(session))
    if report.urgent and report.region_code:
        street = parent_code(report.region_code)
        for upper in {street, parent_code(street or "")} - {None}:
            session.add(Alert(report_id=report.id, region_code=upper))


def upload_path(settings: Settings, name: str):
    return settings.var_dir / "uploads" / "discovery" / name


LOOKUPS = ratelimit.Limit("discovery.lookup", rules.LOOKUPS_PER_HOUR, 3600)
FAILED_LOOKUPS = ratelimit.Limit("discovery.lookup_failed", rules.FAILED_LOOKUPS_PER_HOUR, 3600)


class LookupRefused(ReportError):
    def __init__(self, retry_after: int):
        super().__init__("discovery.lookups", Kind.TOO_MANY)
        self.retry_after = retry_after


async def limited_follow_up(
    session: AsyncSession, reference: str, ip: str, now: datetime | None = None
) -> Report | None:
    """``follow_up`` within the look-up limits of the client address (counted in the database,
    before anything is looked up; a failure is counted in advance and given back when the
    reference exists, so parallel guesses cannot run past the limit). Raises LookupRefused."""
    now, ip = now or utcnow(), ratelimit.address(ip)
    lookups = await ratelimit.hit(session, LOOKUPS, ip, now)
    failed = await ratelimit.hit(session, FAILED_LOOKUPS, ip, now) if lookups <= LOOKUPS.per else 0
    if rules.lookup_refusal(lookups, failed):
        raise LookupRefused(ratelimit.retry_after(now, LOOKUPS))
    report = await follow_up(session, rules.normalise_reference(reference))
    if report is not None:
        await ratelimit.give_back(session, FAILED_LOOKUPS, ip, now)
    return report


async def follow_up(session: AsyncSession, reference: str) -> Report | None:
    """What the reporter may see: the outcome of the report (or of the one it was merged into)."""
    report = await session.scalar(select(Report).where(Report.reference == reference[:20]))
    if report is not None and report.merged_into_id:
        return await session.get(Report, report.merged_into_id)
    return report


async def assign(
    session: AsyncSession, actor: Actor, report: Report, assignee_id: int, region_code: str | None
) -> None:
    to = rules.transition(report.status, rules.Action.ASSIGN, actor.role)
    before = {"status": report.status, "assignee": report.assignee_id, "region": report.region_code}
    if region_code and region_code != report.region_code:
        report.region_code, report.routed_by = region_code, "manual"
    report.assignee_id, report.status = assignee_id, to
    await record(
        session,
        actor,
        "discovery.assign",
        "discovery_report",
        report.reference,
        region_code=report.region_code,
        before=before,
        after={
            "assignee": assignee_id,
            "due": report.visit_due_at.isoformat() if report.visit_due_at else None,
        },
    )


async def record_visit(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    report: Report,
    *,
    findings: str,
    decision: str,
    note: str,
    benefit: str | None = None,
    id_number: str | None = None,
    address: str | None = None,
    phone: str | None = None,
) -> None:
    visited = rules.transition(report.status, rules.Action.VISIT, actor.role)
    rules.check_visit(findings, decision, report.region_code)
    report.findings, report.decision, report.decision_note = findings.strip(), decision, note.strip() or None
    report.visited_at, report.status = utcnow(), visited
    if decision == "application":
        report.application_ref = await _start_application(
            session, actor, secret, report, benefit, id_number, address, phone
        )
    report.status, report.closed_at = (
        rules.transition(report.status, rules.Action.CLOSE, actor.role),
        utcnow(),
    )
    await record(
        session,
        actor,
        "discovery.visit",
        "discovery_report",
        report.reference,
        region_code=report.region_code,
        after={"decision": decision, "application": report.application_ref},
        opinion=findings.strip(),
    )


async def _start_application(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    report: Report,
    benefit: str | None,
    id_number: str | None,
    address: str | None,
    phone: str | None,
) -> str:
    """The visit's decision to apply: an assistance application pre-filled for the person found."""
    payload = {
        "benefit": benefit or "dibao",
        "name": report.person_name or "",
        "id_number": id_number or None,
        "region_code": report.region_code,
        "address": address or report.place,
        "phone": phone,
        "note": f"主动发现 {report.reference}：{report.findings}",
    }
    return await hand_off(session, actor, secret, report, payload)


async def flag_spam(session: AsyncSession, actor: Actor, report: Report, reason: str) -> None:
    """A report that is no report (a prank, an advert): only while it waits for its visit."""
    to = rules.transition(report.status, rules.Action.SPAM, actor.role)
    if not reason.strip():
        raise ReportError("discovery.reason", Kind.INVALID, field="reason")
    before = report.status
    report.status, report.closed_at = to, utcnow()
    await record(
        session,
        actor,
        "discovery.spam",
        "discovery_report",
        report.reference,
        region_code=report.region_code,
        before={"status": before},
        after={"status": to},
        opinion=reason.strip(),
    )


def add_visit_photo(settings: Settings, report: Report, raw: bytes) -> str:
    """A photo taken at the home visit, cleaned like every upload (raises ImageRefused)."""
    cleaned = clean_photo(raw)
    names = list(report.visit_photos or [])
    name = f"{report.reference}-visit-{len(names) + 1}.jpg"
    write_private(upload_path(settings, name), cleaned.data)
    report.visit_photos = [*names, name]
    return name


def overdue(report: Report, now: datetime) -> bool:
    return rules.overdue(report.status, report.visit_due_at, now)


def photo_bytes(settings: Settings, name: str) -> bytes:
    """A stored photo (of the report or of a visit), already cleaned when it was saved."""
    return upload_path(settings, name).read_bytes()
