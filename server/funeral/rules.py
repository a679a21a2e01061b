"""Funeral rules as plain functions and tables: the itemised quote with waivers, cancellation,
subsidies, and each workflow's state machine as data (bookings, waivers, subsidies, complaints).

A table maps ``(state, action)`` to ``(new state, who may do it)``: a staff permission, or
``FAMILY`` for the account that made the booking or the application. A pair not in the table is
refused with the action's code and kind (``REFUSED``). No web, no database here."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from server.accounts.permissions import P
from server.errors import DomainError, Kind

FAMILY = "family"  # the citizen account the booking or subsidy belongs to (no staff permission)
ID_LIMIT = 2**63  # a record id a column can hold: anything larger names no record

KINDS = {
    "funeral_home": "殡仪馆",
    "public_cemetery": "公益性公墓",
    "commercial_cemetery": "经营性公墓",
    "agency": "殡葬服务机构",
}
SLOT_KINDS = {
    "pickup": "遗体接运",
    "storage": "遗体冷藏",
    "hall": "告别厅",
    "cremation": "火化",
    "niche": "骨灰寄存",
}
SUBSIDIES = {
    "sea": ("海葬补贴", 2_000_00),
    "eco": ("节地生态安葬补贴", 1_500_00),
    "huimin": ("惠民殡葬补贴", 1_200_00),
}
ACCOUNT_OPEN_LIMIT = 3  # open bookings one account may hold at a time
PRICE_LIMIT_FEN = 10**8  # one item's price: at most 100 万元
CAPACITY_LIMIT = 500  # places in one slot
COMPLAINT_DAYS = 5  # working days to answer a complaint


class BookingStatus(StrEnum):
    BOOKED = "booked"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class BookingAction(StrEnum):
    RESCHEDULE = "reschedule"  # the family moves one slot to another time
    CANCEL = "cancel"  # the family, before the facility's cancellation window
    OPERATOR_CANCEL = "operator_cancel"  # the operator, with a reason, at any time
    PAY = "pay"  # the operator records a payment at the counter
    COMPLETE = "complete"  # the operator records the payment and the service as done
    RATE = "rate"  # the family rates the service (and may complain)


BOOKING_TRANSITIONS: dict[tuple[BookingStatus, BookingAction], tuple[BookingStatus, str]] = {
    (BookingStatus.BOOKED, BookingAction.RESCHEDULE): (BookingStatus.BOOKED, FAMILY),
    (BookingStatus.BOOKED, BookingAction.CANCEL): (BookingStatus.CANCELLED, FAMILY),
    (BookingStatus.BOOKED, BookingAction.OPERATOR_CANCEL): (BookingStatus.CANCELLED, P.FUNERAL_OPERATE),
    (BookingStatus.BOOKED, BookingAction.PAY): (BookingStatus.BOOKED, P.FUNERAL_OPERATE),
    (BookingStatus.BOOKED, BookingAction.COMPLETE): (BookingStatus.COMPLETED, P.FUNERAL_OPERATE),
    (BookingStatus.COMPLETED, BookingAction.RATE): (BookingStatus.COMPLETED, FAMILY),
}
BOOKING_REFUSED = {
    BookingAction.RESCHEDULE: ("funeral.too_late", Kind.CONFLICT),
    BookingAction.CANCEL: ("funeral.too_late", Kind.CONFLICT),
    BookingAction.OPERATOR_CANCEL: ("funeral.not_open", Kind.CONFLICT),
    BookingAction.PAY: ("funeral.not_open", Kind.CONFLICT),
    BookingAction.COMPLETE: ("funeral.not_open", Kind.CONFLICT),
    BookingAction.RATE: ("funeral.not_done", Kind.CONFLICT),
}


class Waiver(StrEnum):
    """惠民殡葬 waiver of a booking (None: not claimed)."""

    GRANTED = "granted"  # by the records, at booking
    PENDING = "pending"  # waiting for the staff check at the counter
    CONFIRMED = "confirmed"  # by the operator
    REFUSED = "refused"  # by the operator


class WaiverAction(StrEnum):
    CONFIRM = "confirm"
    REFUSE = "refuse"


WAIVER_TRANSITIONS: dict[tuple[Waiver, WaiverAction], tuple[Waiver, str]] = {
    (Waiver.PENDING, WaiverAction.CONFIRM): (Waiver.CONFIRMED, P.FUNERAL_OPERATE),
    (Waiver.PENDING, WaiverAction.REFUSE): (Waiver.REFUSED, P.FUNERAL_OPERATE),
}
WAIVERS = {
    Waiver.GRANTED: "惠民殡葬减免（已核对死亡记录）",
    Waiver.PENDING: "惠民殡葬减免待窗口核实",
    Waiver.CONFIRMED: "惠民殡葬减免（窗口已核实）",
    Waiver.REFUSED: "惠民殡葬减免未通过核实",
}


class SubsidyStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class SubsidyAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    PAY = "pay"  # with the bank transfer's reference


SUBSIDY_TRANSITIONS: dict[tuple[SubsidyStatus, SubsidyAction], tuple[SubsidyStatus, str]] = {
    (SubsidyStatus.SUBMITTED, SubsidyAction.APPROVE): (SubsidyStatus.APPROVED, P.FUNERAL_SUBSIDY_DECIDE),
    (SubsidyStatus.SUBMITTED, SubsidyAction.REJECT): (SubsidyStatus.REJECTED, P.FUNERAL_SUBSIDY_DECIDE),
    (SubsidyStatus.APPROVED, SubsidyAction.PAY): (SubsidyStatus.PAID, P.FUNERAL_SUBSIDY_DECIDE),
}
SUBSIDY_OPEN = (SubsidyStatus.SUBMITTED, SubsidyStatus.APPROVED)  # waiting for a decision or payment


class ComplaintStatus(StrEnum):
    OPEN = "open"  # no response yet
    ANSWERED = "answered"


class ComplaintAction(StrEnum):
    RESPOND = "respond"


COMPLAINT_TRANSITIONS: dict[tuple[ComplaintStatus, ComplaintAction], tuple[ComplaintStatus, str]] = {
    (ComplaintStatus.OPEN, ComplaintAction.RESPOND): (ComplaintStatus.ANSWERED, P.FUNERAL_OPERATE),
}


class Pickup(StrEnum):
    WAITING = "waiting"
    ON_THE_WAY = "on_the_way"
    ARRIVED = "arrived"
    DONE = "done"


DEVICE_PICKUP = {Pickup.ON_THE_WAY, Pickup.ARRIVED, Pickup.DONE}  # what a hearse device may report


def booking_step(status: str, action: BookingAction) -> BookingStatus:
    """The booking's state after ``action``, or the action's refusal (``BOOKING_REFUSED``)."""
    move = BOOKING_TRANSITIONS.get((status, action))
    if move is None:
        raise DomainError(*BOOKING_REFUSED[action])
    return move[0]


def subsidy_step(status: str, action: str) -> SubsidyStatus:
    """The subsidy's state after ``action`` (approve, reject, pay), or a conflict."""
    move = SUBSIDY_TRANSITIONS.get((status, action))
    if move is None:
        raise DomainError("funeral.subsidy_step", Kind.CONFLICT)
    return move[0]


