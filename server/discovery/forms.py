"""What the discovery pages ask and what their requests carry: one typed struct per form, and the
``Field`` definitions the templates render (options defined once, here or in ``rules``)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile

from server.assistance.calc import BENEFITS
from server.discovery import rules
from server.errors import DomainError, Kind
from server.forms import Field, text
from server.phones import normalise_phone

PHOTO_TYPES = "image/jpeg,image/png,image/webp"

# --- the public report -----------------------------------------------------------------------------
SITUATION = Field("situation", "遇到什么困难", "select", options=rules.SITUATIONS)
NAME = Field("name", "姓名（如果知道）", required=False, maxlength=50, autocomplete="off")
AGE = Field("age", "大约年龄", "number", required=False, maxlength=3)
PLACE = Field(
    "place",
    "地址或标志性地点",
    required=False,
    hint="例如：丽阳街菜市场东门；没有定位时必须填写",
    maxlength=200,
)
DETAILS = Field("details", "情况说明", "textarea", required=False, maxlength=2000)
PHOTO = Field("photo", "照片", "file", required=False, hint="照片中的位置信息会在记录地点后删除。")
URGENT = Field("urgent", "情况紧急（24小时内上门）", "checkbox", required=False)
PHONE = Field(
    "phone", "您的手机号（便于回访）", "tel", required=False, maxlength=11, autocomplete="tel-national"
)
REPORT_FIELDS = {f.name: f for f in (SITUATION, NAME, AGE, PLACE, DETAILS, PHOTO, URGENT, PHONE)}


@dataclass
class ReportForm:
    situation: str = ""
    name: str = ""
    age: str = ""
    lat: str = ""
    lon: str = ""
    place: str = ""
    details: str = ""
    urgent: str = ""
    phone: str = ""
    photo: UploadFile | None = None
    notice: str = ""  # the version of the privacy notice the page showed (server/privacy/notice.py)

    def values(self) -> dict[str, str]:
        """What was typed, to show the form again."""
        return {k: v for k, v in vars(self).items() if isinstance(v, str)}

    def clean(self) -> rules.Draft:
        """The report checked (raises DomainError naming the field); where it is, is checked once the
        photo has given its location (``rules.check_where``)."""
        typed_phone = self.phone.strip()
        phone = normalise_phone(typed_phone) if typed_phone else None
        if typed_phone and phone is None:
            raise DomainError("otp.phone", Kind.INVALID, field="phone")
        return rules.Draft(
            situation=rules.check_situation(self.situation),
            name=text(self.name, 50) or None,
            age=rules.age_of(self.age),
            lat=rules.coordinate(self.lat, -90, 90),
            lon=rules.coordinate(self.lon, -180, 180),
            place=text(self.place, 200) or None,
            details=text(self.details, 2000) or None,
            urgent=self.urgent == "on",
            phone=phone,
        )


# --- the staff's work ------------------------------------------------------------------------------
REGION = Field("region_code", "负责社区", "select")
ASSIGNEE = Field("assignee_id", "上门工作人员", "select")
FINDINGS = Field("findings", "走访情况", "textarea")
DECISION = Field("decision", "处理决定", "select", options=rules.DECISIONS)
BENEFIT = Field("benefit", "启动申请时的救助类别", "select", required=False, options=BENEFITS)
ID_NUMBER = Field("id_number", "当事人身份证号码（如已核实）", required=False, autocomplete="off")
ADDRESS = Field("address", "当事人住址", required=False)
NOTE = Field("note", "备注", required=False)
VISIT_PHOTO = Field("photo", "走访照片", "file", required=False)
REASON = Field("reason", "标记为无效报告的原因")
VISIT_FIELDS = (FINDINGS, DECISION, BENEFIT, ID_NUMBER, ADDRESS, NOTE)


@dataclass
class AssignForm:
    region_code: str = ""
    assignee_id: str = ""


@dataclass
class VisitForm:
    findings: str = ""
    decision: str = ""
    note: str = ""
    benefit: str = ""
    id_number: str = ""
    address: str = ""
    phone: str = ""
    photo: UploadFile | None = None


@dataclass
class SpamForm:
    reason: str = ""
