from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.audit.chain import GENESIS
from server.db import Base, utcnow

__all__ = ["GENESIS", "AuditHead", "AuditRecord"]


class AuditRecord(Base):
    """Written only by ``server.audit.service.record``; never updated or deleted
    (database triggers refuse both, see the migration)."""

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff | citizen | system | device
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    opinion: Mapped[str | None] = mapped_column(Text)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's last sequence number and hash. Updating it first serialises
    appends on every backend (a row lock on PostgreSQL, the write lock on SQLite).
    ``keyed_from``: the first record chained by HMAC (the ones before it were chained by plain
    SHA-256 before migration 0905); every anchor repeats it, so moving it is noticed."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    keyed_from: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), default=1, server_default="1"
    )


class PersonAccess(Base):
    """Who looked at, or was given, a person's data: one row per person per access, written only
    by ``server.audit.service.record_view`` beside the audit record it points at (``audit_seq``).
    The citizen's own "who looked at my data" (``/me/data``) reads this, not the whole trail."""

    __tablename__ = "person_accesses"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff | department | system
    actor_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(12))
    what: Mapped[str] = mapped_column(String(40))  # documents | health | criminal | face | report | export...
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
