"""Reads the certificate pages share: a citizen's certificates, the office list and the counter's
look-up by ID number, the published keys' rows and the revoked serials."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.certificates import rules
from server.certificates.models import Certificate, SigningKey
from server.regions.models import Region
from server.regions.scope import RegionScope


async def find(session: AsyncSession, serial: str) -> Certificate | None:
    """By serial (unguessable; anything longer than a serial is nothing)."""
    if len(serial) > 24:
        return None
    return await session.scalar(select(Certificate).where(Certificate.serial == serial))


async def of_citizen(session: AsyncSession, citizen_id: int) -> list[Certificate]:
    return list(
        await session.scalars(
            select(Certificate).where(Certificate.citizen_id == citizen_id).order_by(Certificate.id.desc())
        )
    )


async def of_region(session: AsyncSession, scope: RegionScope) -> list[Certificate]:
    """The office list: requests waiting first, newest first."""
    return list(
        await session.scalars(
            select(Certificate)
            .where(scope.where(Certificate.region_code))
            .order_by(Certificate.status != rules.Status.REQUESTED, Certificate.id.desc())
            .limit(200)
        )
    )


async def of_resident(session: AsyncSession, scope: RegionScope, digest: str) -> list[Certificate]:
    """A counter's look-up by ID number: a community counter serves the whole city (全市通办); the
    levels above look within their own region."""
    reach = (
        Certificate.region_code.like(scope.code[:4] + "%")
        if len(scope.code) == 12
        else scope.where(Certificate.region_code)
    )
    return list(
        await session.scalars(
            select(Certificate).where(Certificate.id_hash == digest, reach).order_by(Certificate.id.desc())
        )
    )


async def city(session: AsyncSession) -> Region | None:
    """The city whose keys sign the certificates."""
    return await session.scalar(select(Region).where(Region.level == "city").order_by(Region.code).limit(1))


async def revoked(session: AsyncSession) -> list[tuple[str, str]]:
    """(serial, status) of every certificate withdrawn (revoked or replaced), oldest first."""
    rows = await session.execute(
        select(Certificate.serial, Certificate.status)
        .where(Certificate.status.in_(tuple(rules.REASON_CODES)))
        .order_by(Certificate.id)
    )
    return [(serial, status) for serial, status in rows]


async def signer_chain(session: AsyncSession, community: str, city_code: str) -> str | None:
    """A community's signing certificate followed by the city root (PEM), once it has signed."""
    row = await session.scalar(select(SigningKey).where(SigningKey.owner == f"community:{community}"))
    root = await session.scalar(select(SigningKey).where(SigningKey.owner == f"root:{city_code}"))
    if row is None or root is None or not row.cert_pem or not root.cert_pem:
        return None
    return row.cert_pem + root.cert_pem


async def by_id(session: AsyncSession, cert_id: int) -> Certificate | None:
    return await session.get(Certificate, cert_id) if 0 < cert_id < 2**63 else None
