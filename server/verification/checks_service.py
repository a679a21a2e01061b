"""The rules of ``rules.py`` as set-based SQL: each rule is one ``INSERT ... SELECT`` that turns
its hits into warnings, skipping any (subject, rule, evidence) already warned (a unique key and
``ON CONFLICT DO NOTHING``). A full review runs every rule over a region; after an import only
the people the import touched are checked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from server.assistance import calc
from server.assistance import rules as assistance_rules
from server.assistance.models import Application, Policy
from server.db import utcnow
from server.people.models import Enrolment, HouseholdMember, Person
from server.survival.models import Schedule
from server.verification.models import DataImport, SourceRecord, VerificationWarning
from server.verification.rules import RULES, ImportStatus, WarningStatus

R = SourceRecord
WARNING_COLUMNS = [
    "rule",
    "severity",
    "subject",
    "evidence",
    "person_id",
    "household_id",
    "enrolment_id",
    "application_id",
    "region_code",
    "record_id",
    "import_id",
    "detail",
    "status",
    "created_at",
]


@dataclass
class Scope:
    """Where to look: a region prefix, and optionally only the people with these ID hashes."""

    prefix: str
    city_code: str
    today: date
    touched: Select | None = None  # a SELECT of id_hash values
    standards: dict[str, tuple[int, int]] = field(default_factory=dict)  # district -> (standard, asset limit)


@dataclass
class CheckRun:
    raised: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def _insert_ignore(session: AsyncSession, stmt_select: Select):
    mod = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return (
        mod.insert(VerificationWarning)
        .from_select(WARNING_COLUMNS, stmt_select)
        .on_conflict_do_nothing(index_elements=["subject", "rule", "evidence"])
    )


def _live() -> Select:
    return select(DataImport.id).where(DataImport.status == ImportStatus.ACTIVE.value)


def enrolled(scope: Scope | None, *, anywhere: bool = False, households=None):
    """One row per living member of a household with a monthly benefit (active or suspended);
    ``households`` (a SELECT of household ids) narrows it to those households."""
    stmt = (
        select(
            Person.id.label("person_id"),
            Person.id_hash,
            Person.birth_date,
            HouseholdMember.household_id,
            Enrolment.id.label("enrolment_id"),
            Enrolment.region_code,
            Enrolment.start_date,
        )
        .join(HouseholdMember, HouseholdMember.person_id == Person.id)
        .join(Enrolment, Enrolment.household_id == HouseholdMember.household_id)
        .where(
            Enrolment.status.in_(("active", "suspended")),
            Enrolment.benefit.in_(calc.MONTHLY),
            Person.deceased_on.is_(None),
        )
    )
    if households is not None:
        stmt = stmt.where(HouseholdMember.household_id.in_(households))
    if scope is not None and not anywhere:
        stmt = stmt.where(Enrolment.region_code.like(scope.prefix + "%"))
        if scope.touched is not None:
            stmt = stmt.where(Person.id_hash.in_(scope.touched))
    return stmt.subquery("en")


def _warning_row(rule: str, en, *, evidence, record=None, detail=None, now=None):
    return (
        literal(rule),
        literal(RULES[rule].severity),
        literal("p:") + cast(en.c.person_id, String),
        evidence,
        en.c.person_id,
        en.c.household_id,
        en.c.enrolment_id,
        literal(None, Integer()),
        en.c.region_code,
        record.id if record is not None else literal(None, Integer()),
        record.import_id if record is not None else literal(None, Integer()),
        detail if detail is not None else literal(None, String()),
        literal(WarningStatus.OPEN.value),
        literal(now or utcnow()),
    )


def _record_rule(rule: str, source: str, scope: Scope, *conditions) -> Select:
    en = enrolled(scope)
    return (
        select(*_warning_row(rule, en, evidence=literal("r:") + R.fact_key, record=R))
        .select_from(en)
        .join(R, and_(R.id_hash == en.c.id_hash, R.source == source))
        .where(R.import_id.in_(_live()), *conditions)
    )


def _current(today: date):
    return or_(R.end_date.is_(None), R.end_date >= today)


def deceased(scope: Scope) -> list[Select]:
    return [_record_rule("deceased", "deaths", scope)]


def imprisoned(scope: Scope) -> list[Select]:
    return [
        _record_rule("imprisoned", "prisoners", scope, R.start_date <= scope.today, _current(scope.today))
    ]


def business(scope: Scope) -> list[Select]:
    return [_record_rule("business", "business", scope, _current(scope.today))]


def staff_relative(scope: Scope) -> list[Select]:
    return [_record_rule("staff_relative", "staff_relatives", scope)]


def vehicle(scope: Scope) -> list[Select]:
    return [_record_rule("vehicle", "vehicles", scope, R.kind != "disability", _current(scope.today))]


def duplicate(scope: Scope) -> list[Select]:
    elsewhere = _record_rule(
        "duplicate", "other_benefits", scope, R.kind.in_(calc.MONTHLY), _current(scope.today)
    )
    en, other = enrolled(scope), enrolled(scope, anywhere=True).alias("other")
    twice = (
        select(*_warning_row("duplicate", en, evidence=literal("e:") + cast(other.c.enrolment_id, String)))
        .select_from(en)
        .join(other, and_(other.c.person_id == en.c.person_id, other.c.enrolment_id != en.c.enrolment_id))
    )
    return [elsewhere, twice]


def hukou_outside(scope: Scope) -> list[Select]:
    later = R.__table__.alias("later")
    newer = exists().where(
        later.c.id_hash == R.id_hash,
        later.c.source == "hukou",
        later.c.import_id.in_(_live()),
        later.c.start_date > R.start_date,
    )
    city = scope.city_code[:4]
    return [
        _record_rule(
            "hukou_outside",
            "hukou",
            scope,
            ~R.region_code.like(city + "%"),
            or_(R.kind.is_(None), R.kind == "normal"),
            ~newer,
        )
    ]


def _members(scope: Scope):
    en = enrolled(scope, anywhere=True, households=_touched_households(scope))
    return select(en.c.household_id, func.count(func.distinct(en.c.person_id)).label("n")).group_by(
        en.c.household_id
    )


def _standard(scope: Scope, column, index: int):
    """The district's figure if it has its own policy, else the city's (``Scope.standards``)."""
    city = scope.standards.get(scope.city_code, (0, 0))[index]
    whens = [
        (func.substr(column, 1, 6) == code, vals[index])
        for code, vals in scope.standards.items()
        if code != scope.city_code
    ]
    return case(*whens, else_=city) if whens else literal(city)


def _household_rule(rule: str, scope: Scope, rows, flagged) -> Select:
    """Warn on each evidence row (``rows``: person, household, enrolment, region, record) of the
    households in ``flagged`` (a SELECT of household ids)."""
    return select(*_warning_row(rule, rows, evidence=literal("r:") + rows.c.fact_key, record=rows.c)).where(
        rows.c.household_id.in_(flagged)
    )


def _touched_households(scope: Scope):
    if scope.touched is None:
        return None
    en = enrolled(scope)
    return select(en.c.household_id)


def _evidence(scope: Scope, *source_filter, amount=None):
    """Records of the members of each household in scope (after an import: of the households
    whose people it touched), for the rules about a household's means."""
    en = enrolled(scope, anywhere=True, households=_touched_households(scope))
    cols = [
        en.c.person_id,
        en.c.household_id,
        en.c.enrolment_id,
        en.c.region_code,
        R.id,
        R.import_id,
        R.fact_key,
        R.ref,
        R.kind,
        (amount if amount is not None else R.amount_cents).label("amount"),
    ]
    return (
        select(*cols)
        .select_from(en)
        .join(R, R.id_hash == en.c.id_hash)
        .where(R.import_id.in_(_live()), en.c.region_code.like(scope.prefix + "%"), *source_filter)
    )


