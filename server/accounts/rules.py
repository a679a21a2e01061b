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

import string
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from server.accounts.permissions import ADMINISTRATORS, Role
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
    Role.SYSTEM_ADMIN: frozenset({"city"}),  # the calendar is the city's
    Role.SECURITY_ADMIN: frozenset({"city", "district", "street", "community"}),
    Role.AUDIT_ADMIN: frozenset({"city", "district"}),
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


# ------------------------------------------------------------------ staff sign-in hardening (#23)
#
# GB/T 22239-2019 level 3, 身份鉴别: passwords of some complexity changed regularly, two factors,
# sessions that end when left alone, accounts that are not used switched off.

PASSWORD_MIN_LENGTH = 12
PASSWORD_MIN_CLASSES = 3  # of lower-case letters, upper-case letters, digits and other characters
PASSWORD_MAX_AGE = timedelta(days=90)  # for the privileged roles below
PRIVILEGED = ADMINISTRATORS | {Role.CITY_SUPERVISOR}
DORMANT_AFTER = timedelta(days=90)  # staff not signed in this long are switched off by the worker
IDLE_MINUTES = (15, 30)  # the allowed range of HUIMIN_STAFF_IDLE_MINUTES
IDLE_MINUTES_DEFAULT = 20
SIGN_INS_PER_ADDRESS = 40  # failed sign-in steps (password or code) from one address...
SIGN_IN_WINDOW_SECONDS = 15 * 60  # ...in this window; then 429 until it slides past


def password_classes(password: str) -> int:
    """How many of the four kinds of character the password uses."""
    kinds = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    return sum(kinds)


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def password_problem(
    password: str, *, blocked: frozenset[str] = frozenset(), username: str = "", display_name: str = ""
) -> str | None:
    """Why a new staff password is not acceptable (a message code), or None.

    At least ``PASSWORD_MIN_LENGTH`` characters of at least ``PASSWORD_MIN_CLASSES`` kinds; not a
    common password (``blocked``, compared without case and without the digits and symbols people
    put around a word: ``Password2026!`` is ``password``; a long one anywhere inside it); not
    containing the username or the name."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return "password.too_short"
    if password_classes(password) < PASSWORD_MIN_CLASSES:
        return "password.too_simple"
    plain = _plain(password)
    core = plain.strip(string.digits + string.punctuation + "！￥…（）—【】、；：‘’“”，。《》？")
    if plain in blocked or core in blocked or any(len(w) >= 8 and w in plain for w in blocked):
        return "password.common"
    for own in (_plain(username), _plain(display_name)):
        if len(own) >= 2 and own in plain:
            return "password.personal"
    return None


def password_expired(role: str | None, changed_at: datetime | None, now: datetime) -> bool:
    """A privileged role's password older than ``PASSWORD_MAX_AGE`` must be changed before work
    (an unknown date counts as old)."""
    if role not in PRIVILEGED:
        return False
    return changed_at is None or now - changed_at >= PASSWORD_MAX_AGE


class Setup(StrEnum):
    """What a signed-in staff member must do before any work (in this order)."""

    PASSWORD = "password"  # set by an administrator, or expired: choose a new one
    SECOND_FACTOR = "second_factor"  # the deployment requires it and none is enrolled


def setup_needed(
    *, must_change: bool, expired: bool, second_factor_required: bool, second_factor: bool
) -> Setup | None:
    if must_change or expired:
        return Setup.PASSWORD
    if second_factor_required and not second_factor:
        return Setup.SECOND_FACTOR
    return None


def session_end(
    now: float, signed_in_at: float | None, seen_at: float | None, idle_minutes: int, cap_hours: float
) -> str | None:
    """Why a staff session is over (``idle``: nothing done for ``idle_minutes``; ``cap``: signed in
    longer than ``cap_hours`` whatever was done), or None. Times are seconds since the epoch; a
    session without them (made before these limits existed) is over."""
    if signed_in_at is None or seen_at is None:
        return "cap"
    if now - signed_in_at >= cap_hours * 3600:
        return "cap"
    if now - seen_at >= idle_minutes * 60:
        return "idle"
    return None


def idle_minutes_problem(minutes: int) -> str | None:
    low, high = IDLE_MINUTES
    return None if low <= minutes <= high else f"must be between {low} and {high} minutes"


def role_change_refusal(actor_id: int | None, target_id: int, old_role: str, new_role: str) -> str | None:
    """A security administrator does not change their own role (nor switch their own account off:
    ``self_disable_refusal``); another administrator must."""
    if actor_id is not None and actor_id == target_id and old_role != new_role:
        return "user.own_role"
    return None


def self_disable_refusal(actor_id: int | None, target_id: int, active: bool) -> str | None:
    return "user.own_active" if actor_id is not None and actor_id == target_id and not active else None
