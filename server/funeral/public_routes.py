"""Funeral pages anyone may open: the directory with its map, a facility's catalogue and free
slots, and the grave look-up."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import DomainError, Kind
from server.funeral import drawing, forms, queries, rules
from server.web import page, session_of


class FuneralPublicController(Controller):
    path = "/funeral"

    @get("/", name="funeral:directory")
    async def directory(self, request: Request, db_session: AsyncSession, today: date) -> Template:
        facilities, free, areas = await queries.directory(db_session, today)
        return page(
            request,
            "funeral/directory.html",
            facilities=facilities,
            free=free,
            kinds=rules.KINDS,
            map_svg=drawing.facility_map(
                areas, facilities, lambda f: request.app.route_reverse("funeral:facility", facility_id=f.id)
            ),
        )

    @get("/{facility_id:int}", name="funeral:facility")
    async def facility(
        self, request: Request, facility_id: int, db_session: AsyncSession, today: date
    ) -> Template:
        return await facility_page(request, db_session, facility_id, today)

    @get("/graves", name="funeral:graves")
    async def graves(
        self, request: Request, db_session: AsyncSession, name: str = "", year: str = ""
    ) -> Template:
        """Plots by the deceased's name; a blank year is no filter, a year that is not one a field error."""
        search, rows, errors = forms.GraveSearch(name=name, year=year), [], {}
        try:
            wanted, death_year = search.clean()
            rows = await queries.graves(db_session, wanted, death_year)
        except DomainError as e:
            if e.kind != Kind.INVALID:
                raise
            errors = {e.field or "": e.code}
        return page(
            request,
            "funeral/graves.html",
            rows=rows,
            name=name.strip(),
            values={"name": name, "year": year},
            errors=errors,
            fields=forms.GRAVE_FIELDS,
        )

    @get("/graves/{plot_id:int}", name="funeral:grave")
    async def grave(self, request: Request, plot_id: int, db_session: AsyncSession) -> Template:
        plot, facility, section = await queries.grave(db_session, plot_id)
        return page(
            request, "funeral/grave.html", plot=plot, facility=facility, svg=drawing.section(section, plot)
        )


async def facility_page(
    request: Request,
    session: AsyncSession,
    facility_id: int,
    today: date,
    values: dict | None = None,
    errors: dict | None = None,
) -> Template:
    """A facility's page with its booking form (again with what was typed and the errors, when a
    booking is refused for its input)."""
    facility = await queries.facility(session, facility_id)
    return page(
        request,
        "funeral/facility.html",
        facility=facility,
        items=await queries.facility_items(session, facility.id),
        slots=await queries.availability(session, facility.id, today),
        kinds=rules.KINDS,
        slot_kinds=rules.SLOT_KINDS,
        signed_in=session_of(request).get("kind") == "citizen",
        fields=forms.BOOKING_FIELDS,
        values=values or {},
        errors=errors or {},
    )
