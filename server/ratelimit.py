"""Rate limits for every process of the service, kept in the database: one counter per limit, subject
(a client address, an account...) and time window, counted with one atomic upsert, so parallel requests
and several server processes see the same count. Windows past their end are deleted as new ones open:
the table holds only the last hour or so, however many clients come.

Counters are written in their own short transaction on the engine (not the request's session), so a
refused or failed request (rolled back by the autocommit handler) still counts. Call them before the
request's session writes anything (on SQLite a second writer would wait for the first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class RateCounter(Base):
    __tablename__ = "rate_counters"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)  # the limit's name
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the client address...
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class Limit:
    """At most ``per`` hits in a window of ``seconds`` for one subject."""

    scope: str
    per: int
    seconds: int


def window_start(now: datetime, seconds: int) -> datetime:
    """The fixed window ``now`` falls in (aligned on the Unix epoch, UTC)."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def retry_after(now: datetime, limit: Limit) -> int:
    """Seconds until the current window closes."""
    end = window_start(now, limit.seconds) + timedelta(seconds=limit.seconds)
    return max(1, int((end - now).total_seconds()) + 1)


def subject_of(value: str) -> str:
    """Addresses and names are not kept in clear, only their digest."""
    return hashlib.sha256(value.encode()).hexdigest()


def _bind(db: AsyncEngine | AsyncSession) -> AsyncEngine:
    return db.bind if isinstance(db, AsyncSession) else db  # type: ignore[return-value]


async def hit(db: AsyncEngine | AsyncSession, limit: Limit, subject: str, now: datetime | None = None) -> int:
    """Count one hit and return the hits of this window, this one included (committed at once).
    ``hit(...) > limit.per`` means refuse."""
    now = now or utcnow()
    start = window_start(now, limit.seconds)
    engine = _bind(db)
    mod = postgresql if engine.dialect.name == "postgresql" else sqlite
    key = subject_of(subject)
    stmt = mod.insert(RateCounter).values(scope=limit.scope, subject=key, window_start=start, hits=1,
                                          expires_at=start + timedelta(seconds=limit.seconds))  # fmt: skip
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "subject", "window_start"], set_={"hits": RateCounter.hits + 1}
    ).returning(RateCounter.hits)
    async with engine.begin() as conn:
        hits = (await conn.execute(stmt)).scalar_one()
        if hits == 1:  # a new window opened: forget the closed ones
            await conn.execute(delete(RateCounter).where(RateCounter.expires_at < now))
    return hits


async def give_back(
    db: AsyncEngine | AsyncSession, limit: Limit, subject: str, now: datetime | None = None
) -> None:
    """Undo one hit of this window (a reserved attempt that turned out not to count)."""
    now = now or utcnow()
    async with _bind(db).begin() as conn:
        await conn.execute(update(RateCounter).where(RateCounter.scope == limit.scope, RateCounter.subject == subject_of(subject),
                                                     RateCounter.window_start == window_start(now, limit.seconds),
                                                     RateCounter.hits > 0).values(hits=RateCounter.hits - 1))  # fmt: skip


async def hits(
    db: AsyncEngine | AsyncSession, limit: Limit, subject: str, now: datetime | None = None
) -> int:
    """The hits of this window so far, without counting one."""
    now = now or utcnow()
    async with _bind(db).connect() as conn:
        found = await conn.scalar(select(RateCounter.hits).where(RateCounter.scope == limit.scope,
                                                                 RateCounter.subject == subject_of(subject),
                                                                 RateCounter.window_start == window_start(now, limit.seconds)))  # fmt: skip
    return found or 0