def property_(scope: Scope) -> list[Select]:
    owned = _evidence(scope, and_(R.source == "property", R.end_date.is_(None))).cte("owned")
    homes = (
        select(owned.c.household_id)
        .where(owned.c.kind == "residential")
        .group_by(owned.c.household_id)
        .having(func.count(func.distinct(owned.c.ref)) > 1)
    )
    other = select(owned.c.household_id).where(owned.c.kind != "residential")
    return [_household_rule("property", scope, owned, homes.union(other))]


def income(scope: Scope) -> list[Select]:
    year = date(scope.today.year - 1, 1, 1)
    monthly = case((R.source == "tax_income", R.amount_cents / 12), else_=R.amount_cents)
    # the list of sources as well as the OR, so that the planner can look up each person's
    # records by (source, id_hash) instead of scanning every record
    rows = (
        _evidence(
            scope,
            R.source.in_(("tax_income", "housing_fund", "social_insurance")),
            or_(
                and_(R.source == "tax_income", R.start_date >= year),
                and_(
                    R.source == "housing_fund",
                    or_(R.kind.is_(None), R.kind == "paying"),
                    R.amount_cents.is_not(None),
                ),
                and_(R.source == "social_insurance", _current(scope.today)),
            ),
            amount=monthly,
        )
        .add_columns(R.source.label("src"))
        .cte("inc")
    )
    wages = case((rows.c.src == "social_insurance", 0), else_=rows.c.amount)
    benefits = case((rows.c.src == "social_insurance", rows.c.amount), else_=0)
    per_person = (
        select(rows.c.household_id, rows.c.region_code, (func.max(wages) + func.sum(benefits)).label("cents"))
        .group_by(rows.c.household_id, rows.c.person_id, rows.c.region_code)
        .subquery("pp")
    )
    members = _members(scope).subquery("m")
    totals = (
        select(per_person.c.household_id)
        .join(members, members.c.household_id == per_person.c.household_id)
        .group_by(per_person.c.household_id, members.c.n, per_person.c.region_code)
        .having(func.sum(per_person.c.cents) >= _standard(scope, per_person.c.region_code, 0) * members.c.n)
    )
    return [_household_rule("income", scope, rows, totals)]


