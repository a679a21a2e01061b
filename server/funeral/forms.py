"""What each funeral form and the hearse devices send, as typed structs (Litestar parses them, the
OpenAPI document names every field), and the questions the pages render (``Field``), with their
options defined once here."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile

from server import money
from server.errors import DomainError, Kind
from server.forms import Field, text
from server.funeral import rules


def named(*fields: Field) -> dict[str, Field]:
    """A form's questions by name, in order (what the templates render and the error summary links)."""
    return {f.name: f for f in fields}


# -- citizens ---------------------------------------------------------------------------------------

DECEASED_NAME = Field("deceased_name", "逝者姓名", maxlength=50)
DECEASED_ID = Field("deceased_id", "逝者身份证号码", autocomplete="off", maxlength=18)
BOOKING_FIELDS = named(
    DECEASED_NAME,
    DECEASED_ID,
    Field("pickup_address", "接运地址（如需接运）", required=False, maxlength=200),
)


@dataclass
class BookingForm:
    """A booking: one time per service kind (``slot_<kind>``, blank: not needed) and the deceased."""

    deceased_name: str = ""
    deceased_id: str = ""
    pickup_address: str = ""
    slot_pickup: str = ""
    slot_storage: str = ""
    slot_hall: str = ""
    slot_cremation: str = ""
    slot_niche: str = ""

    def slot_ids(self) -> list[int]:
        chosen = (rules.record_id(getattr(self, f"slot_{kind}")) for kind in rules.SLOT_KINDS)
        return [slot for slot in chosen if slot is not None]


RESCHEDULE_FIELDS = named(Field("old_slot", "要改的时段", "select"), Field("new_slot", "改到", "select"))


@dataclass
class RescheduleForm:
    old_slot: str = ""
    new_slot: str = ""

    def clean(self) -> tuple[int, int]:
        old, new = rules.record_id(self.old_slot), rules.record_id(self.new_slot)
        if old is None or new is None:
            raise DomainError("funeral.choose_slot", Kind.INVALID)
        return old, new


RATING = Field("rating", "服务评价（1到5星）", "select", options={str(n): str(n) for n in range(5, 0, -1)})
RATING_FIELDS = named(
    RATING,
    Field("comment", "评价", required=False, maxlength=500),
    Field("complaint", "投诉（如有，5个工作日内答复）", "textarea", required=False),
)


@dataclass
class RatingForm:
    rating: str = ""
    comment: str = ""
    complaint: str = ""

    def stars(self) -> int:
        if self.rating not in RATING.options:
            raise DomainError("form.choose", Kind.INVALID, field="rating")
        return int(self.rating)


SUBSIDY_FIELDS = named(
    Field(
        "kind",
        "补贴类别",
        "select",
        options={k: f"{name}（{cents // 100} 元）" for k, (name, cents) in rules.SUBSIDIES.items()},
    ),
    DECEASED_NAME,
    DECEASED_ID,
    Field("relationship", "您与逝者的关系", "select", options=rules.RELATIONSHIPS),
)


@dataclass
class SubsidyForm:
    kind: str = ""
    deceased_name: str = ""
    deceased_id: str = ""
    relationship: str = ""


@dataclass
class GraveSearch:
    """The public grave look-up (a GET form): a name, and a death year to tell namesakes apart."""

    name: str = ""
    year: str = ""

    def clean(self) -> tuple[str, int | None]:
        """The name and the year (None: blank); a year that is not one is a field error."""
        year = self.year.strip()
        if not year:
            return self.name.strip(), None
        if not (year.isascii() and year.isdigit() and 0 < int(year) < 10_000):
            raise DomainError("funeral.year", Kind.INVALID, field="year")
        return self.name.strip(), int(year)


GRAVE_FIELDS = named(
    Field("name", "逝者姓名", maxlength=50),
    Field("year", "去世年份（同名时区分）", "number", required=False, maxlength=4),
)


@dataclass
class PositionIn:
    """A hearse device's report (JSON): where it is, and for which booking with what progress."""

    lat: float | str | None = None
    lon: float | str | None = None
    booking: str | None = None
    status: str | None = None

    def point(self) -> tuple[float, float]:
        try:
            lat, lon = float(self.lat), float(self.lon)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise DomainError("funeral.position", Kind.INVALID) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses nan and inf
            raise DomainError("funeral.position", Kind.INVALID)
        return lat, lon


# -- operators and civil-affairs staff ------------------------------------------------------------

PAY_FIELDS = named(
    Field("amount", "窗口收费（元）", "money"),
    Field("completed", "服务已完成", "checkbox", required=False),
)


@dataclass
class PaymentForm:
    amount: str = ""
    completed: str = ""

    def fen(self) -> int:
        return money.parse_fen(self.amount, field="amount")

    @property
    def done(self) -> bool:
        return self.completed == "on"


@dataclass
class WaiverForm:
    action: str = ""


CANCEL_FIELDS = named(Field("reason", "取消原因（家属未到场、窗口申请取消等）", maxlength=500))


@dataclass
class OperatorCancelForm:
    reason: str = ""


@dataclass
class CapacityForm:
    capacity: str = ""

    def places(self, taken: int) -> int:
        raw = self.capacity.strip()
        if not (raw.isascii() and raw.isdigit()) or not taken <= int(raw) <= rules.CAPACITY_LIMIT:
            raise DomainError("funeral.capacity", Kind.INVALID, field="capacity")
        return int(raw)


@dataclass
class FeeForm:
    price: str = ""

    def fen(self) -> int:
        return money.parse_fen(self.price, field="price", high=rules.PRICE_LIMIT_FEN)


NEW_ITEM_FIELDS = named(
    Field("name", "新增选择性服务项目", maxlength=60),
    Field("price", "收费（元）", "money"),
    Field("unit", "单位", maxlength=20),
)


@dataclass
class NewItemForm:
    facility_id: str = ""
    name: str = ""
    price: str = ""
    unit: str = "次"

    def clean(self) -> tuple[str, int, str]:
        """The item's name, price in fen and unit (``次`` when blank)."""
        fen = money.parse_fen(self.price, field="price", high=rules.PRICE_LIMIT_FEN)
        name = text(self.name, 60)
        if not name:
            raise DomainError("form.required", Kind.INVALID, field="name")
        return name, fen, text(self.unit, 20) or "次"


@dataclass
class ResponseForm:
    response: str = ""

    def clean(self) -> str:
        answer = self.response.strip()
        if not answer:
            raise DomainError("form.required", Kind.INVALID, field="response")
        return answer


@dataclass
class SubsidyDecisionForm:
    action: str = ""
    transfer_ref: str = ""


PLOTS_FILE = Field(
    "file",
    "导入墓位登记（CSV：facility_id,section,row,number,deceased_name,death_year）",
    "file",
    accept=".csv,text/csv",
)


@dataclass
class PlotsUpload:
    """The cemetery's grave register as CSV (facility_id,section,row,number,deceased_name,death_year)."""

    file: UploadFile | None = None

    async def text(self) -> str:
        if self.file is None:
            return ""
        try:
            return (await self.file.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("funeral.plots_csv", Kind.INVALID, field="file") from None
