from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")


class DataImport(Base):
    """One version of a source: a file a clerk uploaded or a batch a department pushed."""

    __tablename__ = "verification_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(8))  # append | replace
    channel: Mapped[str] = mapped_column(String(8))  # csv | xlsx | api
    filename: Mapped[str | None] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="loading", index=True)
    # loading | active | superseded | rolled_back | failed
    uploaded_by: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(12))  # the uploader's region
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    legacy_ids: Mapped[int] = mapped_column(Integer, default=0)
    without_id: Mapped[int] = mapped_column(Integer, default=0)
    warnings_raised: Mapped[int] = mapped_column(Integer, default=0)
    # rows of people neither on the register nor applicants, deleted once matched (keep less)
    strangers_dropped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    seconds: Mapped[float | None]
    failure: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    rolled_back_at: Mapped[datetime | None]
    rolled_back_by: Mapped[str | None] = mapped_column(String(100))


class SourceRecord(Base):
    """One accepted row, in the generic columns every source maps onto (see ``sources.py``)."""

    __tablename__ = "verification_records"
    # Few indexes and no foreign key, so that bulk loading stays fast: records arrive in import
    # order, so a BRIN index finds an import's rows on PostgreSQL at almost no cost to COPY.
    __table_args__ = (
        Index("ix_verification_records_source_hash", "source", "id_hash"),
        Index("ix_verification_records_import", "import_id", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(Integer)  # verification_imports.id
    source: Mapped[str] = mapped_column(String(24))
    row_no: Mapped[int] = mapped_column(Integer)
    id_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50))
    name_norm: Mapped[str] = mapped_column(String(50))
    birth_date: Mapped[date | None] = mapped_column(Date)
    region_code: Mapped[str | None] = mapped_column(String(12))
    kind: Mapped[str | None] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    balance_cents: Mapped[int | None] = mapped_column(BigInteger)
    fact_key: Mapped[str] = mapped_column(String(32))  # same fact, same key, whichever import brings it


class PossibleMatch(Base):
    """A record without an ID whose normalised name and birth date equal an enrolled person's."""

    __tablename__ = "verification_matches"
    __table_args__ = (UniqueConstraint("record_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("verification_records.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | confirmed | rejected
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerificationWarning(Base):
    """One hit of one rule: who, which rule, and the evidence. Never two for the same three."""

    __tablename__ = "verification_warnings"
    __table_args__ = (
        UniqueConstraint("subject", "rule", "evidence", name="uq_verification_warnings_identity"),
        Index("ix_verification_warnings_work", "status", "rule", "region_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(32))  # p:<person id> | a:<application id>
    evidence: Mapped[str] = mapped_column(String(64))  # r:<fact key> | e:<enrolment id> | age:60 | ...
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    application_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[int | None] = mapped_column(BigId)
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        String(12), default="open"
    )  # open | confirmed | dismissed | withdrawn
    action: Mapped[str | None] = mapped_column(String(16))  # suspend | stop | recalculate | none
    reason: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiClient(Base):
    """A department system that pushes rows: its own key (only the hash is kept) and sources."""

    __tablename__ = "verification_api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sources: Mapped[list] = mapped_column(JSON)
    region_code: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewCampaign(Base):
    """A semiannual full review of one region: checked at once, then processed in bulk."""

    __tablename__ = "verification_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="open")  # running | open | closed | failed
    failure: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float | None]
    households_reviewed: Mapped[int] = mapped_column(Integer, default=0)
    people_reviewed: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None]
    counts: Mapped[dict | None] = mapped_column(JSON)  # the figures reported upwards, at closing


class ReviewItem(Base):
    """A household the review found: to cancel or to adjust, and what was done."""

    __tablename__ = "verification_review_items"
    __table_args__ = (UniqueConstraint("review_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("verification_reviews.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    proposal: Mapped[str] = mapped_column(String(8))  # cancel | adjust
    people: Mapped[int] = mapped_column(Integer)
    amount_before_cents: Mapped[int] = mapped_column(Integer)
    amount_after_cents: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(12))  # cancelled | adjusted | kept
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
