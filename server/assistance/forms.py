"""What each social-assistance form carries (typed request structs, parsed by Litestar) and the
questions the office pages render (``server.forms.Field``). The application's own questions are
``answers.STEPS``; their answers are checked once, by ``answers.clean_step``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

from litestar.datastructures import UploadFile

from server import money
from server.assistance import calc
from server.errors import DomainError, Kind
from server.forms import Field

# ---------------------------------------------------------------- citizens


@dataclass
class StartForm:
    benefit: str = ""
    key: str = ""  # the client's idempotency key: the same press twice starts one application


@dataclass
class SubmitForm:
    idem: str = ""


@dataclass
class AnswerForm:
    """Every answer any step of the application asks (a step reads its own); ``idem`` makes a
    repeated submission harmless; ``more`` asks for another household member."""

    idem: str = ""
    more: str = ""
    # applicant, members
    name: str = ""
    id_number: str = ""
    phone: str = ""
    bank_account: str = ""
    relationship: str = ""
    employment: str = ""
    schooling: str = ""
    disability_grade: str = ""
    serious_illness: str = ""
    # hukou, address
    hukou: str = ""
    community: str = ""
    address: str = ""
    # income (calc.INCOME_KINDS), assets, need
    wages: str = ""
    pension: str = ""
    business: str = ""
    farming: str = ""
    transfer: str = ""
    deposits: str = ""
    extra_housing: str = ""
    vehicles: str = ""
    requested: str = ""
    out_of_pocket: str = ""
    reason: str = ""
    # consent
    agree: str = ""
    signer: str = ""

    def answers(self) -> dict[str, str]:
        """The answers as the step checks read them (and the page shows them again)."""
        return {k: v for k, v in asdict(self).items() if k not in ("idem", "more")}


ANSWER_FIELDS = frozenset(f.name for f in fields(AnswerForm))


@dataclass
class UploadForm:
    kind: str = "other"
    photo: UploadFile | None = None


def key_of(raw: str) -> str | None:
    """A client-made idempotency key, cut to the column's length (none when blank)."""
    return raw[:64] or None


# ---------------------------------------------------------------- the office: lists


WORK_FILTERS = (
    Field("q", "姓名、身份证号或编号", required=False),
    Field("benefit", "救助类别", kind="select", required=False),
    Field("status", "环节", kind="select", required=False),
    Field("region", "区域", kind="select", required=False),
    Field("overdue", "只看超期", kind="checkbox", required=False),
)
HOUSEHOLD_FILTERS = (Field("status", "状态", kind="select", required=False),)
HOUSEHOLD_STATUS_LABELS = {"": "全部", "active": "正常", "suspended": "暂停", "stopped": "停止"}


def checked(value: str) -> bool:
    """A ticked filter box, as a link (``true``) or a form (``on``) sends it."""
    return value.lower() in ("true", "on", "1", "yes")


# ---------------------------------------------------------------- the office: one case


@dataclass
class ActForm:
    action: str = ""
    opinion: str = ""
    visit_date: str = ""
    visitors: str = ""
    findings: str = ""
    objection_from: str = ""


VISIT_FIELDS = (
    Field("visit_date", "调查日期", kind="date", required=False),
    Field("visitors", "调查人员", required=False),
    Field("findings", "调查情况", kind="textarea", required=False),
)
OBJECTION_FIELD = Field("objection_from", "异议人（如有）", required=False)
OPINION_FIELD = Field("opinion", "办理意见", kind="textarea")


# ---------------------------------------------------------------- the office: policies


@dataclass
class PolicyForm:
    region_code: str = ""
    effective_from: str = ""
    standard: str = ""
    asset_limit: str = ""
    floor: str = ""
    tekun_pct: str = ""
    extra_severe_disabled: str = ""
    extra_serious_ill: str = ""
    extra_elderly: str = ""
    extra_single_parent_minor: str = ""
    extra_minor: str = ""

    def clean(self, region_code: str) -> dict:
        """The new policy's terms, or ``policy.invalid``."""
        try:
            return {
                "region_code": region_code,
                "effective_from": date.fromisoformat(self.effective_from),
                "standard_cents": _yuan(self.standard, "standard"),
                "asset_limit_cents": _yuan(self.asset_limit, "asset_limit"),
                "floor_cents": _yuan(self.floor, "floor"),
                "tekun_pct": _percent(self.tekun_pct, 100, 300),
                "extra_pct": {g: _percent(getattr(self, f"extra_{g}"), 0, 100) for g in calc.GROUPS},
            }
        except (ValueError, money.MoneyError):
            raise DomainError("policy.invalid", Kind.INVALID) from None


POLICY_FIELDS = (
    Field("effective_from", "生效日期", kind="date"),
    Field("standard", "低保标准（元/人/月）", kind="money"),
    Field("asset_limit", "存款上限（元/人）", kind="money"),
    Field("floor", "保底金额（元/人/月）", kind="money"),
    Field("tekun_pct", "特困供养标准（低保标准的百分比）", kind="number"),
    *(
        Field(f"extra_{g}", f"{label}：增发百分比", kind="number", required=False)
        for g, label in calc.GROUPS.items()
    ),
)
POLICY_DEFAULTS = {"floor": "0", "tekun_pct": "130", **{f"extra_{g}": "0" for g in calc.GROUPS}}


def _yuan(raw: str, name: str) -> int:
    return money.parse_fen(raw, field=name, high=10**9)


def _percent(raw: str, low: int, high: int) -> int:
    raw = raw.strip() or "0"
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(raw)
    return int(raw)


# ---------------------------------------------------------------- the office: households


@dataclass
class ChangeForm:
    income: str = ""
    member_died: str = ""
    reason: str = ""

    def income_cents(self) -> int | None:
        """The new monthly income, or None to keep it (a bad amount is a plain form error)."""
        return money.parse_optional_fen(self.income, field="income", high=10**9)

    def member(self) -> int | None:
        died = self.member_died.strip()
        return int(died) if died.isdigit() and len(died) < 19 else None


CHANGE_FIELDS = (
    Field("income", "新的家庭月收入合计（元，不变则留空）", kind="money", required=False),
    Field("member_died", "去世的成员", kind="select", required=False, hint="登记死亡须经区县审批后生效。"),
    Field("reason", "变更原因", kind="textarea"),
)


@dataclass
class StatusForm:
    status: str = ""
    reason: str = ""


STATUS_FIELDS = (
    Field("status", "变更为", kind="select", hint="暂停、停止发放须经区县审批后生效；恢复发放即时生效。"),
    Field("reason", "原因", kind="textarea"),
)


# ---------------------------------------------------------------- the office: status proposals


@dataclass
class DecideForm:
    decision: str = ""
    opinion: str = ""


DECISIONS = {"approve": "批准", "reject": "不予批准"}
LAPSE_DECISIONS = {"approve": "确认暂停发放", "reject": "不暂停（解除）"}
DECIDE_FIELDS = (
    Field("decision", "审批决定", kind="radios"),
    Field("opinion", "审批意见", kind="textarea", hint="请写明理由；驳回时家庭的待遇不变。"),
)


@dataclass
class WithdrawForm:
    opinion: str = ""


# ---------------------------------------------------------------- the office: payment rolls


@dataclass
class RollForm:
    region_code: str = ""
    month: str = ""


ROLL_FIELDS = (
    Field("month", "月份", kind="month"),
    Field("region_code", "区县", kind="select"),
)
