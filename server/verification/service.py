"""Database work of the verification center: running an uploaded file in the background,
working warnings through the assistance workflow, possible matches, household reports and the
semiannual review campaign."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance import households
from server.audit.service import Actor, record
from server.db import session_scope, utcnow
from server.errors import DomainError, Kind
from server.people.enrolments import EnrolmentError, change_status
from server.people.models import Enrolment, HouseholdMember, Person
from server.settings import Settings
from server.verification import checks, loader, rules
from server.verification.models import (
    DataImport,
    PossibleMatch,
    ReviewCampaign,
    ReviewItem,
    SourceRecord,
    VerificationWarning,
)

log = logging.getLogger("huimin.verification")


# ------------------------------------------------------------------------ a file, in the background


async def run_file_import(settings: Settings, actor: Actor, import_id: int, today: date) -> None:
    """Load an uploaded file (after the upload's response has gone). On any failure nothing of the
    file is kept but the import row says it failed and why; the uploaded file is deleted then (it
    holds plain ID numbers and cannot be loaded again: the officer uploads a corrected one)."""
    progress = loader.PROGRESS.setdefault(import_id, {"rows": 0, "bytes_done": 0, "bytes_total": 0})
    try:
        async with session_scope(settings.database_url) as session:
            imp = await session.get(DataImport, import_id)
            await loader.load_file(
                session, settings, imp, loader.folder(settings) / imp.stored_name, today, progress
            )
            progress["stage"] = "checking"
            await loader.finish_import(session, actor, imp, today)
    except Exception as exc:  # record the failure in plain language, keep nothing half-loaded
        message = (
            exc.message
            if isinstance(exc, loader.ImportRefused)
            else "导入时发生错误，数据未载入，请稍后重试或联系管理员。"
        )
        if not isinstance(exc, loader.ImportRefused):
            log.exception("import %s failed", import_id)
        async with session_scope(settings.database_url) as session:
            await session.execute(
                update(DataImport)
                .where(DataImport.id == import_id)
                .values(status="failed", failure=message, finished_at=utcnow())
            )
            stored = await session.scalar(select(DataImport.stored_name).where(DataImport.id == import_id))
        if stored:
            (loader.folder(settings) / stored).unlink(missing_ok=True)
    finally:  # the import's row says how it ended; the page polls it no more
        loader.PROGRESS.pop(import_id, None)


async def purge_files(session: AsyncSession, settings: Settings, now: datetime | None = None) -> int:
    """Delete department files (uploads and error files, plain ID numbers inside) older than
    ``settings.raw_import_retention_days``, and the uploads of failed imports at once; never
    the files of an import still loading. Returns how many files were deleted (the worker round)."""
    now = now or utcnow()
    cutoff = (now - timedelta(days=settings.raw_import_retention_days)).timestamp()
    folder = loader.folder(settings)
    loading, failed = set(), set()
    for name, status in await session.execute(
        select(DataImport.stored_name, DataImport.status).where(
            DataImport.stored_name.is_not(None), DataImport.status.in_(("loading", "failed"))
        )
    ):
        (loading if status == "loading" else failed).add(name)
    deleted = 0
    for path in folder.iterdir():
        if not path.is_file() or path.name in loading:
            continue
        if path.name in failed or path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


async def recover_interrupted_work(session: AsyncSession) -> int:
    """Imports left 'loading' and reviews left 'running' by a stopped server never committed
    anything: say so, so that nobody waits on a page that will not move."""
    imports = await session.execute(
        update(DataImport)
        .where(DataImport.status == "loading", DataImport.id.not_in(list(loader.PROGRESS) or [0]))
        .values(
            status="failed", failure="服务器在导入过程中重启，数据未载入，请重新导入。", finished_at=utcnow()
        )
    )
    reviews = await session.execute(
        update(ReviewCampaign)
        .where(ReviewCampaign.status == "running", ReviewCampaign.id.not_in(list(REVIEW_PROGRESS) or [0]))
        .values(status="failed", failure="服务器在复核过程中重启，没有产生任何结果，请重新开始复核。")
    )
    return (imports.rowcount or 0) + (reviews.rowcount or 0)


# ---------------------------------------------------------------------------------- warnings


async def handle_warning(
    session: AsyncSession,
    actor: Actor,
    warning: VerificationWarning,
    *,
    decision: str,
    action: str,
    reason: str,
    today: date,
) -> None:
    """Confirm (and act through the assistance workflow) or dismiss, with a reason; audited."""
    if warning.status != "open":
        raise DomainError("verification.handled", Kind.CONFLICT)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("verification.reason", Kind.INVALID)
    if decision not in ("confirm", "dismiss") or (decision == "confirm" and action not in rules.ACTIONS):
        raise DomainError("verification.action", Kind.INVALID)
    before = {"status": warning.status}
    if decision == "dismiss":
        warning.status, warning.action = "dismissed", None
    else:
        warning.status, warning.action = "confirmed", action
        if action != "none":
            await _act(session, actor, warning, action, reason, today)
    warning.reason, warning.handled_by, warning.handled_at = reason, actor.name, utcnow()
    await session.flush()
    await record(
        session,
        actor,
        f"verification.warning_{warning.status}",
        "verification_warning",
        warning.id,
        region_code=warning.region_code,
        before=before,
        after={"status": warning.status, "rule": warning.rule, "action": warning.action},
        opinion=reason,
    )


async def _act(
    session: AsyncSession, actor: Actor, warning: VerificationWarning, action: str, reason: str, today: date
) -> None:
    enrolment = await session.get(Enrolment, warning.enrolment_id) if warning.enrolment_id else None
    if enrolment is None:
        raise DomainError("verification.no_enrolment", Kind.CONFLICT)
    label = rules.RULES[warning.rule].label
    text = f"{label}：{reason}"
    try:
        if action in ("suspend", "stop"):
            new = "suspended" if action == "suspend" else "stopped"
            await change_status(
                session,
                actor,
                enrolment,
                new,
                text,
                source=f"verification.warning:{warning.id}",
                effective=today,
            )
        elif action == "recalculate":
            member_died = None
            if warning.rule == "deceased" and warning.person_id:
                member_died = await session.scalar(
                    select(HouseholdMember.id).where(
                        HouseholdMember.household_id == enrolment.household_id,
                        HouseholdMember.person_id == warning.person_id,
                    )
                )
            await households.change_request(
                session, actor, enrolment, today, reason=text, member_died=member_died
            )
    except EnrolmentError as exc:
        raise DomainError(exc.code, Kind.CONFLICT) from None


async def counts_by_rule(session: AsyncSession, where) -> dict[str, int]:
    rows = await session.execute(
        select(VerificationWarning.rule, func.count())
        .where(where, VerificationWarning.status == "open")
        .group_by(VerificationWarning.rule)
    )
    return dict(rows.all())


async def household_size(session: AsyncSession, household_id: int | None) -> tuple[int, int]:
    """Living members of a household, and how many of them open warnings say are gone (dead or
    in prison): what decides between recalculating and stopping."""
    if household_id is None:
        return 0, 0
    living = await session.scalar(
        select(func.count())
        .select_from(HouseholdMember)
        .join(Person)
        .where(HouseholdMember.household_id == household_id, Person.deceased_on.is_(None))
    )
    gone = await session.scalar(
        select(func.count(func.distinct(VerificationWarning.person_id))).where(
            VerificationWarning.household_id == household_id,
            VerificationWarning.status == "open",
            VerificationWarning.rule.in_(rules.GONE),
        )
    )
    return living or 0, gone or 0


# ------------------------------------------------------------------------------ possible matches


async def decide_match(
    session: AsyncSession, actor: Actor, match: PossibleMatch, confirm: bool, today: date
) -> int:
    """Confirming gives the record the person's ID hash and checks that person at once."""
    if match.status != "pending":
        raise DomainError("verification.handled", Kind.CONFLICT)
    match.status, match.decided_by, match.decided_at = (
        ("confirmed" if confirm else "rejected"),
        actor.name,
        utcnow(),
    )
    raised = 0
    if confirm:
        person = await session.get(Person, match.person_id)
        await session.execute(
            update(SourceRecord).where(SourceRecord.id == match.record_id).values(id_hash=person.id_hash)
        )
        await session.execute(
            update(PossibleMatch)
            .where(
                PossibleMatch.record_id == match.record_id,
                PossibleMatch.id != match.id,
                PossibleMatch.status == "pending",
            )
            .values(status="rejected", decided_by=actor.name, decided_at=utcnow())
        )
        city = await loader.city_code(session)
        touched = select(Person.id_hash).where(Person.id == person.id)
        run = await checks.run_checks(
            session, checks.Scope(prefix=city[:4], city_code=city, today=today, touched=touched)
        )
        raised = run.total
    await session.flush()
    await record(
        session,
        actor,
        f"verification.match_{match.status}",
        "verification_match",
        match.id,
        region_code=match.region_code,
        after={"record": match.record_id, "warnings": raised},
    )
    return raised


# ------------------------------------------------------------------------------- review campaign


REVIEW_PROGRESS: dict[int, dict] = {}  # a running review's stage, for the page that polls it


async def create_review(
    session: AsyncSession, actor: Actor, region_code: str, title: str, today: date
) -> ReviewCampaign:
    """A new review of the region, not yet run; one at a time for a region."""
    running = await session.scalar(
        select(func.count())
        .select_from(ReviewCampaign)
        .where(ReviewCampaign.region_code == region_code, ReviewCampaign.status == "running")
    )
    if running:
        raise DomainError("verification.review_running", Kind.CONFLICT)
    review = ReviewCampaign(
        region_code=region_code,
        title=title.strip()[:100] or f"{today.year} 年度复核",
        started_by=actor.name or "?",
        status="running",
    )
    session.add(review)
    await session.flush()
    return review


async def start_review(
    session: AsyncSession, actor: Actor, region_code: str, title: str, today: date
) -> ReviewCampaign:
    """Create and run a review in the caller's transaction (the page runs it in the background)."""
    return await run_review(
        session, actor, await create_review(session, actor, region_code, title, today), today
    )


async def run_review_in_background(settings: Settings, actor: Actor, review_id: int, today: date) -> None:
    """Run a review after the response that created it has gone; a failure leaves nothing of the
    run but the review marked failed, in plain words."""
    progress = REVIEW_PROGRESS.setdefault(review_id, {})
    try:
        async with session_scope(settings.database_url) as session:
            await run_review(session, actor, await session.get(ReviewCampaign, review_id), today, progress)
    except Exception:
        log.exception("review %s failed", review_id)
        async with session_scope(settings.database_url) as session:
            await session.execute(
                update(ReviewCampaign)
                .where(ReviewCampaign.id == review_id)
                .values(status="failed", failure="复核时发生错误，没有产生任何结果，请重新开始复核。")
            )
    finally:
        REVIEW_PROGRESS.pop(review_id, None)


async def run_review(
    session: AsyncSession, actor: Actor, review: ReviewCampaign, today: date, progress: dict | None = None
) -> ReviewCampaign:
    """Check every enrolled household of the region at once (set-based), then list those to cancel
    or adjust. The Python part only sorts the flagged households' rule sets into proposals."""
    started = time.perf_counter()
    city = await loader.city_code(session)
    region_code = review.region_code
    prefix = region_code[:4] if region_code == city else region_code
    await checks.run_checks(
        session, checks.Scope(prefix=prefix, city_code=city, today=today), progress=progress
    )
    if progress is not None:
        progress.update(rule=None, done=progress.get("total", 0))  # sorting the households found
    en = checks.enrolled(checks.Scope(prefix=prefix, city_code=city, today=today))
    totals = (
        await session.execute(
            select(func.count(func.distinct(en.c.household_id)), func.count(func.distinct(en.c.person_id)))
        )
    ).one()
    review.households_reviewed, review.people_reviewed = totals
    w = VerificationWarning
    flagged = await session.execute(
        select(w.enrolment_id, w.household_id, w.rule, func.count(func.distinct(w.person_id)))
        .where(w.status == "open", w.enrolment_id.is_not(None), w.region_code.like(prefix + "%"))
        .group_by(w.enrolment_id, w.household_id, w.rule)
    )
    per_enrolment: dict[int, dict] = {}
    for enrolment_id, household_id, rule, people in flagged:
        item = per_enrolment.setdefault(enrolment_id, {"household": household_id, "rules": set(), "gone": 0})
        item["rules"].add(rule)
        if rule in rules.GONE:
            item["gone"] = max(item["gone"], people)
    if per_enrolment:
        sizes = dict(
            (
                await session.execute(
                    select(HouseholdMember.household_id, func.count())
                    .join(Person)
                    .where(
                        HouseholdMember.household_id.in_({i["household"] for i in per_enrolment.values()}),
                        Person.deceased_on.is_(None),
                    )
                    .group_by(HouseholdMember.household_id)
                )
            ).all()
        )
        amounts = dict(
            (
                await session.execute(
                    select(Enrolment.id, Enrolment.monthly_amount_cents).where(
                        Enrolment.id.in_(list(per_enrolment))
                    )
                )
            ).all()
        )
        regions = dict(
            (
                await session.execute(
                    select(Enrolment.id, Enrolment.region_code).where(Enrolment.id.in_(list(per_enrolment)))
                )
            ).all()
        )
        items = []
        for enrolment_id, info in per_enrolment.items():
            people = sizes.get(info["household"], 0)
            proposal = rules.household_proposal(info["rules"], people, info["gone"])
            if proposal in ("cancel", "adjust"):
                items.append(
                    {
                        "review_id": review.id,
                        "enrolment_id": enrolment_id,
                        "household_id": info["household"],
                        "region_code": regions[enrolment_id],
                        "proposal": proposal,
                        "people": people,
                        "amount_before_cents": amounts[enrolment_id],
                    }
                )
        if items:
            await session.execute(ReviewItem.__table__.insert(), items)
    review.seconds, review.status = round(time.perf_counter() - started, 3), "open"
    await session.flush()
    await record(
        session,
        actor,
        "verification.review_start",
        "verification_review",
        review.id,
        region_code=region_code,
        after={"households": review.households_reviewed, "people": review.people_reviewed},
    )
    return review


async def process_items(
    session: AsyncSession,
    actor: Actor,
    review: ReviewCampaign,
    item_ids: list[int],
    outcome: str,
    reason: str,
    today: date,
) -> int:
    """Bulk: cancel (stop the benefit), adjust (recalculate by rule) or keep the chosen households.
    Each enrolment goes through the assistance workflow, so each change is its own audit record."""
    if review.status != "open":
        raise DomainError("verification.review_closed", Kind.CONFLICT)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("verification.reason", Kind.INVALID)
    if outcome not in ("cancel", "adjust", "keep"):
        raise DomainError("verification.action", Kind.INVALID)
    items = list(
        await session.scalars(
            select(ReviewItem).where(
                ReviewItem.review_id == review.id, ReviewItem.id.in_(item_ids), ReviewItem.outcome.is_(None)
            )
        )
    )
    for item in items:
        enrolment = await session.get(Enrolment, item.enrolment_id)
        text = f"{review.title}：{reason}"
        try:
            if outcome == "cancel":
                if enrolment.status != "stopped":
                    await change_status(
                        session,
                        actor,
                        enrolment,
                        "stopped",
                        text,
                        source=f"verification.review:{review.id}",
                        effective=today,
                    )
                item.outcome, item.amount_after_cents = "cancelled", 0
            elif outcome == "adjust":
                await _adjust(session, actor, item, enrolment, text, today)
                item.outcome, item.amount_after_cents = "adjusted", enrolment.monthly_amount_cents
            else:
                item.outcome, item.amount_after_cents = "kept", item.amount_before_cents
        except EnrolmentError as exc:
            raise DomainError(exc.code, Kind.CONFLICT) from None
        item.decided_by, item.decided_at = actor.name, utcnow()
        close = "confirmed" if outcome != "keep" else "dismissed"
        await session.execute(
            update(VerificationWarning)
            .where(VerificationWarning.enrolment_id == enrolment.id, VerificationWarning.status == "open")
            .values(
                status=close,
                action={"cancel": "stop", "adjust": "recalculate"}.get(outcome, "none"),
                reason=text,
                handled_by=actor.name,
                handled_at=utcnow(),
            )
        )
    await session.flush()
    return len(items)


async def _adjust(
    session: AsyncSession, actor: Actor, item: ReviewItem, enrolment: Enrolment, text: str, today: date
) -> None:
    """Members found deceased leave the household; then the amount is recalculated by rule."""
    dead = list(
        await session.scalars(
            select(HouseholdMember.id)
            .join(VerificationWarning, VerificationWarning.person_id == HouseholdMember.person_id)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(
                HouseholdMember.household_id == item.household_id,
                VerificationWarning.rule == "deceased",
                VerificationWarning.status == "open",
                Person.deceased_on.is_(None),
            )
            .distinct()
        )
    )
    for member_id in dead:
        await households.change_request(session, actor, enrolment, today, reason=text, member_died=member_id)
    if not dead:
        await households.change_request(session, actor, enrolment, today, reason=text)


async def close_review(session: AsyncSession, actor: Actor, review: ReviewCampaign) -> dict:
    """The figures bureaus report: households reviewed, cancelled, adjusted, people, amount saved."""
    i = ReviewItem
    row = (
        await session.execute(
            select(
                func.count().filter(i.outcome == "cancelled"),
                func.coalesce(func.sum(i.people).filter(i.outcome == "cancelled"), 0),
                func.count().filter(i.outcome == "adjusted"),
                func.coalesce(
                    func.sum(
                        i.amount_before_cents - func.coalesce(i.amount_after_cents, i.amount_before_cents)
                    ).filter(i.outcome.in_(("cancelled", "adjusted"))),
                    0,
                ),
                func.count().filter(i.outcome.is_(None)),
            ).where(i.review_id == review.id)
        )
    ).one()
    counts = {
        "households_reviewed": review.households_reviewed,
        "people_reviewed": review.people_reviewed,
        "households_cancelled": row[0],
        "people_cancelled": row[1],
        "households_adjusted": row[2],
        "monthly_saved_cents": row[3],
        "undecided": row[4],
    }
    review.counts, review.status, review.closed_at = counts, "closed", utcnow()
    await session.flush()
    await record(
        session,
        actor,
        "verification.review_close",
        "verification_review",
        review.id,
        region_code=review.region_code,
        after=counts,
    )
    return counts


async def review_counts(session: AsyncSession, review_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(ReviewItem.proposal, ReviewItem.outcome, func.count())
        .where(ReviewItem.review_id == review_id)
        .group_by(ReviewItem.proposal, ReviewItem.outcome)
    )
    out: dict[str, int] = {}
    for proposal, outcome, n in rows:
        out[proposal] = out.get(proposal, 0) + n
        if outcome is None:
            out[f"{proposal}_open"] = out.get(f"{proposal}_open", 0) + n
    return out
