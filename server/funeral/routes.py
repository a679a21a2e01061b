"""Funeral services: public directory and lookup, citizen bookings and subsidies, the operators'
calendar and the civil-affairs view, and the hearse position feed."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import segno
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock, money
from server.accounts.auth import citizen_guard, provide_citizen, staff_guard
from server.accounts.models import Citizen
from server.accounts.permissions import P, Role, allows
from server.audit.service import Actor, record
from server.db import utcnow
from server.errors import DomainError, Kind
from server.funeral import drawing, rules, service
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
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import (
    Form,
    Upload,
    page,
    session_of,
)

WEEK = 7


async def availability(session: AsyncSession, facility_id: int, start: date, days: int = WEEK) -> list[Slot]:
    return list(
        await session.scalars(
            select(Slot)
            .where(
                Slot.facility_id == facility_id, Slot.day >= start, Slot.day < start + timedelta(days=days)
            )
            .order_by(Slot.kind, Slot.day, Slot.label)
        )
    )


PRICE_LIMIT_FEN = 10**8  # one item's price: at most 100 万元


class FuneralPublicController(Controller):
    path = "/funeral"

    @get("/")
    async def directory(self, request: Request, db_session: AsyncSession, today: date) -> Template:
        facilities = list(await db_session.scalars(select(Facility).order_by(Facility.kind, Facility.id)))
        free = dict(
            (
                await db_session.execute(
                    select(Slot.facility_id, func.sum(Slot.capacity - Slot.taken))
                    .where(Slot.day >= today, Slot.day < today + timedelta(days=WEEK))
                    .group_by(Slot.facility_id)
                )
            ).all()
        )
        from server.discovery.models import CommunityArea

        areas = list(await db_session.scalars(select(CommunityArea)))
        return page(
            request,
            "funeral/directory.html",
            facilities=facilities,
            free=free,
            kinds=rules.KINDS,
            map_svg=drawing.facility_map(areas, facilities),
        )

    @get("/{facility_id:int}")
    async def facility(
        self, request: Request, facility_id: int, db_session: AsyncSession, today: date
    ) -> Template:
        facility = await db_session.get(Facility, facility_id) if 0 < facility_id < 2**63 else None
        if facility is None:
            raise NotFoundException(detail="error.not_found")
        items = list(
            await db_session.scalars(
                select(ServiceItem)
                .where(ServiceItem.facility_id == facility.id)
                .order_by(ServiceItem.basic.desc(), ServiceItem.id)
            )
        )
        return page(
            request,
            "funeral/facility.html",
            facility=facility,
            items=items,
            slots=await availability(db_session, facility.id, today),
            kinds=rules.KINDS,
            slot_kinds=rules.SLOT_KINDS,
            signed_in=session_of(request).get("kind") == "citizen",
        )

    @get("/graves")
    async def graves(
        self, request: Request, db_session: AsyncSession, name: str = "", year: int | None = None
    ) -> Template:
        rows = []
        if name.strip():
            stmt = (
                select(Plot, Facility.name)
                .join(Facility, Facility.id == Plot.facility_id)
                .where(Plot.deceased_name == name.strip())
            )
            if year and abs(year) < 10_000:  # a forged huge year no column can hold is no filter
                stmt = stmt.where(Plot.death_year == year)
            rows = (await db_session.execute(stmt.limit(20))).all()
        return page(request, "funeral/graves.html", rows=rows, name=name, year=year or "")

    @get("/graves/{plot_id:int}")
    async def grave(self, request: Request, plot_id: int, db_session: AsyncSession) -> Template:
        plot = await db_session.get(Plot, plot_id) if 0 < plot_id < 2**63 else None
        if plot is None:
            raise NotFoundException(detail="error.not_found")
        facility = await db_session.get(Facility, plot.facility_id)
        section = list(
            await db_session.scalars(
                select(Plot).where(Plot.facility_id == plot.facility_id, Plot.section == plot.section)
            )
        )
        return page(
            request, "funeral/grave.html", plot=plot, facility=facility, svg=drawing.section(section, plot)
        )


class FuneralCitizenController(Controller):
    path = "/funeral"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @post("/{facility_id:int}/book")
    async def book(
        self,
        request: Request,
        facility_id: int,
        data: Form,
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        settings: Settings,
    ) -> Redirect:
        facility = await db_session.get(Facility, facility_id) if 0 < facility_id < 2**63 else None
        if facility is None:
            raise NotFoundException(detail="error.not_found")
        slot_ids = [int(v) for k, v in data.items() if k.startswith("slot_") and str(v).isdigit()]
        booking = await service.book(
            db_session,
            actor,
            settings.secret_key,
            citizen.id,
            facility,
            deceased_name=str(data.get("deceased_name", "")),
            deceased_id=str(data.get("deceased_id", "")),
            pickup_address=str(data.get("pickup_address", "")),
            slot_ids=slot_ids,
            item_ids=[],
        )
        return Redirect(f"/funeral/bookings/{booking.reference}", status_code=303)

    @get("/bookings/{reference:str}")
    async def booking(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen, settings: Settings
    ) -> Template:
        booking, facility = await _own(db_session, citizen, reference)
        slots = await service.booking_slots(db_session, booking)
        qr = segno.make(f"{settings.public_url}/funeral/bookings/{booking.reference}").svg_data_uri(scale=4)
        positions = list(
            await db_session.scalars(
                select(Position).where(Position.booking_id == booking.id).order_by(Position.id)
            )
        )
        free = [
            s
            for s in await availability(db_session, facility.id, clock.today(), 14)
            if s.taken < s.capacity
            and s.kind in {b.kind for b in slots}
            and s.id not in {b.id for b in slots}
        ]
        return page(
            request,
            "funeral/booking.html",
            booking=booking,
            facility=facility,
            slots=slots,
            qr=qr,
            free=free,
            waivers=rules.WAIVERS,
            slot_kinds=rules.SLOT_KINDS,
            route=drawing.route(positions, facility),
        )

    @post("/bookings/{reference:str}/cancel")
    async def cancel(
        self, reference: str, db_session: AsyncSession, citizen: Citizen, actor: Actor
    ) -> Redirect:
        booking, facility = await _own(db_session, citizen, reference)
        await service.cancel(db_session, actor, booking, facility, datetime.now().astimezone())
        return Redirect(f"/funeral/bookings/{reference}", status_code=303)

    @post("/bookings/{reference:str}/reschedule")
    async def reschedule(
        self, reference: str, data: Form, db_session: AsyncSession, citizen: Citizen, actor: Actor
    ) -> Redirect:
        booking, facility = await _own(db_session, citizen, reference)
        old, new = str(data.get("old_slot", "")), str(data.get("new_slot", ""))
        if not (old.isdigit() and new.isdigit()):
            raise DomainError("funeral.choose_slot", Kind.INVALID)
        await service.reschedule(
            db_session, actor, booking, facility, int(old), int(new), datetime.now().astimezone()
        )
        return Redirect(f"/funeral/bookings/{reference}", status_code=303)

    @post("/bookings/{reference:str}/rate")
    async def rate(
        self,
        reference: str,
        data: Form,
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Redirect:
        booking, facility = await _own(db_session, citizen, reference)
        if booking.status != "completed":
            raise DomainError("funeral.not_done", Kind.CONFLICT)
        stars = str(data.get("rating", ""))
        if stars not in ("1", "2", "3", "4", "5"):
            raise DomainError("form.choose", Kind.INVALID)
        booking.rating, booking.rating_comment = (
            int(stars),
            str(data.get("comment", "")).strip()[:500] or None,
        )
        await record(
            db_session,
            actor,
            "funeral.rate",
            "funeral_booking",
            reference,
            region_code=facility.region_code,
            after={"rating": booking.rating},
        )
        if str(data.get("complaint", "")).strip():
            await service.complain(db_session, actor, booking, str(data["complaint"]), today)
        return Redirect(f"/funeral/bookings/{reference}", status_code=303)

    @get("/subsidies")
    async def subsidies(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        mine = list(
            await db_session.scalars(
                select(Subsidy).where(Subsidy.citizen_id == citizen.id).order_by(Subsidy.id.desc())
            )
        )
        return page(
            request,
            "funeral/subsidies.html",
            mine=mine,
            kinds=rules.SUBSIDIES,
            relationships=rules.RELATIONSHIPS,
        )

    @post("/subsidies")
    async def apply(
        self, data: Form, db_session: AsyncSession, citizen: Citizen, actor: Actor, settings: Settings
    ) -> Redirect:
        await service.apply_subsidy(
            db_session,
            actor,
            settings.secret_key,
            citizen.id,
            kind=str(data.get("kind", "")),
            deceased_name=str(data.get("deceased_name", "")),
            deceased_id=str(data.get("deceased_id", "")),
            relationship=str(data.get("relationship", "")),
            region_code=await _city_code(db_session),
        )
        return Redirect("/funeral/subsidies", status_code=303)


async def _city_code(session: AsyncSession) -> str:
    """The city this deployment serves (a subsidy for someone not on the register is the city's)."""
    return await session.scalar(
        select(Region.code).where(Region.level == "city").order_by(Region.code).limit(1)
    )


async def _own(session: AsyncSession, citizen: Citizen, reference: str) -> tuple[Booking, Facility]:
    booking = await session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None or booking.citizen_id != citizen.id:
        raise NotFoundException(detail="error.not_found")
    return booking, await session.get(Facility, booking.facility_id)


class DeviceController(Controller):
    """Hearse devices post their positions with their own token (no session, no CSRF: /api/device/)."""

    path = "/api/device"

    @post("/positions", status_code=201)
    async def position(
        self, request: Request, data: dict[str, Any], db_session: AsyncSession
    ) -> dict[str, Any]:
        auth = request.headers.get("authorization", "")
        pos = await service.device_position(db_session, auth.removeprefix("Bearer ").strip(), data)
        return {"id": pos.id}


async def operator_facilities(
    session: AsyncSession, request: Request, region_scope: RegionScope
) -> list[Facility]:
    """Operators see their own facility; civil-affairs staff every facility of their region."""
    if session_of(request).get("role") == Role.FUNERAL_OPERATOR:
        return list(
            await session.scalars(
                select(Facility)
                .join(Operator, Operator.facility_id == Facility.id)
                .where(Operator.staff_id == session_of(request).get("id"))
            )
        )
    return list(await session.scalars(select(Facility).where(region_scope.where(Facility.region_code))))


class FuneralOfficeController(Controller):
    path = "/office/funeral"
    guards = [staff_guard]

    @get("/", opt={"permission": P.FUNERAL_READ})
    async def calendar(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        today: date,
        start: date | None = None,
        view: str = "week",
    ) -> Template:
        facilities = await operator_facilities(db_session, request, region_scope)
        ids = [f.id for f in facilities]
        start = start or today
        days = 1 if view == "day" else WEEK
        rows = (
            (
                await db_session.execute(
                    select(Slot, Booking)
                    .join(BookingSlot, BookingSlot.slot_id == Slot.id)
                    .join(Booking, Booking.id == BookingSlot.booking_id)
                    .where(
                        Slot.facility_id.in_(ids),
                        Slot.day >= start,
                        Slot.day < start + timedelta(days=days),
                        Booking.status != "cancelled",
                    )
                    .order_by(Slot.day, Slot.label)
                )
            ).all()
            if ids
            else []
        )
        complaints = (
            list(
                await db_session.scalars(
                    select(Complaint)
                    .join(Booking, Booking.id == Complaint.booking_id)
                    .where(Booking.facility_id.in_(ids), Complaint.response.is_(None))
                )
            )
            if ids
            else []
        )
        subsidies = (
            list(
                await db_session.scalars(
                    select(Subsidy).where(
                        region_scope.where(Subsidy.region_code), Subsidy.status.in_(("submitted", "approved"))
                    )
                )
            )
            if allows(session_of(request).get("role"), P.FUNERAL_SUBSIDY_DECIDE)
            else []
        )
        return page(
            request,
            "funeral/calendar.html",
            facilities=facilities,
            rows=rows,
            start=start,
            view=view,
            days=days,
            slot_kinds=rules.SLOT_KINDS,
            complaints=complaints,
            subsidies=subsidies,
            today=today,
            slots=[s for f in facilities for s in await availability(db_session, f.id, start, days)],
            sub_kinds=rules.SUBSIDIES,
            timedelta_days=lambda n: timedelta(days=n),
            items=list(
                await db_session.scalars(
                    select(ServiceItem)
                    .where(ServiceItem.facility_id.in_(ids))
                    .order_by(ServiceItem.facility_id, ServiceItem.id)
                )
            )
            if ids
            else [],
        )

    @get("/bookings/{booking_id:int}", opt={"permission": P.FUNERAL_READ})
    async def booking(
        self, request: Request, booking_id: int, db_session: AsyncSession, region_scope: RegionScope
    ) -> Template:
        booking, facility = await _staff_booking(db_session, request, region_scope, booking_id)
        positions = list(
            await db_session.scalars(
                select(Position).where(Position.booking_id == booking.id).order_by(Position.id)
            )
        )
        return page(
            request,
            "funeral/office_booking.html",
            booking=booking,
            facility=facility,
            slot_kinds=rules.SLOT_KINDS,
            waivers=rules.WAIVERS,
            slots=await service.booking_slots(db_session, booking),
            route=drawing.route(positions, facility),
        )

    @post("/bookings/{booking_id:int}/pay", opt={"permission": P.FUNERAL_OPERATE})
    async def pay(
        self,
        request: Request,
        booking_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        booking, facility = await _staff_booking(db_session, request, region_scope, booking_id)
        cents = money.parse_fen(str(data.get("amount", "")), field="amount")
        if booking.waiver == "pending":
            raise DomainError("funeral.waiver_first", Kind.CONFLICT)
        if cents != booking.payable_cents - booking.paid_cents or booking.status == "cancelled":
            raise DomainError("funeral.amount", Kind.INVALID)
        booking.paid_cents, booking.paid_at, booking.paid_by = (
            booking.paid_cents + cents,
            utcnow(),
            actor.name,
        )
        if data.get("completed") == "on" and await service.close_booking(db_session, booking, "completed"):
            booking.pickup_status = "done"
        await record(
            db_session,
            actor,
            "funeral.payment",
            "funeral_booking",
            booking.reference,
            region_code=facility.region_code,
            after={"paid_cents": booking.paid_cents, "status": booking.status},
        )
        return Redirect(f"/office/funeral/bookings/{booking_id}", status_code=303)

    @post("/bookings/{booking_id:int}/waiver", opt={"permission": P.FUNERAL_OPERATE})
    async def waiver(
        self,
        request: Request,
        booking_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        """The 惠民殡葬 waiver checked at the counter: confirmed or refused, audited."""
        booking, facility = await _staff_booking(db_session, request, region_scope, booking_id)
        await service.decide_waiver(db_session, actor, booking, facility, str(data.get("action", "")))
        return Redirect(f"/office/funeral/bookings/{booking_id}", status_code=303)

    @post("/bookings/{booking_id:int}/cancel", opt={"permission": P.FUNERAL_OPERATE})
    async def cancel(
        self,
        request: Request,
        booking_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        """The operator closes an open booking with a reason (audited)."""
        booking, facility = await _staff_booking(db_session, request, region_scope, booking_id)
        await service.operator_cancel(db_session, actor, booking, facility, str(data.get("reason", "")))
        return Redirect(f"/office/funeral/bookings/{booking_id}", status_code=303)

    @post("/slots/{slot_id:int}", opt={"permission": P.FUNERAL_OPERATE})
    async def capacity(
        self,
        request: Request,
        slot_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        slot = await db_session.get(Slot, slot_id) if 0 < slot_id < 2**63 else None
        if slot is None or slot.facility_id not in {
            f.id for f in await operator_facilities(db_session, request, region_scope)
        }:
            raise NotFoundException(detail="error.not_found")
        raw = str(data.get("capacity", ""))
        if not raw.isdigit() or int(raw) < slot.taken or int(raw) > 500:
            raise DomainError("funeral.capacity", Kind.INVALID)
        before, slot.capacity = slot.capacity, int(raw)
        await record(
            db_session,
            actor,
            "funeral.capacity",
            "funeral_slot",
            slot.id,
            before={"capacity": before},
            after={"capacity": slot.capacity},
        )
        return Redirect(f"/office/funeral?start={slot.day}", status_code=303)

    @post("/items/{item_id:int}", opt={"permission": P.FUNERAL_OPERATE})
    async def item(
        self,
        request: Request,
        item_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        """The operator keeps the catalogue: a service's fee (audited)."""
        item = await db_session.get(ServiceItem, item_id) if 0 < item_id < 2**63 else None
        if item is None or item.facility_id not in {
            f.id for f in await operator_facilities(db_session, request, region_scope)
        }:
            raise NotFoundException(detail="error.not_found")
        cents = money.parse_fen(str(data.get("price", "")), field="price", high=PRICE_LIMIT_FEN)
        before, item.price_cents = item.price_cents, cents
        await record(
            db_session,
            actor,
            "funeral.fee",
            "funeral_item",
            item.id,
            before={"price_cents": before},
            after={"price_cents": cents, "name": item.name},
        )
        return Redirect("/office/funeral", status_code=303)

    @post("/items", opt={"permission": P.FUNERAL_OPERATE})
    async def add_item(
        self, request: Request, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        facilities = {f.id for f in await operator_facilities(db_session, request, region_scope)}
        facility_id = str(data.get("facility_id", ""))
        name = str(data.get("name", "")).strip()
        cents = money.parse_fen(str(data.get("price", "")), field="price", high=PRICE_LIMIT_FEN)
        if not facility_id.isdigit() or int(facility_id) not in facilities:
            raise NotFoundException(detail="error.not_found")
        if not name:
            raise DomainError("form.required", Kind.INVALID)
        item = ServiceItem(
            facility_id=int(facility_id),
            name=name[:60],
            basic=False,
            price_cents=cents,
            unit=str(data.get("unit", "次")).strip()[:20] or "次",
        )
        db_session.add(item)
        await db_session.flush()
        await record(
            db_session,
            actor,
            "funeral.item_add",
            "funeral_item",
            item.id,
            after={"name": item.name, "price_cents": cents},
        )
        return Redirect("/office/funeral", status_code=303)

    @post("/complaints/{complaint_id:int}", opt={"permission": P.FUNERAL_OPERATE})
    async def respond(
        self,
        request: Request,
        complaint_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        complaint = await db_session.get(Complaint, complaint_id) if 0 < complaint_id < 2**63 else None
        if complaint is None:
            raise NotFoundException(detail="error.not_found")
        await _staff_booking(db_session, request, region_scope, complaint.booking_id)
        if not str(data.get("response", "")).strip():
            raise DomainError("form.required", Kind.INVALID)
        complaint.response, complaint.responded_by = str(data["response"]).strip(), actor.name
        await record(
            db_session,
            actor,
            "funeral.complaint_response",
            "funeral_complaint",
            complaint.id,
            opinion=complaint.response,
        )
        return Redirect("/office/funeral", status_code=303)

    @post("/subsidies/{subsidy_id:int}", opt={"permission": P.FUNERAL_SUBSIDY_DECIDE})
    async def subsidy(
        self, subsidy_id: int, data: Form, db_session: AsyncSession, region_scope: RegionScope, actor: Actor
    ) -> Redirect:
        subsidy = await region_scope.get(db_session, Subsidy, subsidy_id)
        await service.decide_subsidy(
            db_session, actor, subsidy, str(data.get("action", "")), str(data.get("transfer_ref", ""))
        )
        return Redirect("/office/funeral", status_code=303)

    @post("/plots", opt={"permission": P.FUNERAL_OPERATE})
    async def import_plots(
        self,
        request: Request,
        data: Upload,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        facilities = {f.id for f in await operator_facilities(db_session, request, region_scope)}
        upload = data.get("file")
        raw = (await upload.read()).decode("utf-8-sig") if hasattr(upload, "read") else ""
        rows, bad = [], 0
        for line in csv.DictReader(io.StringIO(raw)):
            try:
                fid = int(line["facility_id"])
                if fid not in facilities:
                    raise ValueError
                rows.append(
                    dict(
                        facility_id=fid,
                        section=line["section"].strip()[:20],
                        row=int(line["row"]),
                        number=int(line["number"]),
                        deceased_name=line["deceased_name"].strip()[:50],
                        death_year=int(line["death_year"]) if line.get("death_year") else None,
                    )
                )
            except (KeyError, ValueError, AttributeError):
                bad += 1
        if bad or not rows:
            raise DomainError("funeral.plots_csv", Kind.INVALID)
        from sqlalchemy import insert

        await db_session.execute(insert(Plot), rows)
        await record(
            db_session, actor, "funeral.plots_import", "funeral_plots", None, after={"rows": len(rows)}
        )
        return Redirect("/office/funeral", status_code=303)


async def _staff_booking(
    session: AsyncSession, request: Request, region_scope: RegionScope, booking_id: int
) -> tuple[Booking, Facility]:
    booking = await session.get(Booking, booking_id) if 0 < booking_id < 2**63 else None
    if booking is None or booking.facility_id not in {
        f.id for f in await operator_facilities(session, request, region_scope)
    }:
        raise NotFoundException(detail="error.not_found")
    return booking, await session.get(Facility, booking.facility_id)
