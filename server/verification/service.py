"""Database work of the verification center: running an uploaded file in the background,
working warnings through the assistance workflow, possible matches, household reports and the
semiannual review campaign."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance import households_service as households
from server.assistance import proposals_service as proposals
from server.audit.service import Actor, record
from server.db import session_scope, utcnow
from server.errors import DomainError, Kind
from server.people.enrolments import EnrolmentError
from server.people.models import Enrolment, HouseholdMember, Person
from server.people.rules import Action, Origin
from server.regions import queries as region_queries
from server.settings import Settings
from server.verification import checks_service as checks
from server.verification import imports_service as loader
from server.verification import queries, rules
from server.verification.models import (
    ApiClient,
    DataImport,
    PossibleMatch,
    ReviewCampaign,
    ReviewItem,
    SourceRecord,
    VerificationWarning,
)
from server.verification.sources import SOURCES

log = logging.getLogger("huimin.verification")
PROPOSED_ACTION = {"suspended": Action.SUSPEND, "stopped": Action.STOP}  # enrolment status -> proposal


# ------------------------------------------------------------------------ receiving department data


class Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def receive_upload(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    *,
    source: str,
    channel: str,
    filename: str,
    upload: Readable,
    mode: str,
) -> DataImport:
    """Keep an uploaded file (encrypted, written in pieces: a file may be 200 MB) and open its
    import, queued; ``run_file_import`` loads it once the upload's response has gone."""
    rules.ensure_city(actor.region_code)
    stored = f"{secrets.token_hex(12)}.{channel}"
    size = 0
    with loader.save_upload(settings, stored) as fh:
        while chunk := await upload.read(1 << 20):
            fh.write(chunk)
            size += len(chunk)
    imp = await loader.new_import(
        session,
        actor,
        SOURCES[source],
        channel=channel,
        filename=filename[:200],
        stored_name=stored,
        mode=rules.import_mode(mode),
    )
    loader.PROGRESS[imp.id] = {"rows": 0, "bytes_done": 0, "bytes_total": size, "stage": "queued"}
    return imp


@dataclass(frozen=True)
class Caller:
    """A department system, as its key showed it (see ``queries.active_client``)."""

    id: int
    name: str
    region_code: str

    @property
    def actor(self) -> Actor:
        return Actor("system", f"api:{self.id}", f"接口：{self.name}", "api_client", self.region_code)


async def push_rows(
    session: AsyncSession,
    settings: Settings,
    caller: Caller,
    source: str,
    rows: list[Any],
    mode: Any,
    today: date,
) -> dict[str, Any]:
    """Load the rows a department system pushed, at once, as a new version of ``source``; the
    answer names the version, the counts and the first rejected rows with their problems."""
    actor = caller.actor
    imp = await loader.new_import(
        session,
        actor,
        SOURCES[source],
        channel="api",
        filename=None,
        stored_name=None,
        mode=rules.import_mode(mode),
    )
    await loader.load_rows(session, settings, imp, loader.read_json(rows, SOURCES[source]), today)
    await loader.finish_import(session, actor, imp, today)
    return {
        "import_id": imp.id,
        "version": imp.version,
        "accepted": imp.rows_accepted,
        "rejected": imp.rows_rejected,
        "warnings": imp.warnings_raised,
        "errors": loader.first_errors(settings, imp.id, 100),
    }


