"""Funeral reads shared by pages: the directory, a facility's catalogue and free slots, the grave
register, a family's bookings and subsidies, and the operators' calendar, each limited to what the
reader may see (an operator their own facility, civil-affairs staff their region)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.permissions import P, allows
from server.discovery.models import CommunityArea
from server.errors import DomainError, Kind
from server.funeral import rules
from server.funeral.models import (
    Booking,
    BookingSlot,
    Complaint,
    Facility,
    Operator,
    Plot,
    Position,
    ServiceItem,
    Slot,
    Subsidy,
)
from server.regions.scope import RegionScope

WEEK = 7
GRAVE_RESULTS = 20


def not_found() -> DomainError:
    return DomainError("error.not_found", Kind.NOT_FOUND)


async def get(session: AsyncSession, model: type, record_id: int) -> Any:
    """A record by id, or not found (an id no column can hold names no record)."""
    found = await session.get(model, record_id) if 0 < record_id < rules.ID_LIMIT else None
    if found is None:
        raise not_found()
    return found


async def facility(session: AsyncSession, facility_id: int) -> Facility:
    return await get(session, Facility, facility_id)


async def availability(session: AsyncSession, facility_id: int, start: date, days: int = WEEK) -> list[Slot]:
    end = start + timedelta(days=days)
    return list(
        await session.scalars(
            select(Slot)
            .where(Slot.facility_id == facility_id, Slot.day >= start, Slot.day < end)
            .order_by(Slot.kind, Slot.day, Slot.label)
        )
    )


async def directory(
    session: AsyncSession, today: date
) -> tuple[list[Facility], dict[int, int], list[CommunityArea]]:
    """Every facility, its free places in the coming week, and the areas the map draws."""
    facilities = list(await session.scalars(select(Facility).order_by(Facility.kind, Facility.id)))
    free_places = (
        select(Slot.facility_id, func.sum(Slot.capacity - Slot.taken))
        .where(Slot.day >= today, Slot.day < today + timedelta(days=WEEK))
        .group_by(Slot.facility_id)
    )
    free = dict((await session.execute(free_places)).all())
    areas = list(await session.scalars(select(CommunityArea)))
    return facilities, free, areas


async def facility_items(session: AsyncSession, facility_id: int) -> list[ServiceItem]:
    return list(
        await session.scalars(
            select(ServiceItem)
            .where(ServiceItem.facility_id == facility_id)
            .order_by(ServiceItem.basic.desc(), ServiceItem.id)
        )
    )


async def graves(session: AsyncSession, name: str, year: int | None) -> list[tuple[Plot, str]]:
    """Plots of the register by the deceased's name (and death year), with the cemetery's name."""
    if not name:
        return []
    stmt = (
        select(Plot, Facility.name)
        .join(Facility, Facility.id == Plot.facility_id)
        .where(Plot.deceased_name == name)
    )
    if year is not None:
        stmt = stmt.where(Plot.death_year == year)
    return [tuple(row) for row in (await session.execute(stmt.limit(GRAVE_RESULTS))).all()]


async def grave(session: AsyncSession, plot_id: int) -> tuple[Plot, Facility, list[Plot]]:
    """A plot, its cemetery and the plots of its section (to draw)."""
    plot = await get(session, Plot, plot_id)
    facility = await session.get(Facility, plot.facility_id)
    section = list(
        await session.scalars(
            select(Plot).where(Plot.facility_id == plot.facility_id, Plot.section == plot.section)
        )
    )
    return plot, facility, section


async def booking_slots(session: AsyncSession, booking: Booking) -> list[Slot]:
    return list(
        await session.scalars(
            select(Slot)
            .join(BookingSlot, BookingSlot.slot_id == Slot.id)
            .where(BookingSlot.booking_id == booking.id)
            .order_by(Slot.day, Slot.label)
        )
    )


async def positions(session: AsyncSession, booking: Booking) -> list[Position]:
    """The hearse's reported positions for a booking, oldest first (the route drawn)."""
    return list(
        await session.scalars(select(Position).where(Position.booking_id == booking.id).order_by(Position.id))
    )


async def own_booking(session: AsyncSession, citizen_id: int, reference: str) -> tuple[Booking, Facility]:
    """A booking of this account by its reference (another account's is not found)."""
    booking = await session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None or booking.citizen_id != citizen_id:
        raise not_found()
    return booking, await session.get(Facility, booking.facility_id)


