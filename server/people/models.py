from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, utcnow

RELATIONSHIPS = ("head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other")
BENEFITS = ("dibao", "tekun", "linshi", "yiliao")  # 低保, 特困供养, 临时救助, 医疗救助
ENROLMENT_STATUSES = ("active", "suspended", "stopped")


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # keyed_hash(secret, "resident-id", id18)
    id_masked: Mapped[str] = mapped_column(String(18))
    id_cipher: Mapped[str] = mapped_column(Text)  # encrypt(secret, "resident-id", id18)
    birth_date: Mapped[date] = mapped_column(Date)
    male: Mapped[bool] = mapped_column(Boolean)
    hukou_region_code: Mapped[str | None] = mapped_column(String(12), index=True)  # where registered
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # community of residence
    phone: Mapped[str | None] = mapped_column(String(11), index=True)
    deceased_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # community
    address: Mapped[str] = mapped_column(String(200))
    head_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    bank_account_cipher: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[HouseholdMember]] = relationship(back_populates="household", lazy="raise")


class HouseholdMember(Base):
    __tablename__ = "household_members"
    __table_args__ = (UniqueConstraint("household_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relationship_to_head: Mapped[str] = mapped_column(String(16))
    disability_grade: Mapped[int | None] = mapped_column(Integer)  # 1 (most severe) .. 4
    serious_illness: Mapped[bool] = mapped_column(Boolean, default=False)
    employment: Mapped[str | None] = mapped_column(String(16))  # employed/unemployed/unable/retired/student
    schooling: Mapped[str | None] = mapped_column(String(32))

    household: Mapped[Household] = relationship(back_populates="members", lazy="raise")


class Enrolment(Base):
    """A household receiving a benefit. Assistance changes it only through its workflow."""

    __tablename__ = "enrolments"
    __table_args__ = (Index("ix_enrolments_benefit_status", "benefit", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    benefit: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    monthly_amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # community
    status_reason: Mapped[str | None] = mapped_column(Text)
    # what made the last change, as change_status names it (survival.overdue, verification.warning:42 ...)
    status_source: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