async def create_api_client(session: AsyncSession, name: str, sources: list[str], region_code: str) -> str:
    """A new client and its key (shown once; only the hash is kept)."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise ValueError("unknown source: " + ",".join(unknown))
    key = "hm_" + secrets.token_urlsafe(32)
    session.add(
        ApiClient(name=name, key_hash=queries.key_hash(key), sources=sources, region_code=region_code)
    )
    await session.flush()
    return key


async def roll_back(session: AsyncSession, actor: Actor, imp: DataImport, reason: str) -> int:
    """Take a version back (the city center's): see ``loader.rollback_import``."""
    rules.ensure_city(actor.region_code)
    return await loader.rollback_import(session, actor, imp, (reason or "").strip())


# ------------------------------------------------------------------------ a file, in the background


async def run_file_import(settings: Settings, actor: Actor, import_id: int, today: date) -> None:
    """Load an uploaded file (after the upload's response has gone). On any failure nothing of the
    file is kept but the import row says it failed and why; the uploaded file is deleted then (it
    holds plain ID numbers and cannot be loaded again: the officer uploads a corrected one)."""
    progress = loader.PROGRESS.setdefault(import_id, {"rows": 0, "bytes_done": 0, "bytes_total": 0})
    try:
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
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
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            await session.execute(
                update(DataImport)
                .where(
                    DataImport.id == import_id,
                    DataImport.status.in_(rules.IMPORTS.sources(rules.ImportAction.FAIL)),
                )
                .values(
                    status=rules.IMPORTS.target(rules.ImportAction.FAIL),
                    failure=message,
                    finished_at=utcnow(),
                )
            )
            stored = await session.scalar(select(DataImport.stored_name).where(DataImport.id == import_id))
        if stored:
            (loader.folder(settings) / stored).unlink(missing_ok=True)
    finally:  # the import's row says how it ended; the page polls it no more
        loader.PROGRESS.pop(import_id, None)


async def purge_files(
    session: AsyncSession, settings: Settings, now: datetime | None = None, *, dry_run: bool = False
) -> int:
    """Delete department files (uploads and error files, plain ID numbers inside) older than
    ``settings.raw_import_retention_days``, and the uploads of failed imports at once; never
    the files of an import still loading. Returns how many files were deleted (or, with
    ``dry_run``, would be: the retention run)."""
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
            if not dry_run:
                path.unlink(missing_ok=True)
            deleted += 1
    return deleted


async def recover_interrupted_work(session: AsyncSession) -> int:
    """Imports left 'loading' and reviews left 'running' by a stopped server never committed
    anything: say so, so that nobody waits on a page that will not move."""
    imports = await session.execute(
        update(DataImport)
        .where(
            DataImport.status.in_(rules.IMPORTS.sources(rules.ImportAction.FAIL)),
            DataImport.id.not_in(list(loader.PROGRESS) or [0]),
        )
        .values(
            status=rules.IMPORTS.target(rules.ImportAction.FAIL),
            failure="服务器在导入过程中重启，数据未载入，请重新导入。",
            finished_at=utcnow(),
        )
    )
    reviews = await session.execute(
        update(ReviewCampaign)
        .where(
            ReviewCampaign.status.in_(rules.REVIEWS.sources(rules.ReviewAction.FAIL)),
            ReviewCampaign.id.not_in(list(REVIEW_PROGRESS) or [0]),
        )
        .values(
            status=rules.REVIEWS.target(rules.ReviewAction.FAIL),
            failure="服务器在复核过程中重启，没有产生任何结果，请重新开始复核。",
        )
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
    reason = (reason or "").strip()
    new_status, kept_action = rules.warning_decision(warning.status, decision, action, reason)
    before = {"status": warning.status}
    warning.status, warning.action = new_status, kept_action
    if kept_action not in (None, rules.WarningAction.NONE):
        await _act(session, actor, warning, kept_action, reason, today)
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
    session: AsyncSession,
    actor: Actor,
    warning: VerificationWarning,
    action: rules.WarningAction,
    reason: str,
    today: date,
) -> None:
    enrolment = await session.get(Enrolment, warning.enrolment_id) if warning.enrolment_id else None
    if enrolment is None:
        raise DomainError("verification.no_enrolment", Kind.CONFLICT)
    label = rules.RULES[warning.rule].label
    text = f"{label}：{reason}"
    source = f"verification.warning:{warning.id}"
    try:
        if action in rules.ENROLMENT_STATUS_OF:  # proposed: a district approver decides
            proposed = PROPOSED_ACTION[rules.ENROLMENT_STATUS_OF[action]]
            await proposals.propose(
                session, actor, enrolment, proposed, text, origin=Origin.WARNING, source=source
            )
        elif action == rules.WarningAction.RECALCULATE:
            member_died = None
            if warning.rule == "deceased" and warning.person_id:
                member_died = await session.scalar(
                    select(HouseholdMember.id).where(
                        HouseholdMember.household_id == enrolment.household_id,
                        HouseholdMember.person_id == warning.person_id,
                    )
                )
            if member_died is not None:  # a death is proposed; the amount changes on approval
                await proposals.propose(
                    session,
                    actor,
                    enrolment,
                    Action.DEATH,
                    text,
                    origin=Origin.WARNING,
                    source=source,
                    member_id=member_died,
                )
            else:
                await households.change_request(session, actor, enrolment, today, reason=text)
    except EnrolmentError as exc:
        raise DomainError(exc.code, Kind.CONFLICT) from None


# ------------------------------------------------------------------------------ possible matches


async def decide_match(
    session: AsyncSession, actor: Actor, match: PossibleMatch, confirm: bool, today: date
) -> int:
    """Confirming gives the record the person's ID hash and checks that person at once."""
    decision = rules.MatchDecision.CONFIRM if confirm else rules.MatchDecision.REJECT
    match.status = rules.MATCHES.move(match.status, decision)
    match.decided_by, match.decided_at = actor.name, utcnow()
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
                PossibleMatch.status.in_(rules.MATCHES.sources(rules.MatchDecision.REJECT)),
            )
            .values(
                status=rules.MATCHES.target(rules.MatchDecision.REJECT),
                decided_by=actor.name,
                decided_at=utcnow(),
            )
        )
        city = await region_queries.city_code(session)
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


