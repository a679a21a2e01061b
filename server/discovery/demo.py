"""Community outlines for the demo city: squares on a small grid around each district's centre
(the project's own map data; a real city imports its surveyed outlines)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.discovery.models import CommunityArea

CENTRES = {"331102": (28.4500, 119.9200), "331121": (28.1400, 120.2900)}  # 莲都区, 青田县
SIZE = 0.01  # degrees, about 1.1 km


def outline_of(code: str) -> tuple[tuple[float, float], list[list[float]]]:
    lat0, lon0 = CENTRES[code[:6]]
    street, community = int(code[6:9]) - 1, int(code[9:12]) - 1
    south, west = lat0 + street * SIZE, lon0 + community * SIZE
    corners = [[south, west], [south, west + SIZE], [south + SIZE, west + SIZE], [south + SIZE, west]]
    return (south + SIZE / 2, west + SIZE / 2), corners


async def seed(session: AsyncSession, community_codes: list[str]) -> None:
    for code in community_codes:
        (lat, lon), corners = outline_of(code)
        session.add(CommunityArea(region_code=code, centre_lat=lat, centre_lon=lon, outline=corners))
    await session.flush()
