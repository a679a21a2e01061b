"""Rate limits for every process of the service, kept in the database: one counter per limit, subject
(a client address, an account...) and slice of time, counted with one atomic upsert, so parallel
requests and several server processes see the same count. A limit's window slides: it is cut into
six slices and the hits of the slices in the last window are added up (no double burst across a
fixed window's edge). Slices past the window are deleted as new ones open: the table holds only the
last hour or so, however many clients come.

Counters are written in their own short transaction on the engine (not the request's session), so a
refused or failed request (rolled back by the autocommit handler) still counts. Call them before the
request's session writes anything (on SQLite a second writer would wait for the first).
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class RateCounter(Base):
    __tablename__ = "rate_counters"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)  # the limit's name
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the client address...
    window_start: Mapped[datetime] = mapped_column(primary_key=True)  # the slice's start
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class Limit:
    """At most ``per`` hits in any ``seconds`` for one subject."""

    scope: str
    per: int
    seconds: int

    @property
    def slice(self) -> int:
        return max(1, self.seconds // SLICES)


SLICES = 6


def slice_start(now: datetime, seconds: int) -> datetime:
    """The slice of ``seconds`` that ``now`` falls in (aligned on the Unix epoch, UTC)."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def retry_after(now: datetime, limit: Limit) -> int:
    """Seconds until the oldest slice still counted leaves the window."""
    end = slice_start(now, limit.slice) + timedelta(seconds=limit.slice)
    return max(1, int((end - now).total_seconds()) + 1)


def address(ip: str) -> str:
    """The subject for a client address: an IPv6 address by its /64 network (one subscriber usually
    holds a whole /64 and could otherwise take a fresh address for every try)."""
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def subject_of(value: str) -> str:
    """Addresses and names are not kept in clear, only their digest."""
    return hashlib.sha256(value.encode()).hexdigest()


def _bind(db: AsyncEngine | AsyncSession) -> AsyncEngine:
    return db.bind if isinstance(db, AsyncSession) else db  # type: ignore[return-value]


def _in_window(limit: Limit, subject: str, now: datetime):
    return (
        RateCounter.scope == limit.scope,
        RateCounter.subject == subject_of(subject),
        RateCounter.window_start > now - timedelta(seconds=limit.seconds),
    )


async def hit(db: AsyncEngine | AsyncSession, limit: Limit, subject: str, now: datetime | None = None) -> int:
    """Count one hit and return the hits in the window, this one included (committed at once).
    ``hit(...) > limit.per`` means refuse."""
    now = now or utcnow()
    start = slice_start(now, limit.slice)
    engine = _bind(db)
    mod = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = mod.insert(RateCounter).values(
        scope=limit.scope,
        subject=subject_of(subject),
        window_start=start,
        hits=1,
        expires_at=start + timedelta(seconds=limit.seconds + limit.slice),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "subject", "window_start"], set_={"hits": RateCounter.hits + 1}
    ).returning(RateCounter.hits)
    async with engine.begin() as conn:
        # the slice's row is locked until commit: parallel hits of one subject are counted in turn
        if (await conn.execute(stmt)).scalar_one() == 1:  # a new slice opened: forget the old ones
            await conn.execute(delete(RateCounter).where(RateCounter.expires_at < now))
        return await conn.scalar(select(func.sum(RateCounter.hits)).where(*_in_window(limit, subject, now)))


async def give_back(
    db: AsyncEngine | AsyncSession, limit: Limit, subject: str, now: datetime | None = None
) -> None:
    """Undo one hit of this slice (a reserved attempt that turned out not to count)."""
    now = now or utcnow()
    async with _bind(db).begin() as conn:
        await conn.execute(
            update(RateCounter)
            .where(
                RateCounter.scope == limit.scope,
                RateCounter.subject == subject_of(subject),
                RateCounter.window_start == slice_start(now, limit.slice),
                RateCounter.hits > 0,
            )
            .values(hits=RateCounter.hits - 1)
        )


async def hits(
    db: AsyncEngine | AsyncSession, limit: Limit, subject: str, now: datetime | None = None
) -> int:
    """The hits in the window so far, without counting one."""
    now = now or utcnow()
    async with _bind(db).connect() as conn:
        return (
            await conn.scalar(select(func.sum(RateCounter.hits)).where(*_in_window(limit, subject, now))) or 0
        )
