"""The application form: its steps (one question per screen), the checks on each answer, and the
household the benefit is computed from. Plain functions over plain dicts: no web, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from server import money
from server.assistance import calc
from server.forms import Field
from server.people import idcard
from server.phones import normalise_phone

RELATIONSHIPS = {
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "grandparent": "祖父母",
    "sibling": "兄弟姐妹",
    "other": "其他",
}
EMPLOYMENT = {
    "employed": "在业",
    "unemployed": "失业",
    "unable": "丧失劳动能力",
    "retired": "退休",
    "student": "在校学生",
    "child": "学龄前儿童",
}
DOCUMENT_KINDS = {
    "id_card": "身份证",
    "hukou": "户口簿",
    "disability": "残疾证",
    "medical": "病历或诊断证明",
    "income": "收入证明",
    "other": "其他材料",
}


GRADES = {"": "无残疾", "1": "一级", "2": "二级", "3": "三级", "4": "四级"}

KIND_FIELD = Field("kind", "材料类型", kind="select", options=DOCUMENT_KINDS)


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    question: str
    fields: tuple[Field, ...] = ()
    benefits: tuple[str, ...] = ("dibao", "tekun", "linshi", "yiliao")

    def field_map(self) -> dict[str, Field]:
        """The step's questions by name (the error summary names each error by its question)."""
        return {f.name: f for f in self.fields}


MONEY_HINT = "按每月金额填写，单位：元；没有请填 0"
STEPS: tuple[Step, ...] = (
    Step(
        "applicant",
        "申请人",
        "请填写申请人的姓名和身份证号码",
        (
            Field("name", "姓名", autocomplete="name"),
            Field("id_number", "身份证号码", hint="18位，最后一位可能是X", autocomplete="off"),
            Field("phone", "手机号码", inputmode="tel", autocomplete="tel-national", hint="用于通知办理进度"),
            Field(
                "bank_account",
                "收款银行卡号",
                inputmode="numeric",
                hint="救助金将发放到这张卡（本人名下）",
                autocomplete="off",
            ),
        ),
    ),
    Step("hukou", "户籍", "申请人的户口在哪里？", (Field("hukou", "户籍所在地", kind="select"),)),
    Step(
        "address",
        "居住地",
        "申请人现在住在哪里？",
        (
            Field("community", "所在社区（村）", kind="select"),
            Field("address", "详细地址", hint="例如：解放街12号3单元201室", autocomplete="street-address"),
        ),
    ),
    Step(
        "members",
        "家庭成员",
        "和申请人一起生活的家庭成员有哪些？",
        (
            Field("name", "姓名"),
            Field("id_number", "身份证号码"),
            Field("relationship", "与申请人的关系", kind="select", options=RELATIONSHIPS),
            Field("employment", "就业或上学状况", kind="select", options=EMPLOYMENT),
            Field("schooling", "就读学校或年级", required=False, hint="在校学生填写，例如：中山小学三年级"),
            Field("disability_grade", "残疾等级", kind="select", required=False, options=GRADES),
            Field("serious_illness", "患有重病", kind="checkbox", required=False),
        ),
    ),
    Step(
        "health",
        "健康状况",
        "申请人是否有残疾或重病？",
        (
            Field("disability_grade", "残疾等级", kind="select", required=False, options=GRADES),
            Field("serious_illness", "患有重病", kind="checkbox", required=False),
            Field("employment", "就业状况", kind="select", options=EMPLOYMENT),
        ),
    ),
    Step(
        "income",
        "收入",
        "全家每月有哪些收入？",
        tuple(
            Field(kind_, label, kind="number", hint=MONEY_HINT, inputmode="decimal")
            for kind_, label in calc.INCOME_KINDS.items()
        ),
    ),
    Step(
        "assets",
        "财产",
        "全家有哪些财产？",
        (
            Field("deposits", "存款、理财合计（元）", kind="number", inputmode="decimal"),
            Field("extra_housing", "除自住外的其他住房（套）", kind="number", inputmode="numeric"),
            Field("vehicles", "机动车（辆，残疾人功能性补偿代步车不计）", kind="number", inputmode="numeric"),
        ),
    ),
    Step(
        "need",
        "困难情况",
        "请说明遇到的困难",
        (
            Field("requested", "需要救助的金额（元）", kind="number", inputmode="decimal", required=False),
            Field(
                "out_of_pocket",
                "医保报销后自付的医疗费用（元）",
                kind="number",
                inputmode="decimal",
                required=False,
            ),
            Field("reason", "困难情况说明", kind="textarea"),
        ),
    ),
    Step("documents", "证明材料", "请拍照上传证明材料（可稍后补交）"),
    Step(
        "consent",
        "授权核对",
        "授权民政部门核对家庭经济状况",
        (
            Field(
                "agree",
                "我同意民政部门向公安、人社、住建、市场监管、税务、公积金等部门核对本人及家庭成员的收入和财产状况，"
                "并承诺所填信息真实。",
                kind="checkbox",
            ),
            Field("signer", "签名（请输入申请人姓名）"),
        ),
    ),
)
STEP_NAMES = tuple(s.name for s in STEPS)
BY_NAME = {s.name: s for s in STEPS}


