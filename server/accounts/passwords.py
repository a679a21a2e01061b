"""Staff passwords (argon2id), login lockout rules and the TOTP second factor's rules.

The lockout: every check of a password or TOTP code (right or wrong) is counted *before* it is
made; the ``MAX_FAILURES``-th counted attempt locks the name for ``LOCKOUT``, so at most
``MAX_FAILURES`` guesses are ever checked per window, however many arrive at once. A success
clears the count; failures older than ``LOCKOUT`` are forgotten. The count has to be one atomic
statement in the database to hold under parallel requests: ``staff._claim``.

A TOTP code is good once: its time step is remembered, and a code from that step or an older one
is refused (``staff.use_totp``, again one statement)."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return "password.too_short"
    if password.isdigit() or password.isalpha():
        return "password.too_simple"
    return None


def locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


TOTP_DRIFT = 1  # time steps accepted either side of the server's clock


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (30 s) this TOTP code belongs to, within the allowed clock drift, or None."""
    totp = pyotp.TOTP(secret)
    code = code.strip()
    if len(code) != totp.digits or not code.isdigit():
        return None
    current = totp.timecode(now)
    for step in range(current + TOTP_DRIFT, current - TOTP_DRIFT - 1, -1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
