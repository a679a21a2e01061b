"""Binding a resident ID to a citizen account: who may do what, as plain functions.

An account's identity has a level:

- ``declared``: a name and a valid number (GB 11643 check character) for someone who is not on the
  register. Enough to apply for assistance (the application is checked in person by the community)
  and to request a residence certificate (checked by the community too); never enough to see a
  register person's records or to certify for them.
- ``verified``: the register's person, proven by a face match with their survival reference on the
  phone, or by a community worker of their region in person (or a dispute upheld). Only this
  level is treated as the person (survival check, their records and messages).

A claim on a register person waits (``pending``) until one of those proofs; it gives the account
nothing. The register's name must match. A verified holder is never displaced by a new claim: the
claimant is told the number is bound and may dispute; a merely declared holder is displaced when
the register person proves who they are.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from server.accounts.permissions import Role
from server.regions.codes import RegionCodeError, level_of

LEVELS = ("declared", "verified")
MAX_CLAIMS_PER_DAY = 5  # binding attempts per account in 24 hours (names are not guessed by trying)
MAX_FACE_ATTEMPTS = 5  # face matches per claim; then only a worker can confirm it
BINDING_CHALLENGES_PER_HOUR = 5  # per account, apart from the person's own survival challenges


def normalise_name(name: str) -> str:
    """Names compare without case, width or spacing differences (``张 三``, ``张三``, full-width
    letters, the several middle dots of minority names)."""
    text = unicodedata.normalize("NFKC", name or "")
    for dot in ("·", "•", "‧", "∙", "・", "."):
        text = text.replace(dot, "·")
    return "".join(text.split()).casefold()


def names_match(given: str, registered: str) -> bool:
    return bool(normalise_name(given)) and normalise_name(given) == normalise_name(registered)


@dataclass(frozen=True)
class Holder:
    """The account that has the number bound now, as seen from the claimant."""

    is_self: bool
    level: str | None


def binding_outcome(
    *, on_register: bool, name_ok: bool, has_reference: bool, holder: Holder | None, deceased: bool = False
) -> str:
    """What a claim of (name, number) by an account leads to:

    - ``mismatch``: the register has this number under another name (nothing bound);
    - ``already``: this account has it verified already;
    - ``taken``: another account has it bound and it is not displaceable here: dispute;
    - ``deceased``: the register records the person as deceased (nothing bound; a worker can help);
    - ``declared``: not on the register: bound at once, to apply;
    - ``face``: pending, and the person can finish it now by a face match on the phone;
    - ``pending``: pending until a community worker confirms in person.
    """
    if on_register and not name_ok:
        return "mismatch"
    if holder is not None and holder.is_self and (holder.level == "verified" or not on_register):
        return "already"
    if holder is not None and not holder.is_self and (holder.level == "verified" or not on_register):
        return "taken"
    if not on_register:
        return "declared"
    if deceased:
        return "deceased"
    return "face" if has_reference else "pending"


def may_apply(level: str | None) -> bool:
    """An account applies for assistance only under an identity bound to it."""
    return level in LEVELS


def is_the_person(level: str | None) -> bool:
    """Treated as the register person (their records, survival check, messages)."""
    return level == "verified"


def claim_refusal(claims_last_day: int) -> str | None:
    return "identity.too_many" if claims_last_day >= MAX_CLAIMS_PER_DAY else None


CLAIM_DECISIONS = {"confirm": "verified", "refuse": "refused"}
DISPUTE_DECISIONS = {"uphold": "upheld", "dismiss": "dismissed"}


def decision_refusal(
    status: str, verdict: str, note: str, decisions: dict[str, str], open_status: str
) -> str | None:
    """A worker's decision on a claim or dispute: only an open one, a known verdict, and a note
    whenever the answer is no (and always for a dispute upheld, which unbinds someone)."""
    if status != open_status:
        return "identity.decided"
    if verdict not in decisions:
        return "form.choose"
    if verdict in ("refuse", "dismiss", "uphold") and not note.strip():
        return "identity.note"
    return None


# Which region levels each role may sit at.
ROLE_LEVELS: dict[Role, frozenset[str]] = {
    Role.COMMUNITY_WORKER: frozenset({"community"}),
    Role.STREET_REVIEWER: frozenset({"street"}),
    Role.DISTRICT_APPROVER: frozenset({"district"}),
    Role.CITY_SUPERVISOR: frozenset({"city"}),
    Role.VERIFICATION_OFFICER: frozenset({"city", "district"}),
    Role.FUNERAL_OPERATOR: frozenset({"city", "district", "street", "community"}),
    Role.ADMIN: frozenset({"city", "district", "street", "community"}),
}


def role_problem(role: str, region_code: str) -> str | None:
    """Why a staff account may not hold ``role`` at ``region_code`` (a message code), or None."""
    if role not in set(Role):
        return "user.role"
    try:
        level = level_of(region_code)
    except RegionCodeError:
        return "region.unknown"
    return None if level in ROLE_LEVELS[Role(role)] else "user.role_level"
