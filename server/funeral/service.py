"""Every funeral write, one function per action, audited: bookings and their waivers, payments,
ratings and complaints, the operators' catalogue and capacity, the grave register, subsidies and the
hearse feed. Refusals are ``DomainError`` (``FuneralError``); the state tables are in ``rules``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.service import Actor, record
from server.calendar.service import load_calendar
from server.db import utcnow
from server.errors import DomainError, Kind
from server.funeral import rules
from server.funeral.models import (
    AccountBookings,
    Booking,
    BookingSlot,
    Complaint,
    Device,
    Facility,
    OpenService,
    Plot,
    Position,
    ServiceItem,
    Slot,
    Subsidy,
)
from server.funeral.queries import booking_slots
from server.funeral.rules import BookingAction, BookingStatus
from server.people import idcard
from server.people.models import Enrolment, HouseholdMember, Person
from server.people.queries import id_hash
from server.verification.models import DataImport, SourceRecord


class FuneralError(DomainError):
    pass


async def take_slot(session: AsyncSession, slot_id: int) -> bool:
    """One unit of capacity, atomically: the database decides who gets the last one."""
    result = await session.execute(
        update(Slot).where(Slot.id == slot_id, Slot.taken < Slot.capacity).values(taken=Slot.taken + 1),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


async def release_slot(session: AsyncSession, slot_id: int) -> None:
    await session.execute(
        update(Slot).where(Slot.id == slot_id, Slot.taken > 0).values(taken=Slot.taken - 1),
        execution_options={"synchronize_session": False},
    )


async def death_recorded(session: AsyncSession, deceased_hash: str, person: Person | None) -> bool:
    """The death is on record: the register says so, or a live import of the verification center's
    deaths source (deaths and cremations reported by the health commission, police, funeral homes)."""
    if person is not None and person.deceased_on is not None:
        return True
    live = select(DataImport.id).where(DataImport.status == "active", DataImport.source == "deaths")
    return (
        await session.scalar(
            select(SourceRecord.id)
            .where(
                SourceRecord.source == "deaths",
                SourceRecord.id_hash == deceased_hash,
                SourceRecord.import_id.in_(live),
            )
            .limit(1)
        )
        is not None
    )


async def eligibility(
    session: AsyncSession, deceased_hash: str, id_number: str, city_prefix: str
) -> tuple[str | None, str]:
    """惠民殡葬 from the records: the waiver (``rules.waiver_decision``) and on what the claim rests."""
    person = await session.scalar(select(Person).where(Person.id_hash == deceased_hash))
    receiving = local = False
    if person is not None:
        receiving = (
            await session.scalar(
                select(Enrolment.id)
                .join(HouseholdMember, HouseholdMember.household_id == Enrolment.household_id)
                .where(HouseholdMember.person_id == person.id, Enrolment.status.in_(("active", "suspended")))
                .limit(1)
            )
            is not None
        )
        local = bool(person.hukou_region_code and person.hukou_region_code.startswith(city_prefix))
    id_local = person is None and id_number.startswith(city_prefix)
    waiver = rules.waiver_decision(
        local_on_register=local,
        receiving_assistance=receiving,
        local_id_region=id_local,
        death_recorded=await death_recorded(session, deceased_hash, person),
    )
    why = "assistance" if receiving else "hukou" if local else "id_region" if id_local else ""
    return waiver, why


def _insert(session: AsyncSession, model):
    return (postgresql if session.bind.dialect.name == "postgresql" else sqlite).insert(model)


async def take_account_place(session: AsyncSession, citizen_id: int) -> bool:
    """One of the account's open bookings, atomically (one upsert, refused at the limit)."""
    stmt = _insert(session, AccountBookings).values(citizen_id=citizen_id, open_bookings=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["citizen_id"],
        set_={"open_bookings": AccountBookings.open_bookings + 1},
        where=AccountBookings.open_bookings < rules.ACCOUNT_OPEN_LIMIT,
    ).returning(AccountBookings.open_bookings)
    return (await session.execute(stmt)).first() is not None


async def claim_services(session: AsyncSession, booking: Booking, kinds: set[str]) -> bool:
    """The deceased's service kinds for this booking; False when another open booking holds one."""
    rows = [
        {"deceased_id_hash": booking.deceased_id_hash, "kind": k, "booking_id": booking.id}
        for k in sorted(kinds)
    ]
    stmt = (
        _insert(session, OpenService)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["deceased_id_hash", "kind"])
    )
    return (await session.execute(stmt)).rowcount == len(rows)


