"""Looking a person up on the register by resident ID: the keyed hash every table stores instead of
the number, and the look-up itself."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.crypto import keyed_hash
from server.people import idcard
from server.people.models import Person

ID_PURPOSE = "resident-id"


def id_hash(secret: str, id_number: str) -> str:
    """The look-up key of a (validated, 18-digit) resident ID."""
    return keyed_hash(secret, ID_PURPOSE, id_number)


async def find_person(session: AsyncSession, secret: str, id_number: str) -> Person | None:
    rid = idcard.parse(id_number)
    return await session.scalar(select(Person).where(Person.id_hash == id_hash(secret, rid.number)))
