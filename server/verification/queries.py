"""Reads the verification center's pages share: the overview's counts, imports, warnings and their
evidence, possible matches, review campaigns and their households; region-scoped where the record
has a region. Writes are in ``service.py`` and ``loader.py``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import DomainError, Kind
from server.people.models import Enrolment, Household, HouseholdMember, Person
from server.regions import queries as region_queries
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.verification import rules
from server.verification.models import (
    ApiClient,
    DataImport,
    PossibleMatch,
    ReviewCampaign,
    ReviewItem,
    SourceRecord,
    VerificationWarning,
)

PAGE = 50  # warnings per page
PICKER_LEVELS = ("city", "district", "street")  # warnings and reviews are filtered down to a street


async def get_import(session: AsyncSession, import_id: int) -> DataImport:
    """An import by id (imports carry no region: the city center's officers see them all)."""
    imp = await session.get(DataImport, import_id) if -(2**63) <= import_id < 2**63 else None
    if imp is None:
        raise DomainError("error.not_found", Kind.NOT_FOUND)
    return imp


async def recent_imports(session: AsyncSession, source: str = "", limit: int = 100) -> list[DataImport]:
    stmt = select(DataImport).order_by(DataImport.id.desc()).limit(limit)
    if source:
        stmt = stmt.where(DataImport.source == source)
    return list(await session.scalars(stmt))


async def duplicate_rows(session: AsyncSession, import_id: int) -> int:
    row = (
        await session.execute(
            select(func.count(), func.count(func.distinct(SourceRecord.fact_key))).where(
                SourceRecord.import_id == import_id
            )
        )
    ).one()
    return row[0] - row[1]


async def counts_by_rule(session: AsyncSession, where) -> dict[str, int]:
    """Open warnings per rule, inside ``where`` (a region condition)."""
    rows = await session.execute(
        select(VerificationWarning.rule, func.count())
        .where(where, VerificationWarning.status == rules.WarningStatus.OPEN)
        .group_by(VerificationWarning.rule)
    )
    return dict(rows.all())


async def pending_matches(session: AsyncSession, scope: RegionScope) -> int:
    return await session.scalar(
        select(func.count())
        .select_from(PossibleMatch)
        .where(PossibleMatch.status == rules.MatchStatus.PENDING, scope.where(PossibleMatch.region_code))
    )


async def region_picker(session: AsyncSession, scope: RegionScope) -> list[Region]:
    """The regions a warnings filter or a review may name: the officer's, down to streets."""
    return await region_queries.regions(session, scope=scope, levels=PICKER_LEVELS)


@dataclass
class WarningPage:
    rows: list[Any]  # (warning, person name, masked ID)
    total: int
    page_no: int


async def warnings(
    session: AsyncSession, scope: RegionScope, *, rule: str, status: str, region: str, page_no: int
) -> WarningPage:
    """One page of warnings, newest first, filtered by rule, status and region (inside the scope)."""
    w = VerificationWarning
    stmt = (
        select(w, Person.name, Person.id_masked)
        .outerjoin(Person, Person.id == w.person_id)
        .where(scope.where(w.region_code))
    )
    if region:
        scope.ensure(region)
        stmt = stmt.where(w.region_code.like(region + "%"))
    if rule:
        stmt = stmt.where(w.rule == rule)
    if status:
        stmt = stmt.where(w.status == status)
    page_no = max(1, min(page_no, 10_000))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(await session.execute(stmt.order_by(w.id.desc()).offset((page_no - 1) * PAGE).limit(PAGE)))
    return WarningPage(rows, total or 0, page_no)


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
            VerificationWarning.status == rules.WarningStatus.OPEN,
            VerificationWarning.rule.in_(rules.GONE),
        )
    )
    return living or 0, gone or 0


async def warning_evidence(session: AsyncSession, w: VerificationWarning) -> dict[str, Any]:
    """What a warning's page shows beside it: the person, the record and its import, the benefit,
    and the action a clerk is offered first."""
    person = await session.get(Person, w.person_id) if w.person_id else None
    rec = await session.get(SourceRecord, w.record_id) if w.record_id else None
    imp = await session.get(DataImport, w.import_id) if w.import_id else None
    enrolment = await session.get(Enrolment, w.enrolment_id) if w.enrolment_id else None
    suggested = rules.suggested_action(w.rule, *await household_size(session, w.household_id))
    return {"person": person, "rec": rec, "imp": imp, "enrolment": enrolment, "suggested": suggested}


async def pending_match_rows(session: AsyncSession, scope: RegionScope) -> list[Any]:
    """Records without an ID number that may be a person of the register: (match, record, person)."""
    return list(
        await session.execute(
            select(PossibleMatch, SourceRecord, Person)
            .join(SourceRecord, SourceRecord.id == PossibleMatch.record_id)
            .join(Person, Person.id == PossibleMatch.person_id)
            .where(PossibleMatch.status == rules.MatchStatus.PENDING, scope.where(PossibleMatch.region_code))
            .order_by(PossibleMatch.id)
            .limit(200)
        )
    )


async def reviews(session: AsyncSession, scope: RegionScope) -> list[ReviewCampaign]:
    return list(
        await session.scalars(
            select(ReviewCampaign)
            .where(scope.where(ReviewCampaign.region_code))
            .order_by(ReviewCampaign.id.desc())
            .limit(50)
        )
    )


async def review_items(
    session: AsyncSession, review_id: int, proposal: str
) -> tuple[list[Any], dict[int, list[str]]]:
    """The households a review proposes to cancel or adjust, undecided first: (item, household,
    head) rows, and for each enrolment the labels of the rules that hit it."""
    items = list(
        await session.execute(
            select(ReviewItem, Household, Person)
            .join(Household, Household.id == ReviewItem.household_id)
            .join(Person, Person.id == Household.head_person_id)
            .where(ReviewItem.review_id == review_id, ReviewItem.proposal == proposal)
            .order_by(ReviewItem.outcome.is_not(None), ReviewItem.region_code, ReviewItem.id)
            .limit(500)
        )
    )
    reasons: dict[int, list[str]] = {}
    if items:
        for enrolment_id, rule in await session.execute(
            select(VerificationWarning.enrolment_id, VerificationWarning.rule)
            .distinct()
            .where(VerificationWarning.enrolment_id.in_([i.enrolment_id for i, _, _ in items]))
        ):
            reasons.setdefault(enrolment_id, []).append(rules.RULES[rule].label)
    return items, reasons


async def review_counts(session: AsyncSession, review_id: int) -> dict[str, int]:
    """Households per proposal, and how many of them are still undecided (``<proposal>_open``)."""
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


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def active_client(session: AsyncSession, key: str) -> ApiClient | None:
    """The active department system holding ``key`` (only the key's hash is stored)."""
    if not key:
        return None
    return await session.scalar(
        select(ApiClient).where(ApiClient.key_hash == key_hash(key), ApiClient.active.is_(True))
    )