def deposits(scope: Scope) -> list[Select]:
    rows = _evidence(scope, and_(R.source == "housing_fund", R.balance_cents > 0), amount=R.balance_cents)
    rows = rows.cte("dep")
    members = _members(scope).subquery("m")
    over = (
        select(rows.c.household_id)
        .join(members, members.c.household_id == rows.c.household_id)
        .group_by(rows.c.household_id, members.c.n, rows.c.region_code)
        .having(func.sum(rows.c.amount) > _standard(scope, rows.c.region_code, 1) * members.c.n)
    )
    return [_household_rule("deposits", scope, rows, over)]


def _years_before(session: AsyncSession, column, years: int):
    if session.bind.dialect.name == "postgresql":
        return column - literal_column(f"interval '{int(years)} years'")
    return func.date(column, f"-{int(years)} years")


def age(scope: Scope, session: AsyncSession) -> list[Select]:
    if scope.touched is not None:
        return []
    out = []
    for years in (60, 18):
        en = enrolled(scope)
        try:
            threshold = scope.today.replace(year=scope.today.year - years)
        except ValueError:  # 29 February
            threshold = date(scope.today.year - years, 2, 28)
        out.append(
            select(
                *_warning_row(
                    "age", en, evidence=literal(f"age:{years}"), detail=literal(f"年满 {years} 周岁")
                )
            ).where(
                en.c.birth_date <= threshold, en.c.birth_date > _years_before(session, en.c.start_date, years)
            )
        )
    return out


def approval_overdue(scope: Scope) -> list[Select]:
    if scope.touched is not None:
        return []
    a = Application
    due = case(
        (and_(a.step_due_on.is_not(None), a.step_due_on < scope.today), a.step_due_on), else_=a.total_due_on
    )
    null_int = literal(None, Integer())
    return [
        select(
            literal("approval_overdue"),
            literal(RULES["approval_overdue"].severity),
            literal("a:") + cast(a.id, String),
            a.status + literal(":") + cast(due, String),
            null_int,
            a.household_id,
            null_int,
            a.id,
            a.region_code,
            null_int,
            null_int,
            literal("申请 ") + a.reference,
            literal(WarningStatus.OPEN.value),
            literal(utcnow()),
        ).where(
            a.status.in_(assistance_rules.STEPS),
            a.region_code.like(scope.prefix + "%"),
            or_(a.step_due_on < scope.today, a.total_due_on < scope.today),
        )
    ]


def survival_overdue(scope: Scope) -> list[Select]:
    """A recipient whose survival check fell due and was not done (one warning per due date)."""
    en = enrolled(scope)
    return [
        select(
            *_warning_row(
                "survival_overdue",
                en,
                evidence=literal("due:") + cast(Schedule.next_due, String),
                detail=literal("生存认证应于 ") + cast(Schedule.next_due, String) + literal(" 前完成"),
            )
        )
        .select_from(en)
        .join(Schedule, Schedule.person_id == en.c.person_id)
        .where(Schedule.active.is_(True), Schedule.next_due < scope.today)
    ]


RULE_SQL = {
    "deceased": deceased,
    "imprisoned": imprisoned,
    "business": business,
    "duplicate": duplicate,
    "staff_relative": staff_relative,
    "hukou_outside": hukou_outside,
    "property": property_,
    "vehicle": vehicle,
    "income": income,
    "deposits": deposits,
    "survival_overdue": survival_overdue,
    "approval_overdue": approval_overdue,
}


async def load_standards(session: AsyncSession, city_code: str, today: date) -> dict[str, tuple[int, int]]:
    """The figures in force on ``today``: the city's and any district's own."""
    rows = await session.execute(
        select(Policy.region_code, Policy.standard_cents, Policy.asset_limit_cents)
        .where(Policy.region_code.like(city_code[:4] + "%"), Policy.effective_from <= today)
        .order_by(Policy.region_code, Policy.effective_from, Policy.id)
    )
    return {code: (standard, limit) for code, standard, limit in rows}  # later rows win


async def run_checks(
    session: AsyncSession, scope: Scope, only: tuple[str, ...] | None = None, progress: dict | None = None
) -> CheckRun:
    """Run the rules (all, or ``only``) in the caller's transaction; counts of new warnings.
    ``progress`` (a dict a page polls) is told which rule is running."""
    started = time.perf_counter()
    if not scope.standards:
        scope.standards = await load_standards(session, scope.city_code, scope.today)
    raised: dict[str, int] = {}
    codes = only or tuple(RULES)
    for done, code in enumerate(codes):
        if progress is not None:
            progress.update(rule=code, done=done, total=len(codes))
        if code == "age":
            statements = age(scope, session)
        else:
            statements = RULE_SQL[code](scope)
        count = 0
        for stmt in statements:
            result = await session.execute(_insert_ignore(session, stmt))
            count += max(result.rowcount or 0, 0)
        raised[code] = count
    return CheckRun(raised=raised, seconds=time.perf_counter() - started)
