"""Funeral services for a signed-in citizen: booking (with the 惠民殡葬 waiver from the records),
the booking's page (fees, hearse route, rescheduling, cancelling, rating) and subsidies."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

import segno
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.accounts.auth import citizen_guard, provide_citizen
from server.accounts.models import Citizen
from server.audit.service import Actor
from server.errors import DomainError, Kind
from server.funeral import drawing, forms, queries, rules, service
from server.funeral.public_routes import facility_page
from server.regions.queries import city_code
from server.settings import Settings
from server.web import FormOf, page


def invalid(error: DomainError) -> dict[str, str]:
    """A refusal of what was typed as the form's errors (by field; "" for the form as a whole);
    any other refusal goes on to the error page."""
    if error.kind != Kind.INVALID:
        raise error
    return {error.field or "": error.code}


def to_booking(request: Request, reference: str) -> Redirect:
    return Redirect(request.app.route_reverse("funeral:booking", reference=reference), status_code=303)


def unprocessable(response: Template) -> Template:
    response.status_code = 422
    return response


class FuneralCitizenController(Controller):
    path = "/funeral"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @post("/{facility_id:int}/book", name="funeral:book")
    async def book(
        self,
        request: Request,
        facility_id: int,
        data: FormOf[forms.BookingForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect | Template:
        facility = await queries.facility(db_session, facility_id)
        try:
            booking = await service.book(
                db_session,
                actor,
                settings.secret_key,
                citizen.id,
                facility,
                deceased_name=data.deceased_name,
                deceased_id=data.deceased_id,
                pickup_address=data.pickup_address,
                slot_ids=data.slot_ids(),
                item_ids=[],
            )
        except DomainError as e:
            errors = invalid(e)
            values = {k: v for k, v in asdict(data).items() if k != "deceased_id"}  # not echoed
            return unprocessable(await facility_page(request, db_session, facility_id, today, values, errors))
        return to_booking(request, booking.reference)

    @get("/bookings/{reference:str}", name="funeral:booking")
    async def booking(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen, settings: Settings
    ) -> Template:
        booking, facility = await queries.own_booking(db_session, citizen.id, reference)
        slots = await queries.booking_slots(db_session, booking)
        qr = segno.make(f"{settings.public_url}/funeral/bookings/{booking.reference}").svg_data_uri(scale=4)
        return page(
            request,
            "funeral/booking.html",
            booking=booking,
            facility=facility,
            slots=slots,
            qr=qr,
            free=await queries.reschedule_choices(db_session, facility, slots, clock.today()),
            waivers=rules.WAIVERS,
            slot_kinds=rules.SLOT_KINDS,
            route=drawing.route(await queries.positions(db_session, booking), facility),
            rating_fields=forms.RATING_FIELDS,
            reschedule_fields=forms.RESCHEDULE_FIELDS,
        )

    @post("/bookings/{reference:str}/cancel", name="funeral:cancel")
    async def cancel(
        self, request: Request, reference: str, db_session: AsyncSession, citizen: Citizen, actor: Actor
    ) -> Redirect:
        booking, facility = await queries.own_booking(db_session, citizen.id, reference)
        await service.cancel(db_session, actor, booking, facility, datetime.now().astimezone())
        return to_booking(request, reference)

    @post("/bookings/{reference:str}/reschedule", name="funeral:reschedule")
    async def reschedule(
        self,
        request: Request,
        reference: str,
        data: FormOf[forms.RescheduleForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
    ) -> Redirect:
        booking, facility = await queries.own_booking(db_session, citizen.id, reference)
        old, new = data.clean()
        await service.reschedule(db_session, actor, booking, facility, old, new, datetime.now().astimezone())
        return to_booking(request, reference)

    @post("/bookings/{reference:str}/rate", name="funeral:rate")
    async def rate(
        self,
        request: Request,
        reference: str,
        data: FormOf[forms.RatingForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        today: date,
    ) -> Redirect:
        booking, facility = await queries.own_booking(db_session, citizen.id, reference)
        rules.booking_step(booking.status, rules.BookingAction.RATE)  # "not done yet" before the stars
        stars = data.stars()
        await service.rate(db_session, actor, booking, facility, stars, data.comment, data.complaint, today)
        return to_booking(request, reference)

    @get("/subsidies", name="funeral:subsidies")
    async def subsidies(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        return await subsidies_page(request, db_session, citizen)

    @post("/subsidies", name="funeral:apply")
    async def apply(
        self,
        request: Request,
        data: FormOf[forms.SubsidyForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
        settings: Settings,
    ) -> Redirect | Template:
        try:
            await service.apply_subsidy(
                db_session,
                actor,
                settings.secret_key,
                citizen.id,
                kind=data.kind,
                deceased_name=data.deceased_name,
                deceased_id=data.deceased_id,
                relationship=data.relationship,
                region_code=await city_code(db_session),
            )
        except DomainError as e:
            errors = invalid(e)
            values = {
                "kind": data.kind,
                "deceased_name": data.deceased_name,
                "relationship": data.relationship,
            }
            return unprocessable(await subsidies_page(request, db_session, citizen, values, errors))
        return Redirect(request.app.route_reverse("funeral:subsidies"), status_code=303)


async def subsidies_page(
    request: Request,
    session: AsyncSession,
    citizen: Citizen,
    values: dict | None = None,
    errors: dict | None = None,
) -> Template:
    return page(
        request,
        "funeral/subsidies.html",
        mine=await queries.citizen_subsidies(session, citizen.id),
        kinds=rules.SUBSIDIES,
        fields=forms.SUBSIDY_FIELDS,
        values=values or {},
        errors=errors or {},
    )
