from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from server.accounts.permissions import Role
from server.db import Base, utcnow

ROLES = tuple(r.value for r in Role)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    totp_secret: Mapped[str | None] = mapped_column(Text)  # encrypted at rest
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_failed_login_at: Mapped[datetime | None]  # failures older than the lockout window start over
    totp_last_step: Mapped[int | None]  # the TOTP time step last used: it and older ones are refused
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped whenever what a session may rely on changes (active, role, region, password, second
    # factor): every open session of the account then ends at its next request.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # the password policy (accounts.rules): when the password was last set (privileged roles change
    # it every 90 days), and whether an administrator set it (the holder then chooses their own
    # before any work)
    password_changed_at: Mapped[datetime | None]
    password_must_change: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # dormancy: when an administrator last switched the account on (counted like a sign-in, so a
    # re-enabled account is not switched off again at once), and why it was last switched off
    # ("dormant": by the worker, not signed in for 90 days; None: by an administrator)
    enabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(16))


class LoginThrottle(Base):
    """Failed sign-ins under a username that belongs to no account, counted and locked exactly as
    a real account's are (so the answers do not tell which names exist). Keyed by a keyed hash of
    the name as typed: people type passwords into the username field."""

    __tablename__ = "login_throttles"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_failed_login_at: Mapped[datetime] = mapped_column(index=True)


class Citizen(Base):
    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    name: Mapped[str | None] = mapped_column(String(50))
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # keyed hash, for look-up
    id_masked: Mapped[str | None] = mapped_column(String(18))
    id_cipher: Mapped[str | None] = mapped_column(Text)  # encrypted at rest
    verified_at: Mapped[datetime | None]  # when the identity above was bound (declared or verified)
    # how far the bound identity is proven (accounts.rules): "declared" (name and a valid number, not on
    # the register: may apply) or "verified" (the register's person, proven by face or in person: may
    # also see the person's records and certify). None: nothing bound. A claim still waiting is an
    # IdentityClaim, never these columns.
    identity_level: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # 注销: the account is closed for good (server.rights.service.cancel_account): its sessions end at
    # their next request, the phone and the identity binding are released
    cancelled_at: Mapped[datetime | None]


class IdentityClaim(Base):
    """One attempt of an account to bind a resident ID, and what became of it. ``status``: pending
    (waiting for a face match or a worker), verified, declared, mismatch (name not the register's),
    refused (by a worker), withdrawn, superseded (another account proved it), revoked (a dispute)."""

    __tablename__ = "identity_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(18))
    id_cipher: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)  # the person's
    status: Mapped[str] = mapped_column(String(16), index=True)
    method: Mapped[str | None] = mapped_column(String(16))  # face | worker | declared | dispute | demo
    face_attempts: Mapped[int] = mapped_column(Integer, default=0)
    face_reasons: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)


class IdentityDispute(Base):
    """ "This is me": someone says an ID bound (or claimed) by another account is theirs. Staff of the
    person's region (the city for someone not on the register) resolve it in person."""

    __tablename__ = "identity_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)  # who disputes
    name: Mapped[str] = mapped_column(String(50))
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(18))
    id_cipher: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))  # the account holding it then
    statement: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | upheld | dismissed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)


class OtpChallenge(Base):
    __tablename__ = "otp_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(45), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None]


class SmsOutbox(Base):
    """Development SMS sender: messages land here (and in the log) instead of a carrier."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
