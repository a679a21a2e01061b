"""Finding or registering a person by resident ID: the one way every service adds people."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.crypto import encrypt
from server.people import idcard
from server.people.models import Person
from server.people.queries import ID_PURPOSE, id_hash


async def register_person(
    session: AsyncSession,
    secret: str,
    *,
    name: str,
    id_number: str,
    region_code: str,
    hukou_region_code: str | None = None,
    phone: str | None = None,
) -> Person:
    """The person with this ID, created if new (raises ``IdNumberError`` for a bad number)."""
    rid = idcard.parse(id_number)
    digest = id_hash(secret, rid.number)
    person = await session.scalar(select(Person).where(Person.id_hash == digest))
    if person is None:
        person = Person(
            name=name.strip(),
            id_hash=digest,
            id_masked=rid.masked,
            id_cipher=encrypt(secret, ID_PURPOSE, rid.number),
            birth_date=rid.birth,
            male=rid.male,
            region_code=region_code,
            hukou_region_code=hukou_region_code,
            phone=phone,
        )
        session.add(person)
        await session.flush()
    return person
