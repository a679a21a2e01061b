from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class ConsentRequest(Base):
    """Someone whose consent an application's household check needs: the applicant and each listed
    member, written when the application is submitted (and again at a resubmission). What a member
    sees as a task after signing in, and what a community worker records a paper form against."""

    __tablename__ = "privacy_consent_requests"
    __table_args__ = (UniqueConstraint("application_id", "id_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_applications.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)  # the application's community
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_masked: Mapped[str] = mapped_column(String(18))
    birth: Mapped[date | None] = mapped_column(Date)
    relationship: Mapped[str] = mapped_column(String(16))
    applicant: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """One consent to the household check of one application: whose, standing for what (self or
    guardian), how given (own account, paper form, applicant as guardian), under which notice, when
    and by whom; withdrawn_at once withdrawn (the record stays)."""

    __tablename__ = "privacy_consents"
    __table_args__ = (Index("ix_privacy_consents_application_person", "application_id", "id_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_applications.id", ondelete="CASCADE"))
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(12))  # rules.Role
    basis: Mapped[str] = mapped_column(String(12))  # rules.Basis
    notice_version: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    given_by: Mapped[str | None] = mapped_column(String(100))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))  # the account that gave it
    paper_name: Mapped[str | None] = mapped_column(String(80))  # the scanned signed form, stored privately
    paper_sha256: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawal_basis: Mapped[str | None] = mapped_column(String(12))  # self | paper