async def close_booking(session: AsyncSession, booking: Booking, status: BookingStatus) -> bool:
    """An open booking becomes cancelled or completed, once: it gives back the account's place and
    the deceased's service kinds. False when it was not open (e.g. closed by a parallel request)."""
    closed = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.BOOKED)
        .values(status=status),
        execution_options={"synchronize_session": False},
    )
    if closed.rowcount != 1:
        return False
    booking.status = status
    await session.execute(delete(OpenService).where(OpenService.booking_id == booking.id))
    await session.execute(
        update(AccountBookings)
        .where(AccountBookings.citizen_id == booking.citizen_id, AccountBookings.open_bookings > 0)
        .values(open_bookings=AccountBookings.open_bookings - 1),
        execution_options={"synchronize_session": False},
    )
    return True


async def book(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    citizen_id: int,
    facility: Facility,
    *,
    deceased_name: str,
    deceased_id: str,
    pickup_address: str | None,
    slot_ids: list[int],
    item_ids: list[int],
) -> Booking:
    if not deceased_name.strip():
        raise FuneralError("name.required", Kind.INVALID, field="deceased_name")
    try:
        rid = idcard.parse(deceased_id)
    except idcard.IdNumberError as e:
        raise FuneralError(e.code, Kind.INVALID, field="deceased_id") from None
    slots = (
        list(
            await session.scalars(
                select(Slot).where(Slot.id.in_(slot_ids), Slot.facility_id == facility.id).order_by(Slot.id)
            )
        )
        if slot_ids
        else []
    )
    if not slots or len(slots) != len(set(slot_ids)):
        raise FuneralError("funeral.choose_slot", Kind.INVALID)
    kinds = {s.kind for s in slots}
    if len(kinds) != len(slots):  # one time of each service per booking
        raise FuneralError("funeral.one_per_kind", Kind.INVALID)
    # the same order in every request (account, then slots by id, then kinds by name): no deadlock
    if not await take_account_place(session, citizen_id):
        raise FuneralError("funeral.account_limit", Kind.CONFLICT)
    for slot in slots:
        if not await take_slot(session, slot.id):
            raise FuneralError("funeral.full", Kind.CONFLICT)
    items = list(
        await session.scalars(
            select(ServiceItem).where(
                ServiceItem.facility_id == facility.id,
                (ServiceItem.id.in_(item_ids)) | (ServiceItem.slot_kind.in_(kinds)),
            )
        )
    )
    digest = id_hash(secret, rid.number)
    waiver, why = await eligibility(session, digest, rid.number, facility.region_code[:4])
    quote = rules.quote(
        [rules.Item(i.name, i.price_cents, i.basic) for i in items], rules.waiver_applies(waiver)
    )
    quote["why"] = why
    booking = Booking(
        reference=f"BZ{utcnow():%Y%m%d}{secrets.randbelow(10**6):06d}",
        citizen_id=citizen_id,
        facility_id=facility.id,
        deceased_name=deceased_name.strip()[:50],
        deceased_id_hash=digest,
        deceased_id_masked=rid.masked,
        pickup_address=(pickup_address or "").strip()[:200] or None,
        quote=quote,
        payable_cents=quote["payable_cents"],
        waiver=waiver,
    )
    session.add(booking)
    await session.flush()
    if not await claim_services(session, booking, kinds):
        raise FuneralError("funeral.deceased_booked", Kind.CONFLICT)
    session.add_all([BookingSlot(booking_id=booking.id, slot_id=s.id) for s in slots])
    await record(
        session,
        actor,
        "funeral.book",
        "funeral_booking",
        booking.reference,
        region_code=facility.region_code,
        after={
            "facility": facility.id,
            "slots": sorted(slot_ids),
            "payable_cents": booking.payable_cents,
            "waived_cents": quote["waived_cents"],
            "waiver": waiver,
        },
    )
    return booking


