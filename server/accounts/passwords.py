"""Staff passwords (argon2id), login lockout rules and the TOTP second factor's rules.

The lockout: every check of a password or TOTP code (right or wrong) is counted *before* it is
made; the ``MAX_FAILURES``-th counted attempt locks the name for ``LOCKOUT``, so at most
``MAX_FAILURES`` guesses are ever checked per window, however many arrive at once. A success
clears the count; failures older than ``LOCKOUT`` are forgotten. The count has to be one atomic
statement in the database to hold under parallel requests: ``staff._claim``.

A TOTP code is good once: its time step is remembered, and a code from that step or an older one
is refused (``staff.use_totp``, again one statement).

The second factor is behind a small interface (``Authenticator``): TOTP is the one implementation
today; a hardware key (e.g. an SM2 certificate key, as GB/T 39786 deployments use) would be another
with the same three steps: start an enrolment, confirm it, check a response at sign-in.

The password policy itself is pure (``rules.password_problem``); this module adds the block list of
common passwords shipped with the code (``common_passwords.txt``)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.accounts import rules

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _load_blocked(path: Path) -> frozenset[str]:
    lines = (line.strip().casefold() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


BLOCKED = _load_blocked(Path(__file__).with_name("common_passwords.txt"))


def password_problem(password: str, username: str = "", display_name: str = "") -> str | None:
    """The policy of ``rules.password_problem`` with the shipped block list."""
    return rules.password_problem(password, blocked=BLOCKED, username=username, display_name=display_name)


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


# ------------------------------------------------------------------ the second factor, pluggable


@dataclass(frozen=True)
class Enrolment:
    """A second factor being set up: the secret kept (in the session) until confirmed, and what the
    page shows to set up the device (for TOTP an otpauth:// URI, shown as a QR code)."""

    secret: str
    provisioning_uri: str


class Authenticator(Protocol):
    """One kind of second factor. ``check`` returns a number that grows with time (the TOTP step),
    so that a response once used, and older ones, are refused (``staff_service.use_totp``)."""

    kind: str

    def start(self, username: str) -> Enrolment: ...

    def confirm(self, secret: str, response: str, now: datetime) -> bool: ...

    def check(self, secret: str, response: str, now: datetime) -> int | None: ...


class TotpAuthenticator:
    kind = "totp"

    def start(self, username: str) -> Enrolment:
        secret = pyotp.random_base32()
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Huimin")
        return Enrolment(secret, uri)

    def confirm(self, secret: str, response: str, now: datetime) -> bool:
        return totp_step(secret, response, now) is not None

    def check(self, secret: str, response: str, now: datetime) -> int | None:
        return totp_step(secret, response, now)


AUTHENTICATORS: dict[str, Authenticator] = {"totp": TotpAuthenticator()}
SECOND_FACTOR = AUTHENTICATORS["totp"]  # the one staff enrol today
