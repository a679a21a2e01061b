"""Reads of the region tree that pages share: names for codes, the regions of one level, the city.

The one place a page gets a region's name or a list of regions to pick from; pass a ``RegionScope``
to keep the list inside the signed-in officer's subtree.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.regions.models import Region
from server.regions.scope import RegionScope


async def names(session: AsyncSession, codes: Iterable[str] | None = None) -> dict[str, str]:
    """Region code -> name, for the given codes (all regions when ``codes`` is None)."""
    stmt = select(Region.code, Region.name)
    if codes is not None:
        wanted = {c for c in codes if c}
        if not wanted:
            return {}
        stmt = stmt.where(Region.code.in_(wanted))
    return {code: name for code, name in (await session.execute(stmt)).all()}


async def regions(
    session: AsyncSession,
    *,
    level: str | None = None,
    scope: RegionScope | None = None,
    prefix: str = "",
    levels: Iterable[str] = (),
) -> list[Region]:
    """Regions in code order: of one ``level`` (city, district, street, community) or of any of
    ``levels``, inside ``scope`` and/or starting with ``prefix`` (a city's code prefix, for
    citizens' pickers)."""
    stmt = select(Region).order_by(Region.code)
    if level:
        stmt = stmt.where(Region.level == level)
    if levels:
        stmt = stmt.where(Region.level.in_(tuple(levels)))
    if scope is not None:
        stmt = stmt.where(scope.where(Region.code))
    if prefix:
        stmt = stmt.where(Region.code.like(prefix + "%"))
    return list(await session.scalars(stmt))


async def city_code(session: AsyncSession) -> str | None:
    """The code of the city this platform serves (the first city in the tree)."""
    return await session.scalar(
        select(Region.code).where(Region.level == "city").order_by(Region.code).limit(1)
    )
