"""Funeral rules as plain functions: the itemised quote with waivers, cancellation, subsidies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
WAIVERS = {
    "granted": "惠民殡葬减免（已核对死亡记录）",
    "pending": "惠民殡葬减免待窗口核实",
    "confirmed": "惠民殡葬减免（窗口已核实）",
    "refused": "惠民殡葬减免未通过核实",
}
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
        return "granted"
    return "pending"


def waiver_applies(waiver: str | None) -> bool:
    """Whether the basic services are free now (a pending claim is charged until confirmed)."""
    return waiver in ("granted", "confirmed")


def waiver_step(waiver: str | None, status: str, action: str) -> str | None:
    """The operator confirms or refuses a pending waiver of an open booking: the new state, or None."""
    if waiver != "pending" or status != "booked":
        return None
    return {"confirm": "confirmed", "refuse": "refused"}.get(action)


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