async def reschedule_choices(
    session: AsyncSession, facility: Facility, slots: list[Slot], today: date
) -> list[Slot]:
    """Free slots of the next two weeks of the kinds the booking holds, other than its own."""
    kinds, held = {s.kind for s in slots}, {s.id for s in slots}
    return [
        s
        for s in await availability(session, facility.id, today, 14)
        if s.taken < s.capacity and s.kind in kinds and s.id not in held
    ]


async def citizen_subsidies(session: AsyncSession, citizen_id: int) -> list[Subsidy]:
    return list(
        await session.scalars(
            select(Subsidy).where(Subsidy.citizen_id == citizen_id).order_by(Subsidy.id.desc())
        )
    )


async def operator_facilities(
    session: AsyncSession, role: str | None, staff_id: int | None, region_scope: RegionScope
) -> list[Facility]:
    """Those who operate a facility (``funeral.operate``) see the facilities they work for;
    civil-affairs staff every facility of their region."""
    if allows(role, P.FUNERAL_OPERATE):
        return list(
            await session.scalars(
                select(Facility)
                .join(Operator, Operator.facility_id == Facility.id)
                .where(Operator.staff_id == staff_id)
            )
        )
    return list(await session.scalars(select(Facility).where(region_scope.where(Facility.region_code))))


async def staff_booking(
    session: AsyncSession, facilities: list[Facility], booking_id: int
) -> tuple[Booking, Facility]:
    """A booking of one of the reader's facilities, with its facility."""
    booking = await get(session, Booking, booking_id)
    if booking.facility_id not in {f.id for f in facilities}:
        raise not_found()
    return booking, await session.get(Facility, booking.facility_id)


async def staff_slot(session: AsyncSession, facilities: list[Facility], slot_id: int) -> Slot:
    slot = await get(session, Slot, slot_id)
    if slot.facility_id not in {f.id for f in facilities}:
        raise not_found()
    return slot


async def staff_item(session: AsyncSession, facilities: list[Facility], item_id: int) -> ServiceItem:
    item = await get(session, ServiceItem, item_id)
    if item.facility_id not in {f.id for f in facilities}:
        raise not_found()
    return item


async def staff_complaint(session: AsyncSession, facilities: list[Facility], complaint_id: int) -> Complaint:
    complaint = await get(session, Complaint, complaint_id)
    await staff_booking(session, facilities, complaint.booking_id)
    return complaint


async def calendar_rows(
    session: AsyncSession, facility_ids: list[int], start: date, days: int
) -> list[tuple[Slot, Booking]]:
    """The booked slots of the facilities in the period (cancelled bookings left out)."""
    if not facility_ids:
        return []
    stmt = (
        select(Slot, Booking)
        .join(BookingSlot, BookingSlot.slot_id == Slot.id)
        .join(Booking, Booking.id == BookingSlot.booking_id)
        .where(
            Slot.facility_id.in_(facility_ids),
            Slot.day >= start,
            Slot.day < start + timedelta(days=days),
            Booking.status != rules.BookingStatus.CANCELLED,
        )
        .order_by(Slot.day, Slot.label)
    )
    return [tuple(row) for row in (await session.execute(stmt)).all()]


async def open_complaints(session: AsyncSession, facility_ids: list[int]) -> list[Complaint]:
    if not facility_ids:
        return []
    return list(
        await session.scalars(
            select(Complaint)
            .join(Booking, Booking.id == Complaint.booking_id)
            .where(Booking.facility_id.in_(facility_ids), Complaint.response.is_(None))
        )
    )


async def open_subsidies(session: AsyncSession, region_scope: RegionScope) -> list[Subsidy]:
    """Subsidies of the region waiting for a decision or a payment."""
    return list(
        await session.scalars(
            select(Subsidy).where(
                region_scope.where(Subsidy.region_code), Subsidy.status.in_(rules.SUBSIDY_OPEN)
            )
        )
    )


async def items_of(session: AsyncSession, facility_ids: list[int]) -> list[ServiceItem]:
    if not facility_ids:
        return []
    return list(
        await session.scalars(
            select(ServiceItem)
            .where(ServiceItem.facility_id.in_(facility_ids))
            .order_by(ServiceItem.facility_id, ServiceItem.id)
        )
    )


async def slots_of(session: AsyncSession, facilities: list[Facility], start: date, days: int) -> list[Slot]:
    return [s for f in facilities for s in await availability(session, f.id, start, days)]
