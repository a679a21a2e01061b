"""The verification rules, as a catalogue and plain decisions (no web, no database).

Each rule has a code, a Chinese label (the name bureaus use: 死亡保, 服刑保 ...), a severity,
and what it proposes for the household in a review: ``cancel`` (the household no longer
qualifies), ``adjust`` (recalculate: a member died, is in prison, crossed an age threshold) or
``check`` (a person must look: a staff relative, an overdue check). The SQL that finds the hits
is in ``checks.py``; what a hit means for the household is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from server.assistance.calc import MONTHLY
from server.errors import DomainError, Kind


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    label_en: str
    severity: str  # high | medium | low
    proposal: str  # cancel | adjust | check
    explain: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("deceased", "死亡保", "Deceased", "high", "adjust", "在保人员有死亡或火化记录"),
        Rule("imprisoned", "服刑保", "In prison", "high", "adjust", "在保人员正在服刑"),
        Rule("business", "法人保", "Business owner", "medium", "cancel", "在保人员是企业法定代表人或股东"),
        Rule("duplicate", "重复保", "Paid twice", "high", "cancel", "在外地或以另一类别重复享受救助"),
        Rule(
            "staff_relative",
            "关系保",
            "Staff relative",
            "medium",
            "check",
            "在保人员是民政干部或其近亲属，须备案审查",
        ),
        Rule("hukou_outside", "户籍外市", "Hukou outside the city", "medium", "cancel", "户籍已不在本市"),
        Rule("property", "房产超标", "Property", "medium", "cancel", "家庭有非住宅房产或住房超过一套"),
        Rule("vehicle", "车辆", "Vehicle", "medium", "cancel", "家庭有机动车（残疾人专用车除外）"),
        Rule(
            "income",
            "收入超标",
            "Income over the limit",
            "high",
            "cancel",
            "核对到的家庭人均月收入不低于救助标准",
        ),
        Rule(
            "deposits",
            "存款超标",
            "Savings over the limit",
            "medium",
            "cancel",
            "公积金等存款超过家庭财产限额",
        ),
        Rule("age", "年龄跨档", "Age threshold", "low", "adjust", "成员年满 60 或 18 周岁，须重新核算"),
        Rule(
            "survival_overdue",
            "生存认证逾期",
            "Survival check overdue",
            "medium",
            "check",
            "逾期未完成生存认证",
        ),
        Rule("approval_overdue", "审批超期", "Approval overdue", "low", "check", "申请超过办理时限未办结"),
    )
}

SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}
GONE = ("deceased", "imprisoned")  # the member no longer counts in the household


# ------------------------------------------------------------------ workflows, as data
#
# Each record the center keeps moves only through its table: ``(state, action) -> new state``.
# Anything not listed is refused (a conflict: the record is no longer in that state); a state with
# no way out is final. The services move single records with ``move`` and sets of records with an
# UPDATE ``WHERE status IN sources(action)`` to ``target(action)``, so a bulk change obeys the same
# table as a single one.


@dataclass(frozen=True)
class Workflow:
    name: str
    transitions: Mapping[tuple[str, str], str]
    refused: str  # the message code of a move the table does not allow

    def move(self, current: str, action: str) -> str:
        """The state ``action`` takes a record in ``current`` to, or a conflict."""
        new = self.transitions.get((current, action))
        if new is None:
            raise DomainError(self.refused, Kind.CONFLICT)
        return str(new)

    def sources(self, action: str) -> tuple[str, ...]:
        """The states ``action`` may start from (for set-based updates)."""
        return tuple(sorted({str(state) for (state, a) in self.transitions if a == action}))

    def target(self, action: str) -> str:
        """Where ``action`` lands (each action lands in one state, whatever it starts from)."""
        (new,) = {str(new) for (_, a), new in self.transitions.items() if a == action}
        return new

    def states(self) -> set[str]:
        return {str(s) for pair in self.transitions for s in (pair[0], self.transitions[pair])}

    def final(self) -> set[str]:
        return self.states() - {state for (state, _) in self.transitions}


class WarningStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


class WarningDecision(StrEnum):
    CONFIRM = "confirm"  # the facts hold: act on the benefit (or not) through the assistance workflow
    DISMISS = "dismiss"  # the facts do not hold
    WITHDRAW = "withdraw"  # the import that raised it was rolled back


WARNINGS = Workflow(
    "warning",
    {
        (WarningStatus.OPEN, WarningDecision.CONFIRM): WarningStatus.CONFIRMED,
        (WarningStatus.OPEN, WarningDecision.DISMISS): WarningStatus.DISMISSED,
        (WarningStatus.OPEN, WarningDecision.WITHDRAW): WarningStatus.WITHDRAWN,
    },
    "verification.handled",
)
STATUS_LABELS = {
    WarningStatus.OPEN: "待处理",
    WarningStatus.CONFIRMED: "已核实",
    WarningStatus.DISMISSED: "已排除",
    WarningStatus.WITHDRAWN: "已撤回",
}
DECISION_LABELS = {WarningDecision.CONFIRM: "情况属实，处理", WarningDecision.DISMISS: "情况不属实，排除"}


class WarningAction(StrEnum):
    """What confirming a warning does to the household's benefit (through the enrolment workflow)."""

    SUSPEND = "suspend"
    STOP = "stop"
    RECALCULATE = "recalculate"
    NONE = "none"


