from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class Policy(Base):
    """A region's figures for one benefit from a date (city level sets them)."""

    __tablename__ = "assistance_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # city or district
    effective_from: Mapped[date] = mapped_column(Date)
    standard_cents: Mapped[int] = mapped_column(Integer)
    asset_limit_cents: Mapped[int] = mapped_column(Integer)
    extra_pct: Mapped[dict] = mapped_column(JSON)
    tekun_pct: Mapped[int] = mapped_column(Integer, default=130)
    floor_cents: Mapped[int] = mapped_column(Integer, default=0)
    linshi_months: Mapped[int] = mapped_column(Integer, default=3)
    yiliao_rate_pct: Mapped[int] = mapped_column(Integer, default=70)
    yiliao_cap_cents: Mapped[int] = mapped_column(Integer, default=3_000_000)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(Base):
    __tablename__ = "assistance_applications"
    __table_args__ = (Index("ix_assistance_applications_status_region", "status", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # idempotency of creation
    benefit: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)  # community
    applicant_name: Mapped[str | None] = mapped_column(String(50))
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(18))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(64), default="citizen")
    consent_signer: Mapped[str | None] = mapped_column(String(50))
    consent_at: Mapped[datetime | None]
    notice_version: Mapped[str | None] = mapped_column(String(16))  # the privacy notice the applicant read
    prechecks: Mapped[list | None] = mapped_column(JSON)
    calculation: Mapped[dict | None] = mapped_column(JSON)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None]
    step_started_on: Mapped[date | None] = mapped_column(Date)
    step_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    total_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    return_reason: Mapped[str | None] = mapped_column(Text)
    returned_from: Mapped[str | None] = mapped_column(String(16))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Event(Base):
    """The case's timeline: every step, who acted, the opinion, the date expected next."""

    __tablename__ = "assistance_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(24))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    opinion: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    expected_by: Mapped[date | None] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Receipt(Base):
    """Idempotency: a step sent twice (a retry, an offline replay) is applied once."""

    __tablename__ = "assistance_receipts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(Base):
    __tablename__ = "assistance_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    stored_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class HouseholdFacts(Base):
    """What the benefit of an enrolled household is computed from, kept so that a policy change
    recalculates every household in one statement."""

    __tablename__ = "assistance_household_facts"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    members: Mapped[int] = mapped_column(Integer)
    income_cents: Mapped[int] = mapped_column(Integer)
    deposits_cents: Mapped[int] = mapped_column(Integer, default=0)
    extra_housing: Mapped[int] = mapped_column(Integer, default=0)
    vehicles: Mapped[int] = mapped_column(Integer, default=0)


class MemberFacts(Base):
    __tablename__ = "assistance_member_facts"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("household_members.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    severe_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    serious_ill: Mapped[bool] = mapped_column(Boolean, default=False)
    elderly: Mapped[bool] = mapped_column(Boolean, default=False)
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    single_parent_minor: Mapped[bool] = mapped_column(Boolean, default=False)


class Recalculation(Base):
    """One policy change's effect on one enrolment (the report of who goes up, down or out)."""

    __tablename__ = "assistance_recalculations"
    __table_args__ = (UniqueConstraint("policy_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("assistance_policies.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    old_cents: Mapped[int] = mapped_column(Integer)
    new_cents: Mapped[int] = mapped_column(Integer)


class PaymentRoll(Base):
    __tablename__ = "assistance_payment_rolls"
    __table_args__ = (UniqueConstraint("month", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # district
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft, district_approved, locked
    households: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(100))
    district_approved_by: Mapped[str | None] = mapped_column(String(100))
    city_approved_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentLine(Base):
    __tablename__ = "assistance_payment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_payment_rolls.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    payee_name: Mapped[str] = mapped_column(String(50))
    bank_cipher: Mapped[str | None] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(Integer)
