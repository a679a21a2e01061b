from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import ratelimit
from server.audit.service import Actor, record
from server.calendar.service import load_calendar
from server.db import utcnow
from server.discovery import rules
from server.discovery.models import Alert, CommunityArea, Report
from server.errors import DomainError, Kind
from server.files import write_private
from server.images import clean_photo, gps_of
from server.phones import normalise_phone
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
            Report.status.in_(("new", "assigned", "visited")),
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
    form: dict,
    photo: bytes | None,
    device: str,
    client_ip: str,
    citizen_id: int | None,
    now: datetime | None = None,
) -> Report:
    now = now or utcnow()
    typed_phone = (form.get("phone") or "").strip()
    phone = normalise_phone(typed_phone) if typed_phone else None
    if typed_phone and phone is None:
        raise ReportError("otp.phone", Kind.INVALID)
    refusal = rules.rate_refusal(await counts_last_hour(session, device, client_ip, phone, now))
    if refusal:
        raise ReportError(refusal, Kind.TOO_MANY)
    situation = form.get("situation") or ""
    if situation not in rules.SITUATIONS:
        raise ReportError("discovery.situation", Kind.INVALID)
    age_raw = (form.get("age") or "").strip()
    if age_raw and (not age_raw.isdigit() or int(age_raw) > 120):
        raise ReportError("discovery.age", Kind.INVALID)
    lat, lon = _coordinate(form.get("lat"), -90, 90), _coordinate(form.get("lon"), -180, 180)
    place = (form.get("place") or "").strip()[:200] or None
    cleaned = clean_photo(photo) if photo else None  # refuses bad files before anything is written
    if photo and (lat is None or lon is None):
        found = gps_of(photo)  # the place is recorded from the photo, then its metadata is gone
        if found:
            lat, lon = found
    if (lat is None or lon is None) and not place:
        raise ReportError("discovery.where", Kind.INVALID)
    code, how = rules.route((lat, lon) if lat is not None and lon is not None else None, await areas(session))
    report = Report(
        reference=rules.new_reference(),
        created_at=now,
        reporter_citizen_id=citizen_id,
        reporter_phone=phone,
        device_id=device,
        client_ip=client_ip,
        person_name=(form.get("name") or "").strip()[:50] or None,
        approx_age=int(age_raw) if age_raw else None,
        situation=situation,
        details=(form.get("details") or "").strip()[:2000] or None,
        lat=lat,
        lon=lon,
        place=place,
        urgent=form.get("urgent") == "on",
        region_code=code,
        routed_by=how,
    )
    session.add(report)
    await session.flush()
    if cleaned:
        report.photo_name = f"{report.reference}.jpg"
        path = settings.var_dir / "uploads" / "discovery" / report.photo_name
        write_private(path, cleaned.data)
    original = await find_duplicate(session, report)
    if original is not None:
        report.status, report.merged_into_id = "merged", original.id
        original.duplicates += 1
        original.urgent = original.urgent or report.urgent
    else:
        report.visit_due_at = rules.visit_deadline(now, report.urgent, await load_calendar(session))
        if report.urgent and code:
            for upper in {parent_code(code), parent_code(parent_code(code) or "")} - {None}:
                session.add(Alert(report_id=report.id, region_code=upper))
    await session.flush()
    await record(
        session,
        actor,
        "discovery.report",
        "discovery_report",
        report.reference,
        region_code=code,
        after={
            "situation": situation,
            "urgent": report.urgent,
            "routed_by": how,
            "merged_into": original.reference if original else None,
        },
    )
    return report


def _coordinate(raw, low: float, high: float) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


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
    if report.status not in ("new", "assigned"):
        raise ReportError("discovery.closed")
    before = {"status": report.status, "assignee": report.assignee_id, "region": report.region_code}
    if region_code and region_code != report.region_code:
        report.region_code, report.routed_by = region_code, "manual"
    report.assignee_id, report.status = assignee_id, "assigned"
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
    if report.status not in ("new", "assigned"):
        raise ReportError("discovery.closed")
    if not findings.strip():
        raise ReportError("discovery.findings", Kind.INVALID)
    if decision not in rules.DECISIONS:
        raise ReportError("discovery.decision", Kind.INVALID)
    if not report.region_code:
        raise ReportError("discovery.unrouted", Kind.CONFLICT)
    report.findings, report.decision, report.decision_note = findings.strip(), decision, note.strip() or None
    report.visited_at, report.status = utcnow(), "visited"
    if decision == "application":
        from server.discovery.handoff import hand_off

        payload = {
            "benefit": benefit or "dibao",
            "name": report.person_name or "",
            "id_number": id_number or None,
            "region_code": report.region_code,
            "address": address or report.place,
            "phone": phone,
            "note": f"主动发现 {report.reference}：{findings.strip()}",
        }
        report.application_ref = await hand_off(session, actor, secret, report, payload)
    report.status, report.closed_at = "closed", utcnow()
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


async def flag_spam(session: AsyncSession, actor: Actor, report: Report, reason: str) -> None:
    if not reason.strip():
        raise ReportError("discovery.reason", Kind.INVALID)
    before = report.status
    report.status, report.closed_at = "spam", utcnow()
    await record(
        session,
        actor,
        "discovery.spam",
        "discovery_report",
        report.reference,
        region_code=report.region_code,
        before={"status": before},
        after={"status": "spam"},
        opinion=reason.strip(),
    )


def add_visit_photo(settings: Settings, report: Report, raw: bytes) -> str:
    """A photo taken at the home visit, cleaned like every upload (raises ImageRefused)."""
    cleaned = clean_photo(raw)
    names = list(report.visit_photos or [])
    name = f"{report.reference}-visit-{len(names) + 1}.jpg"
    path = settings.var_dir / "uploads" / "discovery" / name
    write_private(path, cleaned.data)
    report.visit_photos = [*names, name]
    return name


def overdue(report: Report, now: datetime) -> bool:
    return (
        report.status in ("new", "assigned") and report.visit_due_at is not None and now > report.visit_due_at
    )