async def decide_waiver(
    session: AsyncSession, actor: Actor, booking: Booking, facility: Facility, action: str
) -> None:
    """The operator checks the papers at the counter (death certificate, hukou book or assistance
    card) and confirms or refuses a pending waiver; the fee follows, audited."""
    step = rules.waiver_step(booking.waiver, booking.status, action)
    if step is None or booking.paid_cents:
        raise FuneralError("funeral.waiver_step", Kind.CONFLICT)
    # atomically: two operators deciding at once make one decision
    done = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.waiver == rules.Waiver.PENDING)
        .values(waiver=step),
        execution_options={"synchronize_session": False},
    )
    if done.rowcount != 1:
        raise FuneralError("funeral.waiver_step", Kind.CONFLICT)
    before = booking.payable_cents
    booking.waiver, booking.waiver_checked_by, booking.waiver_checked_at = step, actor.name, utcnow()
    booking.quote = rules.requote(booking.quote, rules.waiver_applies(step))
    booking.payable_cents = booking.quote["payable_cents"]
    await record(
        session,
        actor,
        f"funeral.waiver_{rules.WaiverAction(action)}",
        "funeral_booking",
        booking.reference,
        region_code=facility.region_code,
        before={"waiver": rules.Waiver.PENDING, "payable_cents": before},
        after={"waiver": step, "payable_cents": booking.payable_cents},
    )


def slot_start(slot: Slot) -> datetime:
    hour, minute = (int(x) for x in (slot.label if ":" in slot.label else "08:00").split(":"))
    return datetime.combine(slot.day, time(hour, minute)).astimezone()


async def cancel(
    session: AsyncSession, actor: Actor, booking: Booking, facility: Facility, now: datetime
) -> None:
    """The family cancels before the facility's window closes: the slots come back."""
    status = rules.booking_step(booking.status, BookingAction.CANCEL)
    slots = await booking_slots(session, booking)
    if not rules.may_cancel(min(slot_start(s) for s in slots), now, facility.cancel_hours):
        raise FuneralError("funeral.too_late", Kind.CONFLICT)
    if not await close_booking(session, booking, status):
        raise FuneralError("funeral.too_late", Kind.CONFLICT)
    for slot in slots:
        await release_slot(session, slot.id)
    await record(
        session,
        actor,
        "funeral.cancel",
        "funeral_booking",
        booking.reference,
        region_code=facility.region_code,
    )


async def operator_cancel(
    session: AsyncSession, actor: Actor, booking: Booking, facility: Facility, reason: str
) -> None:
    """The operator closes an open booking at any time (the family did not come, or asked at the
    counter), with a reason, audited: the account's place, the deceased's service kinds and the
    slots come back (a booking past its time can no longer be cancelled by the family)."""
    if not reason.strip():
        raise FuneralError("form.required", Kind.INVALID, field="reason")
    status = rules.booking_step(booking.status, BookingAction.OPERATOR_CANCEL)
    slots = await booking_slots(session, booking)
    if not await close_booking(session, booking, status):
        raise FuneralError("funeral.not_open", Kind.CONFLICT)
    for slot in slots:
        await release_slot(session, slot.id)
    await record(
        session,
        actor,
        "funeral.operator_cancel",
        "funeral_booking",
        booking.reference,
        region_code=facility.region_code,
        opinion=reason.strip()[:500],
    )


async def reschedule(
    session: AsyncSession,
    actor: Actor,
    booking: Booking,
    facility: Facility,
    old_slot_id: int,
    new_slot_id: int,
    now: datetime,
) -> None:
    slots = {s.id: s for s in await booking_slots(session, booking)}
    new = await session.get(Slot, new_slot_id) if 0 < new_slot_id < rules.ID_LIMIT else None
    if (
        old_slot_id not in slots
        or new is None
        or new.facility_id != facility.id
        or new.kind != slots[old_slot_id].kind
    ):
        raise FuneralError("funeral.choose_slot", Kind.INVALID)
    rules.booking_step(booking.status, BookingAction.RESCHEDULE)
    if not rules.may_cancel(slot_start(slots[old_slot_id]), now, facility.cancel_hours):
        raise FuneralError("funeral.too_late", Kind.CONFLICT)
    if not await take_slot(session, new_slot_id):
        raise FuneralError("funeral.full", Kind.CONFLICT)
    await release_slot(session, old_slot_id)
    await session.execute(
        update(BookingSlot)
        .where(BookingSlot.booking_id == booking.id, BookingSlot.slot_id == old_slot_id)
        .values(slot_id=new_slot_id)
    )
    await record(
        session,
        actor,
        "funeral.reschedule",
        "funeral_booking",
        booking.reference,
        region_code=facility.region_code,
        before={"slot": old_slot_id},
        after={"slot": new_slot_id},
    )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def device(session: AsyncSession, token: str) -> Device:
    """The hearse device a bearer token belongs to (stored as its digest), else unauthenticated."""
    found = (
        await session.scalar(select(Device).where(Device.token_hash == token_digest(token)))
        if token
        else None
    )
    if found is None:
        raise FuneralError("funeral.device", Kind.UNAUTHENTICATED)
    return found