ACTIONS = tuple(WarningAction)
ACTION_LABELS = {
    WarningAction.SUSPEND: "暂停发放",
    WarningAction.STOP: "停止救助",
    WarningAction.RECALCULATE: "重新核算",
    WarningAction.NONE: "核实无误，不需处理",
}
ENROLMENT_STATUS_OF = {WarningAction.SUSPEND: "suspended", WarningAction.STOP: "stopped"}


def warning_decision(current: str, decision: str, action: str, reason: str) -> tuple[str, str | None]:
    """A clerk's decision on a warning: the new status and the action kept with it. Refused when
    the warning is no longer open (conflict), without a reason, or with an unknown decision or
    action (invalid). Withdrawing is the rollback's, not a clerk's."""
    if current != WarningStatus.OPEN:
        raise DomainError("verification.handled", Kind.CONFLICT)
    if not reason.strip():
        raise DomainError("verification.reason", Kind.INVALID, field="reason")
    if decision not in DECISION_LABELS or (decision == WarningDecision.CONFIRM and action not in ACTIONS):
        raise DomainError("verification.action", Kind.INVALID, field="action")
    new = WARNINGS.move(current, decision)
    return new, (str(WarningAction(action)) if decision == WarningDecision.CONFIRM else None)


class MatchStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class MatchDecision(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"  # a person said no, or another candidate of the same record was confirmed


MATCHES = Workflow(
    "match",
    {
        (MatchStatus.PENDING, MatchDecision.CONFIRM): MatchStatus.CONFIRMED,
        (MatchStatus.PENDING, MatchDecision.REJECT): MatchStatus.REJECTED,
    },
    "verification.handled",
)


class ImportStatus(StrEnum):
    LOADING = "loading"
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"


class ImportAction(StrEnum):
    ACTIVATE = "activate"  # every row checked and loaded: the live version
    FAIL = "fail"  # refused, broken, or the server stopped while loading: nothing kept
    SUPERSEDE = "supersede"  # a newer full snapshot of the source replaced it
    RESTORE = "restore"  # the snapshot that replaced it was rolled back
    ROLL_BACK = "roll_back"  # an officer took the version back


IMPORTS = Workflow(
    "import",
    {
        (ImportStatus.LOADING, ImportAction.ACTIVATE): ImportStatus.ACTIVE,
        (ImportStatus.LOADING, ImportAction.FAIL): ImportStatus.FAILED,
        (ImportStatus.ACTIVE, ImportAction.SUPERSEDE): ImportStatus.SUPERSEDED,
        (ImportStatus.SUPERSEDED, ImportAction.RESTORE): ImportStatus.ACTIVE,
        (ImportStatus.ACTIVE, ImportAction.ROLL_BACK): ImportStatus.ROLLED_BACK,
        (ImportStatus.SUPERSEDED, ImportAction.ROLL_BACK): ImportStatus.ROLLED_BACK,
    },
    "verification.not_live",
)
LIVE_IMPORTS = (ImportStatus.ACTIVE, ImportStatus.SUPERSEDED)  # the versions a page counts rows of


class ImportMode(StrEnum):
    APPEND = "append"
    REPLACE = "replace"


MODE_LABELS = {ImportMode.APPEND: "追加", ImportMode.REPLACE: "全量替换（替换上一版本）"}


def import_mode(value: str) -> ImportMode | None:
    """The mode chosen on the form or in a pushed body; anything else means the source's default."""
    return ImportMode(value) if value in tuple(ImportMode) else None


class ReviewStatus(StrEnum):
    RUNNING = "running"
    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"


class ReviewAction(StrEnum):
    FINISH_RUN = "finish_run"  # every household checked: open for processing
    FAIL = "fail"  # the run broke, or the server stopped during it: nothing kept
    PROCESS = "process"  # households decided in bulk (the review stays open)
    CLOSE = "close"  # the counts bureaus report are taken


REVIEWS = Workflow(
    "review",
    {
        (ReviewStatus.RUNNING, ReviewAction.FINISH_RUN): ReviewStatus.OPEN,
        (ReviewStatus.RUNNING, ReviewAction.FAIL): ReviewStatus.FAILED,
        (ReviewStatus.OPEN, ReviewAction.PROCESS): ReviewStatus.OPEN,
        (ReviewStatus.OPEN, ReviewAction.CLOSE): ReviewStatus.CLOSED,
    },
    "verification.review_closed",
)
REVIEW_STATUS_LABELS = {
    ReviewStatus.RUNNING: "正在核对",
    ReviewStatus.OPEN: "进行中",
    ReviewStatus.CLOSED: "已结束",
    ReviewStatus.FAILED: "未完成",
}


class Proposal(StrEnum):
    CANCEL = "cancel"
    ADJUST = "adjust"
    CHECK = "check"


class Outcome(StrEnum):
    """What was done with a household a review proposed (an item is undecided until then)."""

    CANCELLED = "cancelled"
    ADJUSTED = "adjusted"
    KEPT = "kept"


@dataclass(frozen=True)
class BulkChoice:
    outcome: Outcome
    action: WarningAction  # kept on the household's open warnings
    decision: WarningDecision  # what becomes of them


# what the officer may choose for the households she ticked, and what it does
BULK_CHOICES = {
    "cancel": BulkChoice(Outcome.CANCELLED, WarningAction.STOP, WarningDecision.CONFIRM),
    "adjust": BulkChoice(Outcome.ADJUSTED, WarningAction.RECALCULATE, WarningDecision.CONFIRM),
    "keep": BulkChoice(Outcome.KEPT, WarningAction.NONE, WarningDecision.DISMISS),
}
OUTCOME_LABELS = {Outcome.CANCELLED: "已取消", Outcome.ADJUSTED: "已调整", Outcome.KEPT: "维持"}


def bulk_choice(outcome: str, reason: str) -> BulkChoice:
    if not reason.strip():
        raise DomainError("verification.reason", Kind.INVALID, field="reason")
    if outcome not in BULK_CHOICES:
        raise DomainError("verification.action", Kind.INVALID, field="outcome")
    return BULK_CHOICES[outcome]


def is_city_region(region_code: str | None) -> bool:
    """Uploads, error files and rollbacks are the city center's (the rows are the departments')."""
    return bool(region_code) and len(region_code) == 6 and region_code.endswith("00")


def ensure_city(region_code: str | None) -> None:
    if not is_city_region(region_code):
        raise DomainError("verification.city_only", Kind.FORBIDDEN)


def household_proposal(rules_hit: set[str], members: int, members_gone: int) -> str | None:
    """What a review proposes for a household, given the rules that hit its members.

    >>> household_proposal({"deceased"}, members=3, members_gone=1)
    'adjust'
    >>> household_proposal({"deceased"}, members=1, members_gone=1)
    'cancel'
    >>> household_proposal({"vehicle", "age"}, members=2, members_gone=0)
    'cancel'
    """
    if not rules_hit:
        return None
    proposals = {RULES[r].proposal for r in rules_hit if r in RULES}
    if Proposal.CANCEL in proposals or (members_gone and members_gone >= members):
        return Proposal.CANCEL.value
    if Proposal.ADJUST in proposals:
        return Proposal.ADJUST.value
    return Proposal.CHECK.value


def over_income(total_monthly_cents: int | Fraction, members: int, standard_cents: int) -> bool:
    """A household is over the limit when its verified income per person reaches the standard."""
    return members > 0 and total_monthly_cents >= standard_cents * members


def over_assets(deposits_cents: int, members: int, limit_per_person_cents: int) -> bool:
    return members > 0 and deposits_cents > limit_per_person_cents * members


def suggested_action(rule: str, members: int, members_gone: int) -> str:
    """The action a clerk is offered first when confirming a warning."""
    proposal = household_proposal({rule}, members, members_gone)
    return {Proposal.CANCEL: WarningAction.STOP, Proposal.ADJUST: WarningAction.RECALCULATE}.get(
        proposal, WarningAction.NONE
    )


# ------------------------------------------------------------------ one household, in Python
#
# The same rules as the SQL of ``checks.py``, over the records of one household held in memory:
# for the report a street reviewer attaches to an application, before anyone is enrolled (the
# SQL rules read only enrolled people). A test keeps the two in step on a generated city.


@dataclass(frozen=True)
class Fact:
    """One live record, as the rules read it (``person``: whose, any key)."""

    person: str
    source: str
    kind: str | None = None
    ref: str | None = None
    region_code: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    amount_cents: int | None = None
    balance_cents: int | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    person: str | None  # None: the household as a whole
    facts: tuple[Fact, ...]


def _current(fact: Fact, today: date) -> bool:
    return fact.end_date is None or fact.end_date >= today


def _person_rule(fact: Fact, facts: list[Fact], city_code: str, today: date) -> str | None:
    s = fact.source
    if s == "deaths":
        return "deceased"
    if s == "prisoners" and fact.start_date and fact.start_date <= today and _current(fact, today):
        return "imprisoned"
    if s == "business" and _current(fact, today):
        return "business"
    if s == "staff_relatives":
        return "staff_relative"
    if s == "vehicles" and fact.kind != "disability" and _current(fact, today):
        return "vehicle"
    if s == "other_benefits" and fact.kind in MONTHLY and _current(fact, today):
        return "duplicate"
    if (
        s == "hukou"
        and fact.region_code
        and not fact.region_code.startswith(city_code[:4])
        and fact.kind in (None, "normal")
        and not any(
            o.source == "hukou"
            and o.person == fact.person
            and o.start_date
            and fact.start_date
            and o.start_date > fact.start_date
            for o in facts
        )
    ):
        return "hukou_outside"
    return None


def assess(
    facts: list[Fact], members: int, standard_cents: int, asset_limit_cents: int, city_code: str, today: date
) -> list[Finding]:
    """What the verification rules find in one household's live records (``members``: the
    living members counted for the per-person limits). The rules about records only: age,
    overdue checks and approvals and a second enrolment in the city are the register's, in SQL."""
    found: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        rule = _person_rule(fact, facts, city_code, today)
        if rule:
            found.setdefault((rule, fact.person), []).append(fact)
    out = [Finding(rule, person, tuple(fs)) for (rule, person), fs in found.items()]

    owned = [f for f in facts if f.source == "property" and f.end_date is None]
    homes = {f.ref for f in owned if f.kind == "residential"}
    if len(homes) > 1 or any(f.kind != "residential" for f in owned):
        out.append(Finding("property", None, tuple(owned)))

    income, evidence = monthly_income(facts, today)
    if evidence and over_income(income, members, standard_cents):
        out.append(Finding("income", None, evidence))
    saved = savings(facts)
    if saved and over_assets(sum(f.balance_cents for f in saved), members, asset_limit_cents):
        out.append(Finding("deposits", None, saved))
    return out


def savings(facts: list[Fact]) -> tuple[Fact, ...]:
    """The records that count as the household's savings (housing-fund balances)."""
    return tuple(f for f in facts if f.source == "housing_fund" and (f.balance_cents or 0) > 0)


def monthly_income(facts: list[Fact], today: date) -> tuple[Fraction, tuple[Fact, ...]]:
    """A household's verified monthly income and the records it comes from: per person the
    larger wage (last year's tax income / 12, or the housing-fund base) plus current pensions
    and insurance benefits (exact fractions, as the SQL's numeric division)."""
    year = date(today.year - 1, 1, 1)
    wages: dict[str, Fraction] = {}
    benefits = Fraction(0)
    evidence = []
    for f in facts:
        if f.amount_cents is None:
            continue
        if f.source == "tax_income" and f.start_date and f.start_date >= year:
            wages[f.person] = max(wages.get(f.person, Fraction(0)), Fraction(f.amount_cents, 12))
        elif f.source == "housing_fund" and f.kind in (None, "paying"):
            wages[f.person] = max(wages.get(f.person, Fraction(0)), Fraction(f.amount_cents))
        elif f.source == "social_insurance" and _current(f, today):
            benefits += f.amount_cents
        else:
            continue
        evidence.append(f)
    return sum(wages.values(), benefits), tuple(evidence)
