from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class Reference(Base):
    """A recipient's reference face: the photo and its 128-number encoding (never sent out)."""

    __tablename__ = "survival_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    encoding: Mapped[bytes] = mapped_column(LargeBinary)  # 128 little-endian float64
    photo: Mapped[bytes] = mapped_column(LargeBinary)  # JPEG, metadata stripped
    source: Mapped[str] = mapped_column(String(16))  # application | office | demo
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Schedule(Base):
    """When a recipient's next check falls due. Overdue: ``active and next_due < today``; past the
    grace period the lapse is found (``suspended_on``) and the suspension of the household's benefit
    proposed for the street reviewer to confirm (``status_proposals``, origin ``survival``)."""

    __tablename__ = "survival_schedules"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_months: Mapped[int] = mapped_column(Integer, default=3)
    next_due: Mapped[date] = mapped_column(Date, index=True)
    last_passed_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    overdue_notified_on: Mapped[date | None] = mapped_column(Date)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    suspended_enrolments: Mapped[list | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Challenge(Base):
    """A one-time nonce and two actions, valid for two minutes (the nonce is kept hashed)."""

    __tablename__ = "survival_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # an assisted check
    actions: Mapped[list] = mapped_column(JSON)
    # survival (a check of the schedule) or binding (a face match proving an account's identity claim):
    # a challenge is good only for what it was issued for
    purpose: Mapped[str] = mapped_column(String(16), default="survival", server_default="survival")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Check(Base):
    """One capture and its decision. ``status``: passed, failed, review (waiting for staff),
    confirmed or rejected (after review). Frames are deleted ``retention`` days after ``closed_at``."""

    __tablename__ = "survival_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("survival_challenges.id"), index=True)
    actions: Mapped[list] = mapped_column(JSON)
    assisted: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decision: Mapped[str] = mapped_column(String(8))  # pass | fail | review (automatic)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True)
    frame_count: Mapped[int] = mapped_column(Integer, default=0)
    # the hash of the reference photo it was compared with (the reviewer is told if it changed)
    reference_sha256: Mapped[str | None] = mapped_column(String(64))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    frames_purged_at: Mapped[datetime | None]


class CheckFrame(Base):
    __tablename__ = "survival_frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("survival_checks.id", ondelete="CASCADE"), index=True)
    n: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReviewRequest(Base):
    """The recipient's request that a person review a failed check (申请人工复核): one per check.
    The check moves to ``review``; the reviewer's decision and opinion are kept on the check."""

    __tablename__ = "survival_review_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("survival_checks.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    note: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


class InPersonProof(Base):
    """A proof of life without a face, recorded by a worker: a home visit, at the counter or a video
    call the worker made (``rules.InPersonMethod``). It counts as the period's proof."""

    __tablename__ = "survival_in_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    proved_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text)
    witness: Mapped[str | None] = mapped_column(String(50))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaceConsent(Base):
    """The consent (or documented legal basis) a reference face is taken on (``rules.ConsentBasis``),
    with the version of the notice shown. The standing one is the latest not withdrawn; withdrawing
    deletes the reference face and its encoding."""

    __tablename__ = "survival_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    basis: Mapped[str] = mapped_column(String(12))  # citizen | paper | legal | guardian
    notice_version: Mapped[str] = mapped_column(String(16))
    guardian: Mapped[str | None] = mapped_column(String(50))  # the guardian who consented
    document: Mapped[str | None] = mapped_column(Text)  # the signed form, or the legal basis relied on
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))  # given in the app
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # recorded by a worker
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