def complaint_status(response: str | None) -> ComplaintStatus:
    return ComplaintStatus.OPEN if response is None else ComplaintStatus.ANSWERED


def complaint_step(response: str | None, action: ComplaintAction) -> ComplaintStatus:
    """A complaint is answered once."""
    move = COMPLAINT_TRANSITIONS.get((complaint_status(response), action))
    if move is None:
        raise DomainError("funeral.complaint_answered", Kind.CONFLICT)
    return move[0]


def record_id(raw: str | int | None) -> int | None:
    """A record id typed or sent as text: a positive integer a column can hold, else None."""
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number < ID_LIMIT else None


RELATIONSHIPS = {
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "sibling": "兄弟姐妹",
    "grandchild": "孙子女",
}


@dataclass(frozen=True)
class Item:
    name: str
    price_cents: int
    basic: bool
    quantity: int = 1


def waiver_eligible(hukou_local: bool, receiving_assistance: bool) -> bool:
    """惠民殡葬: basic services are free for residents with local hukou and for assistance recipients."""
    return hukou_local or receiving_assistance


def waiver_decision(
    *, local_on_register: bool, receiving_assistance: bool, local_id_region: bool, death_recorded: bool
) -> str | None:
    """The 惠民殡葬 waiver a booking gets. Granted at once only when the records show both the death
    (the verification center's deaths source, or the register) and the right to it (local hukou on
    the register, or an assistance household); a claim resting on less (an ID number's region code
    alone, or no death record) waits for a staff check at the counter. None: nothing to claim."""
    if not waiver_eligible(local_on_register or local_id_region, receiving_assistance):
        return None
    if death_recorded and (local_on_register or receiving_assistance):
        return Waiver.GRANTED
    return Waiver.PENDING