async def device_position(
    session: AsyncSession,
    device: Device,
    lat: float,
    lon: float,
    reference: str | None = None,
    pickup: str | None = None,
) -> Position:
    """A position the device reports, for one of its facility's bookings (moving its pickup on)."""
    booking = None
    if reference:
        booking = await session.scalar(
            select(Booking).where(Booking.reference == reference, Booking.facility_id == device.facility_id)
        )
        if booking is None:
            raise FuneralError("error.not_found", Kind.NOT_FOUND)
        status = pickup or rules.Pickup.ON_THE_WAY
        if status in rules.DEVICE_PICKUP:
            booking.pickup_status = status
    position = Position(device_id=device.id, booking_id=booking.id if booking else None, lat=lat, lon=lon)
    session.add(position)
    await session.flush()
    return position


async def complain(
    session: AsyncSession, actor: Actor, booking: Booking, text: str, today: date
) -> Complaint:
    if not text.strip():
        raise FuneralError("form.required", Kind.INVALID, field="complaint")
    due = (await load_calendar(session)).add_working_days(today, rules.COMPLAINT_DAYS)
    complaint = Complaint(booking_id=booking.id, text=text.strip()[:2000], due_on=due)
    session.add(complaint)
    await session.flush()
    await record(
        session, actor, "funeral.complaint", "funeral_booking", booking.reference, opinion=text.strip()[:200]
    )
    return complaint


async def apply_subsidy(
    session: AsyncSession,
    actor: Actor,
    secret: str,
    citizen_id: int,
    *,
    kind: str,
    deceased_name: str,
    deceased_id: str,
    relationship: str,
    region_code: str,
) -> Subsidy:
    if kind not in rules.SUBSIDIES:
        raise FuneralError("form.choose", Kind.INVALID, field="kind")
    if not deceased_name.strip():
        raise FuneralError("name.required", Kind.INVALID, field="deceased_name")
    try:
        rid = idcard.parse(deceased_id)
    except idcard.IdNumberError as e:
        raise FuneralError(e.code, Kind.INVALID, field="deceased_id") from None
    digest = id_hash(secret, rid.number)
    person = await session.scalar(select(Person).where(Person.id_hash == digest))
    cremated = await session.scalar(
        select(Booking.id)
        .where(Booking.deceased_id_hash == digest, Booking.status == BookingStatus.COMPLETED)
        .limit(1)
    )
    earlier = await session.scalar(
        select(Subsidy.id)
        .where(Subsidy.deceased_id_hash == digest, Subsidy.status != rules.SubsidyStatus.REJECTED)
        .limit(1)
    )
    refusal = rules.subsidy_refusal(
        death_recorded=bool((person and person.deceased_on) or cremated),
        relationship=relationship,
        paid_before=earlier is not None,
    )
    if refusal is not None:
        raise refusal
    subsidy = Subsidy(
        reference=f"BT{utcnow():%Y%m%d}{secrets.randbelow(10**6):06d}",
        kind=kind,
        citizen_id=citizen_id,
        deceased_name=deceased_name.strip()[:50],
        deceased_id_hash=digest,
        deceased_id_masked=rid.masked,
        relationship=relationship,
        region_code=person.region_code if person else region_code,
        amount_cents=rules.SUBSIDIES[kind][1],
        checks={"death_record": True, "relationship": relationship},
    )
    session.add(subsidy)
    await session.flush()
    await record(
        session,
        actor,
        "funeral.subsidy_apply",
        "funeral_subsidy",
        subsidy.reference,
        region_code=region_code,
        after={"kind": kind, "amount_cents": subsidy.amount_cents},
    )
    return subsidy