class AnswerError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def _cents(raw: str, field_name: str, errors: dict[str, str], required: bool = True) -> int:
    """Fen of a typed amount (see server.money); a blank optional amount is 0."""
    if not money.normalise(raw):
        if required:
            errors[field_name] = "form.required"
        return 0
    try:
        return money.parse_fen(raw, field=field_name)
    except money.MoneyError as e:
        errors[field_name] = e.code
        return 0


def _count(raw: str, field_name: str, errors: dict[str, str]) -> int:
    raw = (raw or "0").strip() or "0"
    if not raw.isdigit() or int(raw) > 99:
        errors[field_name] = "form.count"
        return 0
    return int(raw)


def clean_person(form: dict[str, str], today: date) -> tuple[dict, idcard.ResidentId | None, dict[str, str]]:
    errors: dict[str, str] = {}
    name = (form.get("name") or "").strip()
    if not name or len(name) > 30:
        errors["name"] = "name.required"
    rid = None
    try:
        rid = idcard.parse(form.get("id_number") or "", today)
    except idcard.IdNumberError as e:
        errors["id_number"] = e.code
    return {"name": name}, rid, errors


def _clean_applicant(form: dict[str, str], today: date, errors: dict[str, str]) -> dict:
    out, rid, person_errors = clean_person(form, today)
    errors.update(person_errors)
    phone = normalise_phone(form.get("phone") or "")
    if phone is None:
        errors["phone"] = "otp.phone"
    bank = re.sub(r"[\s-]", "", form.get("bank_account") or "")
    if not re.fullmatch(r"\d{12,30}", bank):
        errors["bank_account"] = "bank.format"
    return {**out, "phone": phone, "_rid": rid, "_bank": bank}


def _clean_place(step: str, form: dict[str, str], choices: dict[str, dict[str, str]], errors: dict) -> dict:
    """hukou and address: a choice from the city's regions, and free text."""
    out = {}
    for f in BY_NAME[step].fields:
        value = (form.get(f.name) or "").strip()
        if f.kind == "select" and value not in choices.get(f.name, {}):
            errors[f.name] = "form.choose"
        elif not value or len(value) > 200:
            errors[f.name] = "form.required"
        out[f.name] = value
    return out


def _choice(form: dict[str, str], name: str, options, errors: dict[str, str]) -> str:
    value = form.get(name) or ""
    if value not in options:
        errors[name] = "form.choose"
    return value


def _clean_member(form: dict[str, str], today: date, errors: dict[str, str]) -> dict:
    out, rid, person_errors = clean_person(form, today)
    errors.update(person_errors)
    grade = form.get("disability_grade") or ""
    return {
        **out,
        "relationship": _choice(form, "relationship", RELATIONSHIPS, errors),
        "disability_grade": int(grade) if grade in ("1", "2", "3", "4") else None,
        "serious_illness": form.get("serious_illness") == "on",
        "employment": _choice(form, "employment", EMPLOYMENT, errors),
        "schooling": (form.get("schooling") or "").strip()[:32] or None,
        "_rid": rid,
    }


