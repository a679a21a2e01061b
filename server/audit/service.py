"""Appending to the trail inside the caller's transaction, and verifying the whole chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.chain import FIELDS, ChainReport, ChainWalker, record_hash
from server.audit.models import GENESIS, AuditHead, AuditRecord
from server.db import utcnow


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | citizen | system | device
    id: str | None = None
    name: str | None = None
    role: str | None = None
    region_code: str | None = None
    client_ip: str | None = None


SYSTEM = Actor(kind="system", name="huimin")


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    opinion: str | None = None,
    region_code: str | None = None,
) -> AuditRecord:
    """Append one record. Call it in the same transaction as the change it describes, so
    that both are written or neither is."""
    head = (
        await session.execute(
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(seq=AuditHead.seq + 1)
            .returning(AuditHead.seq, AuditHead.hash)
        )
    ).one()
    fields = dict(
        seq=head.seq,
        at=utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        role=actor.role,
        region_code=region_code or actor.region_code,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        opinion=opinion,
        client_ip=actor.client_ip,
    )
    digest = record_hash(head.hash, fields)
    entry = AuditRecord(**fields, prev_hash=head.hash, hash=digest)
    session.add(entry)
    await session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    await session.flush()
    return entry


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Stream the whole chain in order; the head row says how long it must be (so deleting
    the newest records is caught too)."""
    columns = [getattr(AuditRecord, name) for name in ("prev_hash", "hash", *FIELDS)]
    walker = ChainWalker(GENESIS)
    result = await session.stream(
        select(*columns).order_by(AuditRecord.seq).execution_options(yield_per=2000)
    )
    async for row in result:
        if not walker.feed(row._mapping):
            break
    head = await session.get(AuditHead, 1)
    return walker.report(head.seq if head else 0)