def waiver_applies(waiver: str | None) -> bool:
    """Whether the basic services are free now (a pending claim is charged until confirmed)."""
    return waiver in (Waiver.GRANTED, Waiver.CONFIRMED)


def waiver_step(waiver: str | None, status: str, action: str) -> Waiver | None:
    """The operator confirms or refuses a pending waiver of an open booking: the new state, or None."""
    if status != BookingStatus.BOOKED:
        return None
    move = WAIVER_TRANSITIONS.get((waiver, action))
    return move[0] if move else None


def requote(quote_: dict, waived: bool) -> dict:
    """The same lines with the waiver applied (or not): what the booking's fee becomes."""
    items = [
        Item(
            ln["name"],
            ln["amount_cents"] // max(ln.get("quantity", 1), 1),
            ln["basic"],
            ln.get("quantity", 1),
        )
        for ln in quote_["lines"]
    ]
    return {**quote_, **quote(items, waived)}


def quote(items: list[Item], eligible: bool) -> dict:
    lines, total, waived = [], 0, 0
    for item in items:
        amount = item.price_cents * item.quantity
        free = eligible and item.basic
        lines.append(
            {
                "name": item.name,
                "basic": item.basic,
                "quantity": item.quantity,
                "amount_cents": amount,
                "waived": free,
            }
        )
        total += amount
        waived += amount if free else 0
    return {
        "lines": lines,
        "total_cents": total,
        "waived_cents": waived,
        "payable_cents": total - waived,
        "eligible": eligible,
    }


def may_cancel(first_service: datetime, now: datetime, hours_before: int) -> bool:
    return now <= first_service - timedelta(hours=hours_before)


def subsidy_refusals(*, death_recorded: bool, relationship: str, paid_before: bool) -> list[str]:
    refusals = []
    if not death_recorded:
        refusals.append("subsidy.no_death_record")
    if relationship not in RELATIONSHIPS:
        refusals.append("subsidy.relationship")
    if paid_before:
        refusals.append("subsidy.paid_before")
    return refusals


def subsidy_refusal(*, death_recorded: bool, relationship: str, paid_before: bool) -> DomainError | None:
    """The first reason a subsidy is refused, as the error to raise (a repeat is a conflict)."""
    refusals = subsidy_refusals(
        death_recorded=death_recorded, relationship=relationship, paid_before=paid_before
    )
    if not refusals:
        return None
    code = refusals[0]
    if code == "subsidy.paid_before":
        return DomainError(code, Kind.CONFLICT)
    return DomainError(code, Kind.INVALID, field="relationship" if code == "subsidy.relationship" else None)


def plot_rows(csv_text: str, facility_ids: set[int]) -> list[dict]:
    """The rows of a cemetery's grave register (CSV with a header line), all or nothing: a row that
    is malformed or names a facility not in ``facility_ids`` refuses the whole file."""
    rows, bad = [], 0
    for line in csv.DictReader(io.StringIO(csv_text)):
        try:
            rows.append(_plot_row(line, facility_ids))
        except (KeyError, ValueError, AttributeError):
            bad += 1
    if bad or not rows:
        raise DomainError("funeral.plots_csv", Kind.INVALID, field="file")
    return rows


def _plot_row(line: dict, facility_ids: set[int]) -> dict:
    facility_id = int(line["facility_id"])
    if facility_id not in facility_ids:
        raise ValueError(facility_id)
    return dict(
        facility_id=facility_id,
        section=line["section"].strip()[:20],
        row=_bounded(line["row"], 100_000),
        number=_bounded(line["number"], 100_000),
        deceased_name=line["deceased_name"].strip()[:50],
        death_year=_bounded(line["death_year"], 10_000) if line.get("death_year") else None,
    )


def _bounded(raw: str, limit: int) -> int:
    """A positive whole number below ``limit`` (a column holds it), else ValueError."""
    number = int(raw)
    if not 0 < number < limit:
        raise ValueError(raw)
    return number
