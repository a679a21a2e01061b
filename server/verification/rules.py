"""The verification rules, as a catalogue and plain decisions (no web, no database).

Each rule has a code, a Chinese label (the name bureaus use: 死亡保, 服刑保 ...), a severity,
and what it proposes for the household in a review: ``cancel`` (the household no longer
qualifies), ``adjust`` (recalculate: a member died, is in prison, crossed an age threshold) or
``check`` (a person must look: a staff relative, an overdue check). The SQL that finds the hits
is in ``checks.py``; what a hit means for the household is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    label_en: str
    severity: str  # high | medium | low
    proposal: str  # cancel | adjust | check
    explain: str


RULES: dict[str, Rule] = {r.code: r for r in (
    Rule("deceased", "死亡保", "Deceased", "high", "adjust", "在保人员有死亡或火化记录"),
    Rule("imprisoned", "服刑保", "In prison", "high", "adjust", "在保人员正在服刑"),
    Rule("business", "法人保", "Business owner", "medium", "cancel", "在保人员是企业法定代表人或股东"),
    Rule("duplicate", "重复保", "Paid twice", "high", "cancel", "在外地或以另一类别重复享受救助"),
    Rule("staff_relative", "关系保", "Staff relative", "medium", "check", "在保人员是民政干部或其近亲属，须备案审查"),
    Rule("hukou_outside", "户籍外市", "Hukou outside the city", "medium", "cancel", "户籍已不在本市"),
    Rule("property", "房产超标", "Property", "medium", "cancel", "家庭有非住宅房产或住房超过一套"),
    Rule("vehicle", "车辆", "Vehicle", "medium", "cancel", "家庭有机动车（残疾人专用车除外）"),
    Rule("income", "收入超标", "Income over the limit", "high", "cancel", "核对到的家庭人均月收入不低于救助标准"),
    Rule("deposits", "存款超标", "Savings over the limit", "medium", "cancel", "公积金等存款超过家庭财产限额"),
    Rule("age", "年龄跨档", "Age threshold", "low", "adjust", "成员年满 60 或 18 周岁，须重新核算"),
    Rule("survival_overdue", "生存认证逾期", "Survival check overdue", "medium", "check", "逾期未完成生存认证"),
    Rule("approval_overdue", "审批超期", "Approval overdue", "low", "check", "申请超过办理时限未办结"),
)}  # fmt: skip

SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}
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


def monthly_income_cents(source: str, kind: str | None, amount_cents: int) -> int:
    """What a record adds to a person's monthly income (the SQL in ``checks.py`` says the same):
    tax income is yearly (÷12); the housing-fund base is the monthly wage; insurance pays monthly."""
    if source == "tax_income":
        return amount_cents // 12
    return amount_cents


def over_income(total_monthly_cents: int, members: int, standard_cents: int) -> bool:
    """A household is over the limit when its verified income per person reaches the standard."""
    return members > 0 and total_monthly_cents >= standard_cents * members


def over_assets(deposits_cents: int, members: int, limit_per_person_cents: int) -> bool:
    return members > 0 and deposits_cents > limit_per_person_cents * members


def suggested_action(rule: str, members: int, members_gone: int) -> str:
    """The action a clerk is offered first when confirming a warning."""
    proposal = household_proposal({rule}, members, members_gone)
    return {"cancel": "stop", "adjust": "recalculate"}.get(proposal or "", "none")
