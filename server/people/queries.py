"""Looking a person up on the register by resident ID: the keyed hash every table stores instead of
the number, and the look-up itself."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.crypto import keyed_hash
from server.people import idcard
from server.people.models import HouseholdMember, Person

ID_PURPOSE = "resident-id"


def id_hash(secret: str, id_number: str) -> str:
    """The look-up key of a (validated, 18-digit) resident ID."""
    return keyed_hash(secret, ID_PURPOSE, id_number)


async def find_person(session: AsyncSession, secret: str, id_number: str) -> Person | None:
    rid = idcard.parse(id_number)
    return await session.scalar(select(Person).where(Person.id_hash == id_hash(secret, rid.number)))


# ------------------------------------------------------------------ whom a page shows (record_view)


async def people_by_hash(session: AsyncSession, hashes: Iterable[str | None]) -> list[int]:
    """The register ids of the people with these ID hashes (those not on the register: none)."""
    wanted = sorted({h for h in hashes if h})
    if not wanted:
        return []
    return list(await session.scalars(select(Person.id).where(Person.id_hash.in_(wanted))))


async def household_people(session: AsyncSession, household_id: int | None) -> list[int]:
    if household_id is None:
        return []
    rows = await session.scalars(
        select(HouseholdMember.person_id).where(HouseholdMember.household_id == household_id)
    )
    return list(rows)
