"""Citizen sign-in by one-time code: the database side of the rules in ``otp`` (binding an
identity is in ``identity``)."""

from __future__ import annotations

import hmac
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import otp
from server.accounts.models import Citizen, OtpChallenge
from server.accounts.sms import SmsSender
from server.audit.service import Actor, record
from server.crypto import keyed_hash
from server.db import utcnow


class CitizenError(Exception):
    def __init__(self, code: str, status: int = 422):
        super().__init__(code)
        self.code, self.status = code, status


def _code_hash(secret: str, phone: str, code: str) -> str:
    return keyed_hash(secret, "otp", f"{phone}:{code}")


async def request_code(session: AsyncSession, sender: SmsSender, secret: str, phone: str, ip: str) -> None:
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    recent = OtpChallenge.created_at > hour_ago
    counts = (
        await session.execute(
            select(
                func.count().filter(recent, OtpChallenge.phone == phone),
                func.count().filter(recent, OtpChallenge.client_ip == ip),
                func.max(OtpChallenge.created_at).filter(OtpChallenge.phone == phone),
            )
        )
    ).one()
    refusal = otp.send_refusal(otp.SendHistory(*counts), now)
    if refusal:
        raise CitizenError(refusal, 429)
    code = otp.new_code()
    session.add(
        OtpChallenge(
            phone=phone,
            code_hash=_code_hash(secret, phone, code),
            client_ip=ip,
            created_at=now,
            expires_at=now + otp.CODE_TTL,
        )
    )
    await sender.send(session, phone, f"【惠民】您的登录验证码是 {code}，5分钟内有效。请勿告诉他人。")


async def verify_code(session: AsyncSession, secret: str, phone: str, code: str, actor: Actor) -> Citizen:
    """The signed-in citizen, created on first sign-in. A wrong code counts against the
    challenge; the caller must commit even when this raises."""
    now = utcnow()
    challenge = await session.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.phone == phone)
        .order_by(OtpChallenge.created_at.desc())
        .limit(1)
    )
    refusal = otp.verify_refusal(
        challenge.expires_at if challenge else None,
        challenge.attempts if challenge else 0,
        bool(challenge and challenge.consumed_at),
        now,
    )
    if refusal:
        raise CitizenError(refusal, 429 if refusal == "otp.locked" else 422)
    assert challenge is not None
    if not hmac.compare_digest(challenge.code_hash, _code_hash(secret, phone, code)):
        challenge.attempts += 1
        raise CitizenError("otp.locked" if challenge.attempts >= otp.MAX_ATTEMPTS else "otp.wrong",
                           429 if challenge.attempts >= otp.MAX_ATTEMPTS else 422)  # fmt: skip
    challenge.consumed_at = now
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