def _clean_health(form: dict[str, str], errors: dict[str, str]) -> dict:
    grade = _choice(form, "disability_grade", GRADES, errors)
    return {
        "disability_grade": int(grade) if grade in GRADES and grade else None,
        "serious_illness": form.get("serious_illness") == "on",
        "employment": _choice(form, "employment", EMPLOYMENT, errors),
    }


def _clean_income(form: dict[str, str], errors: dict[str, str]) -> dict:
    return {k: _cents(form.get(k, ""), k, errors) for k in calc.INCOME_KINDS}


def _clean_assets(form: dict[str, str], errors: dict[str, str]) -> dict:
    return {
        "deposits": _cents(form.get("deposits", ""), "deposits", errors),
        "extra_housing": _count(form.get("extra_housing", ""), "extra_housing", errors),
        "vehicles": _count(form.get("vehicles", ""), "vehicles", errors),
    }


def _clean_need(form: dict[str, str], benefit: str, errors: dict[str, str]) -> dict:
    reason = (form.get("reason") or "").strip()
    if not reason or len(reason) > 2000:
        errors["reason"] = "form.required"
    return {
        "reason": reason,
        "requested": _cents(form.get("requested", ""), "requested", errors, required=benefit == "linshi"),
        "out_of_pocket": _cents(
            form.get("out_of_pocket", ""), "out_of_pocket", errors, required=benefit == "yiliao"
        ),
    }


def _clean_consent(form: dict[str, str], errors: dict[str, str]) -> dict:
    signer = (form.get("signer") or "").strip()
    if form.get("agree") != "on":
        errors["agree"] = "consent.required"
    if not signer:
        errors["signer"] = "consent.signer"
    return {"signer": signer}


def clean_step(
    step: str, form: dict[str, str], benefit: str, today: date, choices: dict[str, dict[str, str]]
) -> dict:
    """The step's answers, cleaned; raises ``AnswerError`` mapping each bad field to a message code.
    Resident ID numbers are returned parsed under ``_rid`` for the caller to hash and encrypt."""
    errors: dict[str, str] = {}
    cleaners = {
        "applicant": lambda: _clean_applicant(form, today, errors),
        "hukou": lambda: _clean_place(step, form, choices, errors),
        "address": lambda: _clean_place(step, form, choices, errors),
        "members": lambda: _clean_member(form, today, errors),
        "health": lambda: _clean_health(form, errors),
        "income": lambda: _clean_income(form, errors),
        "assets": lambda: _clean_assets(form, errors),
        "need": lambda: _clean_need(form, benefit, errors),
        "consent": lambda: _clean_consent(form, errors),
    }
    out = cleaners[step]() if step in cleaners else {}
    if errors:
        raise AnswerError(errors)
    return out


def missing_steps(answers: dict, benefit: str) -> list[str]:
    """Steps still to answer before the application can be submitted (documents are optional)."""
    return [s for s in STEP_NAMES if s not in ("documents", "members") and s not in answers]


def household_of(answers: dict, today: date) -> calc.Household:
    """The household the benefit is computed from: the applicant and every member listed."""
    applicant = answers.get("applicant", {})
    health = answers.get("health", {})
    members = [
        calc.Member(
            applicant.get("name", ""),
            _age(applicant.get("birth"), today),
            health.get("disability_grade"),
            bool(health.get("serious_illness")),
        )
    ]
    members += [
        calc.Member(
            m["name"], _age(m.get("birth"), today), m.get("disability_grade"), bool(m.get("serious_illness"))
        )
        for m in answers.get("members", [])
    ]
    assets, need = answers.get("assets", {}), answers.get("need", {})
    relationships = {m.get("relationship") for m in answers.get("members", [])}
    minors = any(m.age < calc.ADULT_AGE for m in members)
    single_parent = minors and "spouse" not in relationships and "child" in relationships
    return calc.Household(
        members=tuple(members),
        income_cents={k: int(v) for k, v in answers.get("income", {}).items()},
        deposits_cents=assets.get("deposits", 0),
        extra_housing=assets.get("extra_housing", 0),
        vehicles=assets.get("vehicles", 0),
        single_parent=single_parent,
        requested_cents=need.get("requested", 0),
        out_of_pocket_cents=need.get("out_of_pocket", 0),
    )


def _age(birth: str | None, today: date) -> int:
    if not birth:
        return 0
    b = date.fromisoformat(birth)
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))
