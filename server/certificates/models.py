from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class SigningKey(Base):
    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(40), unique=True)  # root:<city>, community:<code>, token:<city>
    key_cipher: Mapped[str] = mapped_column(Text)
    cert_pem: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Certificate(Base):
    __tablename__ = "residence_certificates"
    __table_args__ = (Index("ix_residence_certificates_status_region", "status", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(24), unique=True)  # unguessable
    code: Mapped[str] = mapped_column(String(8))  # short code to type in
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(50))
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code"), index=True
    )  # community of residence (its seal)
    address: Mapped[str] = mapped_column(String(200))
    resident_since: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # requested issued rejected revoked
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[datetime | None]
    issued_by: Mapped[str | None] = mapped_column(String(100))
    issued_at_region: Mapped[str | None] = mapped_column(String(12))  # the counter that issued it
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("residence_certificates.id"))
    token: Mapped[str | None] = mapped_column(Text)
    pdf_name: Mapped[str | None] = mapped_column(String(60))
    notice_version: Mapped[str | None] = mapped_column(String(16))  # the privacy notice the requester read
