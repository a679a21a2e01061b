"""Residence certificates as plain rules (no web, no database): the life of a certificate as a
state machine, what the QR token signs, how a scanned token is compared with the record, and what
the public revocation list says."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from server.accounts.permissions import P, allows
from server.errors import DomainError, Kind

VALID_DAYS = 180


class Status(StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"
    REJECTED = "rejected"
    REVOKED = "revoked"
    REPLACED = "replaced"  # by a reissued certificate


class Action(StrEnum):
    ISSUE = "issue"
    REJECT = "reject"
    REVOKE = "revoke"
    REISSUE = "reissue"


class Verdict(StrEnum):
    """What a verifier is told about the record."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REPLACED = "replaced"
    UNKNOWN = "unknown"  # no such certificate, or never issued


class Paper(StrEnum):
    """The paper in hand against the record, by its QR token (``compare``)."""

    MATCH = "match"
    LEGACY = "legacy"  # an early token: signed, but not over address and purpose
    MISMATCH = "mismatch"
    FORGED = "forged"
    UNCHECKED = "unchecked"  # no token came along


STATES = tuple(Status)

# (from, action) -> (to, the permission it needs; server/accounts/permissions.py says which roles
# hold it). Anything not listed is refused: a refused request stays refused, a revoked or replaced
# certificate is never issued again; a reissue starts from an issued certificate, which becomes
# "replaced" in the same transaction as its successor is issued.
TRANSITIONS: dict[tuple[Status, Action], tuple[Status, P]] = {
    (Status.REQUESTED, Action.ISSUE): (Status.ISSUED, P.CERTIFICATES_DECIDE),
    (Status.REQUESTED, Action.REJECT): (Status.REJECTED, P.CERTIFICATES_DECIDE),
    (Status.ISSUED, Action.REVOKE): (Status.REVOKED, P.CERTIFICATES_REVOKE),
    (Status.ISSUED, Action.REISSUE): (Status.REPLACED, P.CERTIFICATES_REISSUE),
}
FINAL = frozenset({Status.REJECTED, Status.REVOKED, Status.REPLACED})
ACTION_ERRORS = {
    Action.ISSUE: "certificate.not_requested",
    Action.REJECT: "certificate.not_requested",
    Action.REVOKE: "certificate.not_issued",
    Action.REISSUE: "certificate.reissue_not_issued",
}

# The only reason a stranger learns from the public list or page: a code, never staff's words.
REASON_CODES = {Status.REVOKED: "revoked", Status.REPLACED: "superseded"}


class CertificateRuleError(DomainError):
    """A move the table does not allow: a conflict (wrong state) or forbidden (wrong role)."""


def transition(current: str, action: str, role: str | None) -> Status:
    """The state a certificate moves to, or CertificateRuleError (a conflict in the wrong state,
    forbidden for the wrong role)."""
    allowed = TRANSITIONS.get((current, action))
    if allowed is None:
        raise CertificateRuleError(ACTION_ERRORS.get(action, "certificate.transition"))
    to, permission = allowed
    if not allows(role, permission):
        raise CertificateRuleError("error.forbidden", Kind.FORBIDDEN)
    return to


def district_of(region_code: str) -> str:
    """The district (区县) a community's code belongs to."""
    return region_code[:6]


def verdict(status: str | None, valid_until: date | None, today: date) -> Verdict:
    """What a verifier is told about the record."""
    if status == Status.REVOKED:
        return Verdict.REVOKED
    if status == Status.REPLACED:
        return Verdict.REPLACED
    if status != Status.ISSUED:
        return Verdict.UNKNOWN
    if valid_until and today > valid_until:
        return Verdict.EXPIRED
    return Verdict.VALID


def shows_seal(verdict: str, paper: str) -> bool:
    """The verification page draws the community's seal for a known record whose paper was not
    shown to differ from it."""
    return verdict != Verdict.UNKNOWN and paper in (Paper.MATCH, Paper.LEGACY, Paper.UNCHECKED)


def issued_on(valid_until: date) -> date:
    return valid_until - timedelta(days=VALID_DAYS)


def signed_fields(
    *,
    serial: str,
    code: str,
    holder_masked: str,
    id_masked: str,
    community_code: str,
    community_name: str,
    address: str,
    purpose: str,
    resident_since: date,
    valid_until: date,
) -> dict[str, str]:
    """Every field printed on the certificate that a reader compares, as the token signs it."""
    return {
        "s": serial,
        "o": code,
        "h": holder_masked,
        "m": id_masked,
        "c": community_code,
        "n": community_name,
        "a": address,
        "p": purpose,
        "r": resident_since.isoformat(),
        "i": issued_on(valid_until).isoformat(),
        "u": valid_until.isoformat(),
    }


# A token issued before address and purpose were signed (no "v") signs these fields only.
LEGACY_FIELDS = ("s", "h", "c", "n", "i", "u", "k")


def compare(payload: dict[str, Any] | None, record: dict[str, str], serial: str) -> Paper:
    """A scanned token against the record: "match", "forged" (no valid signature, or not ours),
    "mismatch" (signed, but some field differs from the record or from the serial asked for) or
    "legacy" (an early token whose fields all match, but which does not sign address and purpose)."""
    if not isinstance(payload, dict):
        return Paper.FORGED
    if payload.get("s") != serial:
        return Paper.MISMATCH
    legacy = "v" not in payload
    fields = {f: record[f] for f in LEGACY_FIELDS if f in record} if legacy else record
    if any(payload.get(field) != value for field, value in fields.items()):
        return Paper.MISMATCH
    return Paper.LEGACY if legacy else Paper.MATCH


def revocation_list(
    rows: list[tuple[str, str]], issued_at: str, next_update: str, kid: str, city: str
) -> dict:
    """The body of the signed list: serial and reason code only."""
    return {
        "iss": city,
        "k": kid,
        "issued_at": issued_at,
        "next_update": next_update,
        "revoked": [{"s": serial, "r": REASON_CODES.get(status, "revoked")} for serial, status in rows],
    }
