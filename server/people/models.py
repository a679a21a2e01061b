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


class StatusProposal(Base):
    """Suspending or stopping a household's benefit, or recording a member's death, as proposed by
    one person (or the system) and decided by another (``server/people/rules.py``). Nothing about
    the benefit changes until a proposal is approved; each step is audited."""

    __tablename__ = "status_proposals"
    __table_args__ = (Index("ix_status_proposals_status_region", "status", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # the enrolment's community
    action: Mapped[str] = mapped_column(String(16))  # suspend | stop | death
    member_id: Mapped[int | None] = mapped_column(ForeignKey("household_members.id"))  # who died
    reason: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(
        String(16)
    )  # what raised it: form, warning, review, death_record, survival
    source: Mapped[str] = mapped_column(String(64))  # e.g. verification.warning:42, survival.overdue
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    proposed_by: Mapped[str] = mapped_column(String(100))  # the proposer's name, or 系统 for the system
    proposed_by_id: Mapped[str | None] = mapped_column(String(64))  # staff id; None for the system
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_by_id: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    opinion: Mapped[str | None] = mapped_column(Text)


class HouseholdNotice(Base):
    """What the household was told about an approved proposal, and how: a PWA message to a member
    with an account, else a text message, else a letter for staff to print and post."""

    __tablename__ = "household_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("status_proposals.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))  # the member addressed
    channel: Mapped[str] = mapped_column(String(8))  # pwa | sms | letter
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    printed_at: Mapped[datetime | None]  # letters: when staff printed it
    printed_by: Mapped[str | None] = mapped_column(String(100))
