"""Citizen sign-in by one-time code: the database side of the rules in ``otp`` (binding an
identity is in ``identity``)."""

from __future__ import annotations

import hmac
from datetime import timedelta

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import otp
from server.accounts.models import Citizen, OtpChallenge
from server.accounts.sms import SmsSender
from server.audit.service import Actor, record
from server.crypto import keyed_hash
from server.db import utcnow
from server.errors import DomainError, Kind


class CitizenError(DomainError):
    def __init__(self, code: str, kind: Kind = Kind.INVALID):
        super().__init__(code, kind)


def _code_hash(secret: str, phone: str, code: str) -> str:
    return keyed_hash(secret, "otp", f"{phone}:{code}")


async def _serialise_sends(session: AsyncSession, phone: str, ip: str) -> None:
    """Requests for one phone (and from one address) count recent sends one after another, so that
    parallel requests cannot all see the same count and all send. PostgreSQL: transaction-scoped
    advisory locks, always the phone's first; SQLite allows one writer, so the caller's first
    statement being a write (the insert) already makes the count and the send one at a time."""
    if (await session.connection()).dialect.name != "postgresql":
        return
    for kind, value in ((1, phone), (2, ip)):
        await session.execute(text("SELECT pg_advisory_xact_lock(:k, hashtext(:v))"), {"k": kind, "v": value})


async def request_code(session: AsyncSession, sender: SmsSender, secret: str, phone: str, ip: str) -> None:
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    await _serialise_sends(session, phone, ip)
    code = otp.new_code()
    challenge = OtpChallenge(
        phone=phone,
        code_hash=_code_hash(secret, phone, code),
        client_ip=ip,
        created_at=now,
        expires_at=now + otp.CODE_TTL,
    )
    session.add(challenge)
    await session.flush()  # written first: on SQLite this takes the write lock before counting
    recent = and_(OtpChallenge.created_at > hour_ago, OtpChallenge.id != challenge.id)
    earlier = OtpChallenge.id != challenge.id
    counts = (
        await session.execute(
            select(
                func.count().filter(recent, OtpChallenge.phone == phone),
                func.count().filter(recent, OtpChallenge.client_ip == ip),
                func.max(OtpChallenge.created_at).filter(earlier, OtpChallenge.phone == phone),
            )
        )
    ).one()
    refusal = otp.send_refusal(otp.SendHistory(*counts), now)
    if refusal:
        await session.rollback()  # nothing sent, nothing kept
        raise CitizenError(refusal, Kind.TOO_MANY)
    await sender.send(session, phone, f"【惠民】您的登录验证码是 {code}，5分钟内有效。请勿告诉他人。")


async def verify_code(session: AsyncSession, secret: str, phone: str, code: str, actor: Actor) -> Citizen:
    """The signed-in citizen, created on first sign-in. The try is counted against the phone's
    latest challenge in one statement (and committed) before the code is compared, so parallel
    requests cannot try more than ``otp.MAX_ATTEMPTS`` codes; the caller must commit even when
    this raises."""
    now = utcnow()
    c = OtpChallenge.__table__.c
    latest = select(c.id).where(c.phone == phone).order_by(c.created_at.desc(), c.id.desc()).limit(1)
    counted = (
        await session.execute(
            update(OtpChallenge.__table__)
            .where(
                c.id == latest.scalar_subquery(),
                c.attempts < otp.MAX_ATTEMPTS,
                c.consumed_at.is_(None),
                c.expires_at >= now,
            )
            .values(attempts=c.attempts + 1)
            .returning(c.id, c.code_hash, c.attempts)
        )
    ).first()
    await session.commit()  # the try counts whatever happens next
    if counted is None:
        challenge = (
            await session.execute(latest.with_only_columns(c.expires_at, c.attempts, c.consumed_at))
        ).first()
        refusal = (
            otp.verify_refusal(
                challenge.expires_at if challenge else None,
                challenge.attempts if challenge else 0,
                bool(challenge and challenge.consumed_at),
                now,
            )
            or "otp.locked"
        )
        raise CitizenError(refusal, Kind.TOO_MANY if refusal == "otp.locked" else Kind.INVALID)
    if not hmac.compare_digest(counted.code_hash, _code_hash(secret, phone, code)):
        last = counted.attempts >= otp.MAX_ATTEMPTS
        raise CitizenError("otp.locked" if last else "otp.wrong", Kind.TOO_MANY if last else Kind.INVALID)
    consumed = await session.execute(
        update(OtpChallenge.__table__)
        .where(c.id == counted.id, c.consumed_at.is_(None))
        .values(consumed_at=now)
        .returning(c.id)
    )
    if consumed.first() is None:  # a parallel request with the same code was first
        raise CitizenError("otp.none")
    citizen = await session.scalar(select(Citizen).where(Citizen.phone == phone))
    if citizen is None:
        citizen = Citizen(phone=phone)
        session.add(citizen)
        await session.flush()
        await record(
            session, actor, "citizen.register", "citizen", citizen.id, after={"phone": mask_phone(phone)}
        )
    citizen.last_login_at = now
    return citizen


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]
