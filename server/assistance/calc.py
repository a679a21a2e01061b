"""The benefit, as a pure function of the household and the policy.

Money is integer fen (cents). The minimum living allowance (低保) pays the gap between the local
standard and the household's income per person, for every member, plus an extra percentage of the
standard for each member in a priority group (the highest group that applies), never less than
the floor. Extreme-poverty support (特困) pays the standard times the policy's multiplier per
supported person. Temporary (临时) and medical (医疗) assistance are one-off amounts within caps.
Every step is returned as a line, so staff can read the calculation and nobody types an amount."""

from __future__ import annotations

from dataclasses import dataclass, field

BENEFITS = {"dibao": "最低生活保障", "tekun": "特困人员救助供养", "linshi": "临时救助", "yiliao": "医疗救助"}
MONTHLY = ("dibao", "tekun")
INCOME_KINDS = {
    "wages": "工资性收入",
    "pension": "养老金",
    "business": "经营性收入",
    "farming": "农业收入",
    "transfer": "转移性收入",
}
INCOME_LABELS = {**INCOME_KINDS, "total": "各项收入合计"}
GROUPS = {
    "severe_disabled": "重度残疾（一、二级）",
    "serious_ill": "重病",
    "elderly": "老年人（60岁以上）",
    "single_parent_minor": "单亲家庭未成年人",
    "minor": "未成年人",
}
ELDERLY_AGE, ADULT_AGE = 60, 18


@dataclass(frozen=True)
class PolicyTerms:
    standard_cents: int  # monthly low-income standard per person
    asset_limit_cents: int  # deposits per person
    extra_pct: dict[str, int] = field(default_factory=dict)  # group -> percent of the standard
    tekun_pct: int = 130  # 特困: at least 1.3 x the standard
    floor_cents: int = 0  # per person
    linshi_months: int = 3  # temporary assistance: at most this many months of the standard
    yiliao_rate_pct: int = 70  # medical assistance: share of the out-of-pocket cost
    yiliao_cap_cents: int = 3_000_000


@dataclass(frozen=True)
class Member:
    name: str
    age: int
    disability_grade: int | None = None
    serious_illness: bool = False


@dataclass(frozen=True)
class Household:
    members: tuple[Member, ...]
    income_cents: dict[str, int] = field(default_factory=dict)  # kind -> monthly amount
    deposits_cents: int = 0
    extra_housing: int = 0  # homes beyond the one lived in
    vehicles: int = 0  # vehicles other than disability vehicles
    single_parent: bool = False
    requested_cents: int = 0  # temporary assistance: the need stated
    out_of_pocket_cents: int = 0  # medical assistance: costs after insurance


@dataclass(frozen=True)
class Line:
    label: str
    amount_cents: int
    member: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Calculation:
    eligible: bool
    amount_cents: int
    lines: tuple[Line, ...]
    reasons: tuple[str, ...] = ()  # error codes when not eligible


def groups_of(member: Member, single_parent: bool) -> list[str]:
    groups = []
    if member.disability_grade in (1, 2):
        groups.append("severe_disabled")
    if member.serious_illness:
        groups.append("serious_ill")
    if member.age >= ELDERLY_AGE:
        groups.append("elderly")
    if member.age < ADULT_AGE:
        groups.append("single_parent_minor" if single_parent else "minor")
    return groups


def best_group(member: Member, single_parent: bool, extra_pct: dict[str, int]) -> tuple[str, int] | None:
    """The member's priority group with the highest extra percentage under this policy."""
    options = [(g, extra_pct.get(g, 0)) for g in groups_of(member, single_parent)]
    options = [o for o in options if o[1] > 0]
    return max(options, key=lambda o: o[1]) if options else None


def yuan(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def calculate(benefit: str, household: Household, policy: PolicyTerms) -> Calculation:
    n = len(household.members)
    if n == 0:
        return Calculation(False, 0, (), ("calc.no_members",))
    income = sum(household.income_cents.values())
    lines = [
        Line(f"家庭月收入（{INCOME_LABELS.get(k, k)}）", v, rule="income")
        for k, v in household.income_cents.items()
        if v
    ]
    if benefit == "linshi":
        cap = policy.standard_cents * policy.linshi_months
        amount = min(household.requested_cents, cap)
        lines += [
            Line("申请救助金额", household.requested_cents),
            Line(f"上限：{policy.linshi_months}个月低保标准", cap),
            Line("临时救助金额", amount, rule="linshi"),
        ]
        return Calculation(amount > 0, amount, tuple(lines), () if amount > 0 else ("calc.no_need",))
    if benefit == "yiliao":
        amount = min(household.out_of_pocket_cents * policy.yiliao_rate_pct // 100, policy.yiliao_cap_cents)
        lines += [
            Line("自付医疗费用", household.out_of_pocket_cents),
            Line(
                f"救助比例 {policy.yiliao_rate_pct}%，封顶 {yuan(policy.yiliao_cap_cents)} 元",
                amount,
                rule="yiliao",
            ),
        ]
        return Calculation(amount > 0, amount, tuple(lines), () if amount > 0 else ("calc.no_need",))

    per_person = income // n
    reasons = []
    if per_person >= policy.standard_cents:
        reasons.append("calc.income_over")
    if household.deposits_cents // n > policy.asset_limit_cents:
        reasons.append("calc.assets_over")
    if household.vehicles:
        reasons.append("calc.vehicle")
    if household.extra_housing:
        reasons.append("calc.housing")
    lines.append(Line(f"人均月收入（{n}人）", per_person, rule="per_person"))
    lines.append(Line("当地低保标准（每人每月）", policy.standard_cents, rule="standard"))
    if reasons:
        return Calculation(False, 0, tuple(lines), tuple(reasons))

    if benefit == "tekun":
        each = policy.standard_cents * policy.tekun_pct // 100
        lines += [
            Line(f"特困供养标准：低保标准 × {policy.tekun_pct}%", each, m.name, "tekun")
            for m in household.members
        ]
        amount = each * n
        lines.append(Line("每月供养金额", amount, rule="total"))
        return Calculation(True, amount, tuple(lines))

    gap = policy.standard_cents * n - income
    lines.append(Line(f"差额：（标准 − 人均收入）× {n}人", gap, rule="gap"))
    extras = 0
    for member in household.members:
        group = best_group(member, household.single_parent, policy.extra_pct)
        if group:
            extra = policy.standard_cents * group[1] // 100
            extras += extra
            lines.append(Line(f"{GROUPS[group[0]]}：增发标准的 {group[1]}%", extra, member.name, group[0]))
    amount = gap + extras
    floor = policy.floor_cents * n
    if amount < floor:
        lines.append(Line(f"低于保底金额，按每人 {yuan(policy.floor_cents)} 元发放", floor, rule="floor"))
        amount = floor
    lines.append(Line("每月救助金额", amount, rule="total"))
    return Calculation(True, amount, tuple(lines))
