"""The funeral back office: the operators' calendar, bookings (waiver check, payment, closing),
capacity, fees, complaints and the grave register; the civil-affairs view and subsidy decisions.

An operator (``funeral.operate``) sees the facilities they work for, civil-affairs staff every
facility of their region (``queries.operator_facilities``)."""

from __future__ import annotations

from datetime import date, timedelta

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.auth import staff_guard
from server.accounts.permissions import P, allows
from server.audit.service import Actor
from server.funeral import drawing, forms, queries, rules, service
from server.funeral.models import Facility, Subsidy
from server.regions.scope import RegionScope
from server.web import FormOf, UploadOf, page, session_of


async def provide_facilities(
    request: Request, db_session: AsyncSession, region_scope: RegionScope
) -> list[Facility]:
    who = session_of(request)
    return await queries.operator_facilities(db_session, who.get("role"), who.get("id"), region_scope)


def back_to_booking(request: Request, booking_id: int) -> Redirect:
    return Redirect(
        request.app.route_reverse("funeral:office_booking", booking_id=booking_id), status_code=303
    )


def back_to_calendar(request: Request, start: date | None = None) -> Redirect:
    url = request.app.route_reverse("funeral:office")
    return Redirect(f"{url}?start={start}" if start else url, status_code=303)


class FuneralOfficeController(Controller):
    path = "/office/funeral"
    guards = [staff_guard]
    dependencies = {"facilities": Provide(provide_facilities)}

    @get("/", opt={"permission": P.FUNERAL_READ}, name="funeral:office")
    async def calendar(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        facilities: list[Facility],
        today: date,
        start: date | None = None,
        view: str = "week",
    ) -> Template:
        ids = [f.id for f in facilities]
        start = start or today
        days = 1 if view == "day" else queries.WEEK
        decides = allows(session_of(request).get("role"), P.FUNERAL_SUBSIDY_DECIDE)
        return page(
            request,
            "funeral/office/calendar.html",
            facilities=facilities,
            rows=await queries.calendar_rows(db_session, ids, start, days),
            start=start,
            view=view,
            days=days,
            slot_kinds=rules.SLOT_KINDS,
            complaints=await queries.open_complaints(db_session, ids),
            subsidies=await queries.open_subsidies(db_session, region_scope) if decides else [],
            today=today,
            slots=await queries.slots_of(db_session, facilities, start, days),
            sub_kinds=rules.SUBSIDIES,
            timedelta_days=lambda n: timedelta(days=n),
            items=await queries.items_of(db_session, ids),
            item_fields=forms.NEW_ITEM_FIELDS,
            plots_field=forms.PLOTS_FILE,
        )

    @get("/bookings/{booking_id:int}", opt={"permission": P.FUNERAL_READ}, name="funeral:office_booking")
    async def booking(
        self, request: Request, booking_id: int, db_session: AsyncSession, facilities: list[Facility]
    ) -> Template:
        booking, facility = await queries.staff_booking(db_session, facilities, booking_id)
        return page(
            request,
            "funeral/office/booking.html",
            booking=booking,
            facility=facility,
            slot_kinds=rules.SLOT_KINDS,
            waivers=rules.WAIVERS,
            slots=await queries.booking_slots(db_session, booking),
            route=drawing.route(await queries.positions(db_session, booking), facility),
            pay_fields=forms.PAY_FIELDS,
            cancel_fields=forms.CANCEL_FIELDS,
        )

    @post("/bookings/{booking_id:int}/pay", opt={"permission": P.FUNERAL_OPERATE}, name="funeral:pay")
    async def pay(
        self,
        request: Request,
        booking_id: int,
        data: FormOf[forms.PaymentForm],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        booking, facility = await queries.staff_booking(db_session, facilities, booking_id)
        await service.pay(db_session, actor, booking, facility, data.fen(), data.done)
        return back_to_booking(request, booking_id)

    @post("/bookings/{booking_id:int}/waiver", opt={"permission": P.FUNERAL_OPERATE}, name="funeral:waiver")
    async def waiver(
        self,
        request: Request,
        booking_id: int,
        data: FormOf[forms.WaiverForm],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        """The 惠民殡葬 waiver checked at the counter: confirmed or refused, audited."""
        booking, facility = await queries.staff_booking(db_session, facilities, booking_id)
        await service.decide_waiver(db_session, actor, booking, facility, data.action)
        return back_to_booking(request, booking_id)

    @post(
        "/bookings/{booking_id:int}/cancel",
        opt={"permission": P.FUNERAL_OPERATE},
        name="funeral:operator_cancel",
    )
    async def cancel(
        self,
        request: Request,
        booking_id: int,
        data: FormOf[forms.OperatorCancelForm],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        """The operator closes an open booking with a reason (audited)."""
        booking, facility = await queries.staff_booking(db_session, facilities, booking_id)
        await service.operator_cancel(db_session, actor, booking, facility, data.reason)
        return back_to_booking(request, booking_id)

    @post("/slots/{slot_id:int}", opt={"permission": P.FUNERAL_OPERATE}, name="funeral:capacity")
    async def capacity(
        self,
        request: Request,
        slot_id: int,
        data: FormOf[forms.CapacityForm],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        slot = await queries.staff_slot(db_session, facilities, slot_id)
        await service.set_capacity(db_session, actor, slot, data.places(slot.taken))
        return back_to_calendar(request, slot.day)

    @post("/items/{item_id:int}", opt={"permission": P.FUNERAL_OPERATE}, name="funeral:fee")
    async def item(
        self,
        request: Request,
        item_id: int,
        data: FormOf[forms.FeeForm],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        """The operator keeps the catalogue: a service's fee (audited)."""
        item = await queries.staff_item(db_session, facilities, item_id)
        await service.set_fee(db_session, actor, item, data.fen())
        return back_to_calendar(request)

    @post("/items", opt={"permission": P.FUNERAL_OPERATE}, name="funeral:add_item")
    async def add_item(
        self,
        request: Request,
        data: FormOf[forms.NewItemForm],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        name, fen, unit = data.clean()
        facility_id = rules.record_id(data.facility_id)
        if facility_id not in {f.id for f in facilities}:
            raise queries.not_found()
        await service.add_item(db_session, actor, facility_id, name, fen, unit)
        return back_to_calendar(request)

    @post("/complaints/{complaint_id:int}", opt={"permission": P.FUNERAL_OPERATE}, name="funeral:respond")
    async def respond(
        self,
        request: Request,
        complaint_id: int,
        data: FormOf[forms.ResponseForm],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        complaint = await queries.staff_complaint(db_session, facilities, complaint_id)
        await service.respond(db_session, actor, complaint, data.clean())
        return back_to_calendar(request)

    @post(
        "/subsidies/{subsidy_id:int}",
        opt={"permission": P.FUNERAL_SUBSIDY_DECIDE},
        name="funeral:decide_subsidy",
    )
    async def subsidy(
        self,
        request: Request,
        subsidy_id: int,
        data: FormOf[forms.SubsidyDecisionForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        subsidy = await region_scope.get(db_session, Subsidy, subsidy_id)
        await service.decide_subsidy(db_session, actor, subsidy, data.action, data.transfer_ref)
        return back_to_calendar(request)

    @post("/plots", opt={"permission": P.FUNERAL_OPERATE}, name="funeral:import_plots")
    async def import_plots(
        self,
        request: Request,
        data: UploadOf[forms.PlotsUpload],
        db_session: AsyncSession,
        facilities: list[Facility],
        actor: Actor,
    ) -> Redirect:
        rows = rules.plot_rows(await data.text(), {f.id for f in facilities})
        await service.import_plots(db_session, actor, rows)
        return back_to_calendar(request)
