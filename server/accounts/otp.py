"""One-time sign-in codes: the rules, as plain functions over plain numbers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
PER_PHONE_PER_HOUR = 5
PER_ADDRESS_PER_HOUR = 20


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@dataclass(frozen=True)
class SendHistory:
    """What the database says about recent sends, counted set-based."""

    phone_last_hour: int
    address_last_hour: int
    phone_last_sent: datetime | None


def send_refusal(history: SendHistory, now: datetime) -> str | None:
    """Why a new code may not be sent now, or None."""
    if history.phone_last_sent and now - history.phone_last_sent < RESEND_AFTER:
        return "otp.wait"
    if history.phone_last_hour >= PER_PHONE_PER_HOUR:
        return "otp.too_many_phone"
    if history.address_last_hour >= PER_ADDRESS_PER_HOUR:
        return "otp.too_many_address"
    return None


def verify_refusal(expires_at: datetime | None, attempts: int, consumed: bool, now: datetime) -> str | None:
    """Why a code for this challenge can no longer be tried, or None."""
    if expires_at is None or consumed:
        return "otp.none"
    if now > expires_at:
        return "otp.expired"
    if attempts >= MAX_ATTEMPTS:
        return "otp.locked"
    return None