async def queue_review(
    session: AsyncSession, actor: Actor, region_code: str, title: str, today: date
) -> ReviewCampaign:
    """A new review, for ``run_review_in_background`` to run after the response has gone."""
    review = await create_review(session, actor, region_code, title, today)
    REVIEW_PROGRESS[review.id] = {"done": 0, "total": len(rules.RULES)}
    return review


async def create_review(
    session: AsyncSession, actor: Actor, region_code: str, title: str, today: date
) -> ReviewCampaign:
    """A new review of the region, not yet run; one at a time for a region."""
    running = await session.scalar(
        select(func.count())
        .select_from(ReviewCampaign)
        .where(ReviewCampaign.region_code == region_code, ReviewCampaign.status == rules.ReviewStatus.RUNNING)
    )
    if running:
        raise DomainError("verification.review_running", Kind.CONFLICT)
    review = ReviewCampaign(
        region_code=region_code,
        title=title.strip()[:100] or f"{today.year} 年度复核",
        started_by=actor.name or "?",
        status=rules.ReviewStatus.RUNNING.value,
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
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            await run_review(session, actor, await session.get(ReviewCampaign, review_id), today, progress)
    except Exception:
        log.exception("review %s failed", review_id)
        async with session_scope(settings.database_url, settings.database_connect_args) as session:
            await session.execute(
                update(ReviewCampaign)
                .where(
                    ReviewCampaign.id == review_id,
                    ReviewCampaign.status.in_(rules.REVIEWS.sources(rules.ReviewAction.FAIL)),
                )
                .values(
                    status=rules.REVIEWS.target(rules.ReviewAction.FAIL),
                    failure="复核时发生错误，没有产生任何结果，请重新开始复核。",
                )
            )
    finally:
        REVIEW_PROGRESS.pop(review_id, None)


async def run_review(
    session: AsyncSession, actor: Actor, review: ReviewCampaign, today: date, progress: dict | None = None
) -> ReviewCampaign:
    """Check every enrolled household of the region at once (set-based), then list those to cancel
    or adjust. The Python part only sorts the flagged households' rule sets into proposals."""
    started = time.perf_counter()
    city = await region_queries.city_code(session)
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
        .where(
            w.status == rules.WarningStatus.OPEN,
            w.enrolment_id.is_not(None),
            w.region_code.like(prefix + "%"),
        )
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
    review.seconds = round(time.perf_counter() - started, 3)
    review.status = rules.REVIEWS.move(review.status, rules.ReviewAction.FINISH_RUN)
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
    rules.REVIEWS.move(review.status, rules.ReviewAction.PROCESS)
    reason = (reason or "").strip()
    choice = rules.bulk_choice(outcome, reason)
    items = list(
        await session.scalars(
            select(ReviewItem).where(
                ReviewItem.review_id == review.id, ReviewItem.id.in_(item_ids), ReviewItem.outcome.is_(None)
            )
        )
    )
    text = f"{review.title}：{reason}"
    for item in items:
        enrolment = await session.get(Enrolment, item.enrolment_id)
        try:
            item.amount_after_cents = await _carry_out(
                session, actor, review, item, enrolment, choice, text, today
            )
        except EnrolmentError as exc:
            raise DomainError(exc.code, Kind.CONFLICT) from None
        item.outcome, item.decided_by, item.decided_at = choice.outcome.value, actor.name, utcnow()
        await _close_warnings(session, actor, enrolment.id, choice, text)
    await session.flush()
    return len(items)


async def _carry_out(
    session: AsyncSession,
    actor: Actor,
    review: ReviewCampaign,
    item: ReviewItem,
    enrolment: Enrolment,
    choice: rules.BulkChoice,
    text: str,
    today: date,
) -> int:
    """Do what was chosen for one household; returns its monthly amount afterwards."""
    if choice.outcome == rules.Outcome.CANCELLED:  # proposed: paid until a district approver approves
        if enrolment.status != "stopped":
            await proposals.propose(
                session,
                actor,
                enrolment,
                Action.STOP,
                text,
                origin=Origin.REVIEW,
                source=f"verification.review:{review.id}",
            )
        return 0
    if choice.outcome == rules.Outcome.ADJUSTED:
        await _adjust(session, actor, item, enrolment, text, today)
        return enrolment.monthly_amount_cents
    return item.amount_before_cents


async def _close_warnings(
    session: AsyncSession, actor: Actor, enrolment_id: int, choice: rules.BulkChoice, text: str
) -> None:
    """The household's open warnings follow the decision (confirmed, or dismissed when kept)."""
    await session.execute(
        update(VerificationWarning)
        .where(
            VerificationWarning.enrolment_id == enrolment_id,
            VerificationWarning.status.in_(rules.WARNINGS.sources(choice.decision)),
        )
        .values(
            status=rules.WARNINGS.target(choice.decision),
            action=choice.action.value,
            reason=text,
            handled_by=actor.name,
            handled_at=utcnow(),
        )
    )


async def _adjust(
    session: AsyncSession, actor: Actor, item: ReviewItem, enrolment: Enrolment, text: str, today: date
) -> None:
    """Members found deceased are proposed to leave the household (the amount is recalculated when
    a district approver approves); without deaths the amount is recalculated by rule at once."""
    dead = list(
        await session.scalars(
            select(HouseholdMember.id)
            .join(VerificationWarning, VerificationWarning.person_id == HouseholdMember.person_id)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(
                HouseholdMember.household_id == item.household_id,
                VerificationWarning.rule == "deceased",
                VerificationWarning.status == rules.WarningStatus.OPEN,
                Person.deceased_on.is_(None),
            )
            .distinct()
        )
    )
    for member_id in dead:
        await proposals.propose(
            session,
            actor,
            enrolment,
            Action.DEATH,
            text,
            origin=Origin.REVIEW,
            source=f"verification.review:{item.review_id}",
            member_id=member_id,
        )
    if not dead:
        await households.change_request(session, actor, enrolment, today, reason=text)


async def close_review(session: AsyncSession, actor: Actor, review: ReviewCampaign) -> dict:
    """The figures bureaus report: households reviewed, cancelled, adjusted, people, amount saved."""
    review.status = rules.REVIEWS.move(review.status, rules.ReviewAction.CLOSE)
    i = ReviewItem
    row = (
        await session.execute(
            select(
                func.count().filter(i.outcome == rules.Outcome.CANCELLED),
                func.coalesce(func.sum(i.people).filter(i.outcome == rules.Outcome.CANCELLED), 0),
                func.count().filter(i.outcome == rules.Outcome.ADJUSTED),
                func.coalesce(
                    func.sum(
                        i.amount_before_cents - func.coalesce(i.amount_after_cents, i.amount_before_cents)
                    ).filter(i.outcome.in_((rules.Outcome.CANCELLED, rules.Outcome.ADJUSTED))),
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
    review.counts, review.closed_at = counts, utcnow()
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