async def decide_subsidy(
    session: AsyncSession, actor: Actor, subsidy: Subsidy, action: str, transfer_ref: str = ""
) -> None:
    """Approve or reject a submitted subsidy, or record the transfer of an approved one (the
    transfer's reference is needed to pay: without it the step is refused)."""
    before = subsidy.status
    new = rules.subsidy_step(subsidy.status, action)
    if new == rules.SubsidyStatus.PAID:
        if not transfer_ref.strip():
            raise FuneralError("funeral.subsidy_step", Kind.CONFLICT)
        subsidy.transfer_ref, subsidy.paid_at = transfer_ref.strip()[:40], utcnow()
    subsidy.status, subsidy.decided_by = new, actor.name
    await record(
        session,
        actor,
        f"funeral.subsidy_{rules.SubsidyAction(action)}",
        "funeral_subsidy",
        subsidy.reference,
        region_code=subsidy.region_code,
        before={"status": before},
        after={"status": subsidy.status, "transfer": subsidy.transfer_ref},
    )


async def pay(
    session: AsyncSession, actor: Actor, booking: Booking, facility: Facility, fen: int, completed: bool
) -> None:
    """The operator records the payment at the counter (the whole amount due, after the waiver is
    decided) and, when the service is done, completes the booking, audited."""
    rules.booking_step(booking.status, BookingAction.COMPLETE if completed else BookingAction.PAY)
    if booking.waiver == rules.Waiver.PENDING:
        raise FuneralError("funeral.waiver_first", Kind.CONFLICT)
    if fen != booking.payable_cents - booking.paid_cents:
        raise FuneralError("funeral.amount", Kind.INVALID, field="amount")
    booking.paid_cents, booking.paid_at, booking.paid_by = booking.paid_cents + fen, utcnow(), actor.name
    if completed and await close_booking(session, booking, BookingStatus.COMPLETED):
        booking.pickup_status = rules.Pickup.DONE
    await record(
        session,
        actor,
        "funeral.payment",
        "funeral_booking",
        booking.reference,
        region_code=facility.region_code,
        after={"paid_cents": booking.paid_cents, "status": booking.status},
    )


async def rate(
    session: AsyncSession,
    actor: Actor,
    booking: Booking,
    facility: Facility,
    stars: int,
    comment: str,
    complaint: str,
    today: date,
) -> None:
    """The family rates a completed service (and may complain: answered within working days)."""
    rules.booking_step(booking.status, BookingAction.RATE)
    booking.rating, booking.rating_comment = stars, comment.strip()[:500] or None
    await record(
        session,
        actor,
        "funeral.rate",
        "funeral_booking",
        booking.reference,
        region_code=facility.region_code,
        after={"rating": booking.rating},
    )
    if complaint.strip():
        await complain(session, actor, booking, complaint, today)


async def set_capacity(session: AsyncSession, actor: Actor, slot: Slot, capacity: int) -> None:
    before, slot.capacity = slot.capacity, capacity
    await record(
        session,
        actor,
        "funeral.capacity",
        "funeral_slot",
        slot.id,
        before={"capacity": before},
        after={"capacity": slot.capacity},
    )


async def set_fee(session: AsyncSession, actor: Actor, item: ServiceItem, fen: int) -> None:
    """The operator keeps the catalogue: a service's fee."""
    before, item.price_cents = item.price_cents, fen
    await record(
        session,
        actor,
        "funeral.fee",
        "funeral_item",
        item.id,
        before={"price_cents": before},
        after={"price_cents": fen, "name": item.name},
    )


async def add_item(
    session: AsyncSession, actor: Actor, facility_id: int, name: str, fen: int, unit: str
) -> ServiceItem:
    """A new optional (market-priced) service in a facility's catalogue."""
    item = ServiceItem(facility_id=facility_id, name=name[:60], basic=False, price_cents=fen, unit=unit[:20])
    session.add(item)
    await session.flush()
    await record(
        session,
        actor,
        "funeral.item_add",
        "funeral_item",
        item.id,
        after={"name": item.name, "price_cents": fen},
    )
    return item


async def respond(session: AsyncSession, actor: Actor, complaint: Complaint, response: str) -> None:
    """The operator answers a complaint, once."""
    rules.complaint_step(complaint.response, rules.ComplaintAction.RESPOND)
    complaint.response, complaint.responded_by = response.strip(), actor.name
    await record(
        session,
        actor,
        "funeral.complaint_response",
        "funeral_complaint",
        complaint.id,
        opinion=complaint.response,
    )


async def import_plots(session: AsyncSession, actor: Actor, rows: list[dict]) -> int:
    """Rows of a cemetery's grave register (checked by ``rules.plot_rows``), all at once."""
    await session.execute(insert(Plot), rows)
    await record(session, actor, "funeral.plots_import", "funeral_plots", None, after={"rows": len(rows)})
    return len(rows)
