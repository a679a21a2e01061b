"""The data-exchange standard: what each department sends, and how one row is checked.

Plain functions and tables, no web and no database: ``SOURCES`` describes the twelve sources
(the written standard in ``docs/verification-data-standard.md`` and the JSON Schemas in
``docs/schemas/`` are generated from it and a test keeps them equal), and ``RowChecker`` turns
one raw row into a record tuple or a list of plain-language problems.

Every source shares three fields: ``id_number`` (18 digits; a legacy 15-digit number is
converted; may be empty when ``name`` and ``birth_date`` are given, which makes the record a
*possible* match that a person confirms), ``name`` and ``birth_date``. The rest map onto the
generic columns of a record: ``kind``, ``ref``, ``region_code``, ``start_date``, ``end_date``,
``amount`` and ``balance`` (money in fen; area in hundredths of a square metre).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from server.people import idcard


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # Chinese, as in the written standard and the error file
    type: str  # id | text | date | year | region | money | area | enum
    column: str | None  # record column it fills; None = checked, not kept
    required: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Source:
    code: str
    label: str
    label_en: str
    department: str
    mode: str  # append (events: each import adds) | replace (snapshots: each import replaces the last)
    fields: tuple[Field, ...]
    note: str = ""
    field_by_name: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.field_by_name.update({f.name: f for f in ALL_FIELDS_COMMON + self.fields})

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return ALL_FIELDS_COMMON + self.fields


ALL_FIELDS_COMMON = (
    Field(
        "id_number",
        "公民身份号码",
        "id",
        "id_hash",
        description="18 位；15 位旧号码自动升位；为空时按姓名和出生日期作“可能匹配”，须人工确认",
    ),
    Field("name", "姓名", "text", "name", required=True),
    Field("birth_date", "出生日期", "date", "birth_date", description="身份证号为空时必填"),
)

RECORD_COLUMNS = (
    "import_id",
    "source",
    "row_no",
    "id_hash",
    "name",
    "name_norm",
    "birth_date",
    "region_code",
    "kind",
    "ref",
    "start_date",
    "end_date",
    "amount_cents",
    "balance_cents",
    "fact_key",
)

F = Field
SOURCES: dict[str, Source] = {
    s.code: s
    for s in (
        Source(
            "hukou",
            "户籍登记",
            "Hukou registry",
            "公安局",
            "replace",
            (
                F("region_code", "户籍地区划代码", "region", "region_code", required=True),
                F("registered_on", "登记日期", "date", "start_date"),
                F("status", "户籍状态", "enum", "kind", choices=("normal", "moved_out", "cancelled")),
            ),
            note="户籍地不在本市的在保人员产生“户籍外市”预警。",
        ),
        Source(
            "deaths",
            "死亡和火化",
            "Deaths and cremations",
            "卫健委、公安局、殡仪馆",
            "append",
            (
                F("death_date", "死亡日期", "date", "start_date", required=True),
                F("kind", "记录类型", "enum", "kind", choices=("death", "cremation")),
                F("region_code", "死亡地区划代码", "region", "region_code"),
            ),
        ),
        Source(
            "prisoners",
            "服刑人员",
            "Prisoners",
            "司法局、监狱管理局",
            "append",
            (
                F("admitted_on", "入监日期", "date", "start_date", required=True),
                F("release_on", "刑满释放日期", "date", "end_date"),
                F("facility", "监所名称", "text", "ref"),
            ),
        ),
        Source(
            "business",
            "工商登记",
            "Business registrations",
            "市场监管局",
            "replace",
            (
                F("credit_code", "统一社会信用代码", "text", "ref", required=True),
                F("role", "身份", "enum", "kind", required=True, choices=("legal_rep", "shareholder")),
                F("capital", "认缴出资（元）", "money", "amount_cents"),
                F("registered_on", "成立日期", "date", "start_date"),
                F("deregistered_on", "注销日期", "date", "end_date"),
            ),
        ),
        Source(
            "property",
            "不动产登记",
            "Real estate",
            "自然资源和规划局（不动产登记中心）",
            "replace",
            (
                F("certificate_no", "不动产权证号", "text", "ref", required=True),
                F(
                    "use",
                    "用途",
                    "enum",
                    "kind",
                    required=True,
                    choices=("residential", "commercial", "other"),
                ),
                F("area_m2", "建筑面积（平方米）", "area", "amount_cents"),
                F("region_code", "坐落区划代码", "region", "region_code"),
                F("registered_on", "登记日期", "date", "start_date"),
                F("ended_on", "注销（转让）日期", "date", "end_date"),
            ),
        ),
        Source(
            "vehicles",
            "机动车登记",
            "Vehicles",
            "公安局交警支队",
            "replace",
            (
                F("plate", "号牌号码", "text", "ref", required=True),
                F(
                    "kind",
                    "车辆类型",
                    "enum",
                    "kind",
                    required=True,
                    choices=("car", "truck", "motorcycle", "disability"),
                ),
                F("value", "评估价值（元）", "money", "amount_cents"),
                F("registered_on", "登记日期", "date", "start_date"),
                F("deregistered_on", "注销日期", "date", "end_date"),
            ),
            note="残疾人专用车（kind = disability）不产生车辆预警。",
        ),
        Source(
            "housing_fund",
            "住房公积金",
            "Housing provident fund",
            "住房公积金管理中心",
            "replace",
            (
                F("account_no", "公积金账号", "text", "ref", required=True),
                F("status", "账户状态", "enum", "kind", choices=("paying", "sealed", "closed")),
                F("monthly_base", "缴存基数（元/月）", "money", "amount_cents"),
                F("balance", "账户余额（元）", "money", "balance_cents"),
            ),
            note="缴存基数按月收入计入家庭收入；余额计入家庭存款。",
        ),
        Source(
            "social_insurance",
            "社会保险和养老金",
            "Social insurance and pensions",
            "人力资源和社会保障局",
            "replace",
            (
                F(
                    "kind",
                    "待遇类型",
                    "enum",
                    "kind",
                    required=True,
                    choices=("pension", "unemployment", "work_injury", "other"),
                ),
                F("monthly_amount", "月待遇（元）", "money", "amount_cents", required=True),
                F("start_date", "开始日期", "date", "start_date"),
                F("end_date", "终止日期", "date", "end_date"),
            ),
        ),
        Source(
            "tax_income",
            "个人所得税收入",
            "Tax income",
            "税务局",
            "replace",
            (
                F("year", "所属年度", "year", "start_date", required=True),
                F("annual_income", "年度收入（元）", "money", "amount_cents", required=True),
                F("payer", "扣缴单位", "text", "ref"),
            ),
            note="年度收入除以 12 计入家庭月收入。",
        ),
        Source(
            "disability",
            "残疾人登记",
            "Disability registry",
            "残疾人联合会",
            "replace",
            (
                F("certificate_no", "残疾人证号", "text", "ref", required=True),
                F("grade", "残疾等级", "enum", "kind", required=True, choices=("1", "2", "3", "4")),
            ),
        ),
        Source(
            "staff_relatives",
            "民政干部及近亲属",
            "Civil-affairs staff and close relatives",
            "民政局、组织部",
            "replace",
            (
                F(
                    "relationship",
                    "与干部关系",
                    "enum",
                    "kind",
                    required=True,
                    choices=("self", "spouse", "parent", "child", "sibling", "other"),
                ),
                F("staff_name", "干部姓名", "text", "ref", required=True),
                F("staff_region_code", "干部所在区划", "region", "region_code"),
            ),
            note="名单中的人员享受救助时产生“关系保”预警，须备案审查。",
        ),
        Source(
            "other_benefits",
            "外地救助名单",
            "Assistance paid elsewhere",
            "其他地区民政部门",
            "replace",
            (
                F(
                    "benefit",
                    "救助类别",
                    "enum",
                    "kind",
                    required=True,
                    choices=("dibao", "tekun", "linshi", "yiliao"),
                ),
                F("region_code", "发放地区划代码", "region", "region_code", required=True),
                F("monthly_amount", "月发放金额（元）", "money", "amount_cents"),
                F("start_date", "开始日期", "date", "start_date"),
                F("end_date", "终止日期", "date", "end_date"),
            ),
        ),
    )
}
del F


# ------------------------------------------------------------------------------------ one row


_DROP = str.maketrans("", "", " \t\r\n\u3000\u00a0·•．.-_")


def normalise_name(name: str) -> str:
    """For matching without an ID: full-width to half-width, no spaces or middle dots, lower case."""
    if not unicodedata.is_normalized("NFKC", name):
        name = unicodedata.normalize("NFKC", name)
    return name.translate(_DROP).lower()


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value).strip())


@lru_cache(maxsize=65536)
def _parse_date_text(text: str) -> date:
    if len(text) == 10 and text[4] == "-":
        return date.fromisoformat(text)
    if len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    text = text.replace("/", "-").replace(".", "-")
    parts = text.split("-")
    if len(parts) != 3:
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2][:2]))


def parse_money(value) -> int:
    """Yuan (as text or a number) to fen."""
    if isinstance(value, int):
        return value * 100
    if isinstance(value, str) and value.isdigit() and len(value) < 13:
        return int(value) * 100
    text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("元", "")
    cents = (Decimal(text) * 100).to_integral_value()
    if cents < 0 or cents >= 10**15:
        raise InvalidOperation(text)
    return int(cents)


def region_ok(code: str) -> bool:
    return code.isdigit() and len(code) in (6, 9, 12) and code[:2] in idcard.PROVINCES


@dataclass
class Checked:
    record: tuple | None
    errors: list[str]
    legacy_id: bool = False


class RowChecker:
    """Checks rows of one source and builds record tuples in ``RECORD_COLUMNS`` order
    (``import_id`` first). The keyed hash of the ID is the only form of it that is kept."""

    def __init__(
        self,
        source: Source,
        secret_key: bytes,
        import_id: int,
        today: date,
        hash_id: Callable[[str], str] | None = None,
    ):
        """``hash_id``: the look-up hash of another crypto backend (HMAC-SM3); else HMAC-SHA256."""
        self.source, self.import_id, self.today = source, import_id, today
        self._fields = source.fields
        if hash_id is not None:
            self.hash_id = hash_id  # type: ignore[method-assign]
        # HMAC-SHA256 with the inner and outer states computed once (the same digest as
        # ``hmac.new(key, msg, sha256)``, several times faster for millions of short messages)
        block = secret_key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def hash_id(self, number18: str) -> str:
        inner = self._inner.copy()
        inner.update(number18.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def check(self, row_no: int, row: dict) -> Checked:
        errors: list[str] = []
        legacy = False
        raw_id = str(row.get("id_number") or "").strip().upper()
        name = str(row.get("name") or "").strip()
        id_hash = birth = None
        if raw_id:
            if len(raw_id) == 15:
                legacy = True
            try:
                number, birth = idcard.check_number(raw_id.replace(" ", ""), self.today)
                id_hash = self.hash_id(number)
            except idcard.IdNumberError as exc:
                errors.append(f"公民身份号码：{ID_MESSAGES.get(exc.code, '格式不正确')}")
        if not name:
            errors.append("姓名：必填")
        elif len(name) > 50:
            errors.append("姓名：超过 50 个字")
        raw_birth = row.get("birth_date")
        if raw_birth not in (None, ""):
            try:
                given = parse_date(raw_birth)
                if birth is not None and given != birth:
                    errors.append("出生日期：与身份证号不一致")
                birth = birth or given
            except (ValueError, TypeError):
                errors.append("出生日期：不是有效日期（应为 YYYY-MM-DD）")
        elif not raw_id:
            errors.append("出生日期：身份证号为空时必填")
        values = {
            "region_code": None,
            "kind": None,
            "ref": None,
            "start_date": None,
            "end_date": None,
            "amount_cents": None,
            "balance_cents": None,
        }
        for f in self._fields:
            raw = row.get(f.name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if f.required:
                    errors.append(f"{f.label}：必填")
                continue
            try:
                values[f.column] = _convert(f, raw)
            except (ValueError, TypeError, InvalidOperation, ArithmeticError):
                errors.append(f"{f.label}：{TYPE_MESSAGES[f.type]}")
        if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
            errors.append("终止日期早于开始日期")
        if errors:
            return Checked(None, errors, legacy)
        norm = normalise_name(name)
        fact = "|".join(
            (
                self.source.code,
                id_hash or norm + str(birth),
                str(values["kind"]),
                str(values["ref"]),
                str(values["start_date"]),
                str(values["end_date"]),
            )
        )
        record = (
            self.import_id,
            self.source.code,
            row_no,
            id_hash,
            name,
            norm,
            birth,
            values["region_code"],
            values["kind"],
            values["ref"],
            values["start_date"],
            values["end_date"],
            values["amount_cents"],
            values["balance_cents"],
            hashlib.md5(fact.encode()).hexdigest(),
        )
        return Checked(record, [], legacy)


def _convert(f: Field, raw):
    t = f.type
    if t == "text":
        text = str(raw).strip()
        if len(text) > 64:
            raise ValueError(text)
        return text
    if t == "date":
        return parse_date(raw)
    if t == "year":
        year = int(str(raw).strip()[:4])
        if not 1950 <= year <= 2100:
            raise ValueError(raw)
        return date(year, 1, 1)
    if t in ("money", "area"):
        return parse_money(raw)
    if t == "region":
        code = str(raw).strip()
        if not region_ok(code):
            raise ValueError(code)
        return code
    if t == "enum":
        value = str(raw).strip()
        if isinstance(raw, float) and raw.is_integer():
            value = str(int(raw))
        if value not in f.choices:
            raise ValueError(value)
        return value
    raise ValueError(t)


ID_MESSAGES = {
    "id.length": "应为 18 位（或 15 位旧号码）",
    "id.characters": "含有非法字符",
    "id.region": "地区码不存在",
    "id.birth_date": "出生日期无效",
    "id.check_digit": "校验位不正确",
}
TYPE_MESSAGES = {
    "text": "过长（最多 64 个字）",
    "date": "不是有效日期（应为 YYYY-MM-DD）",
    "year": "不是有效年度",
    "money": "不是有效金额",
    "area": "不是有效面积",
    "region": "不是有效的区划代码（6、9 或 12 位数字）",
    "enum": "取值不在标准之内",
    "id": "格式不正确",
}


# ------------------------------------------------------------------------------ the standard


JSON_TYPES = {
    "id": {"type": "string", "pattern": "^([0-9]{15}|[0-9]{17}[0-9X])$"},
    "text": {"type": "string", "maxLength": 64},
    "date": {"type": "string", "format": "date"},
    "year": {"type": "integer", "minimum": 1950, "maximum": 2100},
    "money": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "元，最多两位小数"},
    "area": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "平方米，最多两位小数"},
    "region": {"type": "string", "pattern": "^[0-9]{6}([0-9]{3}){0,2}$"},
}


def json_schema(source: Source) -> dict:
    """The JSON Schema of one row of the source (the API takes ``{"rows": [row, ...]}``)."""
    props = {}
    for f in source.all_fields:
        prop = dict(JSON_TYPES.get(f.type, {"type": "string"}))
        if f.type == "enum":
            prop = {"type": "string", "enum": list(f.choices)}
        prop["title"] = f.label
        if f.description:
            prop["description"] = f.description
        props[f.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://huimin.example/schemas/verification/{source.code}.json",
        "title": f"{source.label} ({source.label_en})",
        "description": f"提供单位：{source.department}。"
        f"导入方式：{'追加' if source.mode == 'append' else '全量替换'}。{source.note}",
        "type": "object",
        "properties": props,
        "required": [f.name for f in source.all_fields if f.required],
        "additionalProperties": False,
    }
