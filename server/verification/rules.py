"""The verification rules, as a catalogue and plain decisions (no web, no database).

Each rule has a code, a Chinese label (the name bureaus use: 死亡保, 服刑保 ...), a severity,
and what it proposes for the household in a review: ``cancel`` (the household no longer
qualifies), ``adjust`` (recalculate: a member died, is in prison, crossed an age threshold) or
``check`` (a person must look: a staff relative, an overdue check). The SQL that finds the hits
is in ``checks.py``; what a hit means for the household is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from server.assistance.calc import MONTHLY


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
STATUS_LABELS = {"open": "待处理", "confirmed": "已核实", "dismissed": "已排除", "withdrawn": "已撤回"}
ACTIONS = ("suspend", "stop", "recalculate", "none")
ACTION_LABELS = {
    "suspend": "暂停发放",
    "stop": "停止救助",
    "recalculate": "重新核算",
    "none": "核实无误，不需处理",
}
GONE = ("deceased", "imprisoned")  # the member no longer counts in the household


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
    if "cancel" in proposals or (members_gone and members_gone >= members):
        return "cancel"
    if "adjust" in proposals:
        return "adjust"
    return "check"


def over_income(total_monthly_cents: int | Fraction, members: int, standard_cents: int) -> bool:
    """A household is over the limit when its verified income per person reaches the standard."""
    return members > 0 and total_monthly_cents >= standard_cents * members


def over_assets(deposits_cents: int, members: int, limit_per_person_cents: int) -> bool:
    return members > 0 and deposits_cents > limit_per_person_cents * members


def suggested_action(rule: str, members: int, members_gone: int) -> str:
    """The action a clerk is offered first when confirming a warning."""
    proposal = household_proposal({rule}, members, members_gone)
    return {"cancel": "stop", "adjust": "recalculate"}.get(proposal or "", "none")


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
