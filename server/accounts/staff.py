"""Staff sign-in and administration: the database side of ``passwords`` and the role rules."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import passwords
from server.accounts.models import ROLES, Staff
from server.audit.service import Actor, record
from server.crypto import decrypt, encrypt
from server.db import utcnow
from server.regions.codes import RegionCodeError, level_of

# Which levels each role may sit at.
ROLE_LEVELS = {
    "community_worker": {"community"},
    "street_reviewer": {"street"},
    "district_approver": {"district"},
    "city_supervisor": {"city"},
    "verification_officer": {"city", "district"},
    "funeral_operator": {"city", "district", "street", "community"},
    "admin": {"city", "district", "street", "community"},
}
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,32}$")


class StaffError(Exception):
    def __init__(self, code: str, status: int = 422):
        super().__init__(code)
        self.code, self.status = code, status


def role_problem(role: str, region_code: str) -> str | None:
    if role not in ROLES:
        return "user.role"
    try:
        level = level_of(region_code)
    except RegionCodeError:
        return "region.unknown"
    return None if level in ROLE_LEVELS[role] else "user.role_level"


async def authenticate(session: AsyncSession, username: str, password: str, actor: Actor) -> Staff:
    """The staff member, or StaffError. Failures count toward the lockout; the caller must
    commit even when this raises."""
    now = utcnow()
    staff = await session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        passwords.verify_password(_DUMMY, password)  # same work either way: no user enumeration by timing
        raise StaffError("login.bad", 401)
    if passwords.locked(staff.locked_until, now):
        raise StaffError("login.locked", 429)
    if not passwords.verify_password(staff.password_hash, password):
        staff.failed_logins, staff.locked_until = passwords.after_failure(staff.failed_logins, now)
        locked = staff.locked_until is not None
        await record(session, actor, "staff.lock" if locked else "staff.login_failed", "staff", staff.id,
                     region_code=staff.region_code)  # fmt: skip
        raise StaffError("login.locked" if locked else "login.bad", 429 if locked else 401)
    if not staff.active:
        raise StaffError("login.inactive", 403)
    return staff


def check_totp(secret_key: str, staff: Staff, code: str) -> bool:
    if not staff.totp_secret:
        return False
    return pyotp.TOTP(decrypt(secret_key, "totp", staff.totp_secret)).verify(code.strip(), valid_window=1)


async def signed_in(session: AsyncSession, staff: Staff, actor: Actor) -> None:
    staff.failed_logins, staff.locked_until, staff.last_login_at = 0, None, utcnow()
    await record(session, actor, "staff.login", "staff", staff.id, region_code=staff.region_code)


async def totp_failed(session: AsyncSession, staff: Staff, actor: Actor) -> None:
    staff.failed_logins, staff.locked_until = passwords.after_failure(staff.failed_logins, utcnow())
    await record(session, actor, "staff.totp_failed", "staff", staff.id, region_code=staff.region_code)


def enable_totp(secret_key: str, staff: Staff, secret: str) -> None:
    staff.totp_secret, staff.totp_enabled = encrypt(secret_key, "totp", secret), True


async def create_staff(
    session: AsyncSession, actor: Actor, *, username: str, display_name: str, role: str, region_code: str,
    password: str, is_demo: bool = False,
) -> Staff:  # fmt: skip
    if not USERNAME_RE.match(username):
        raise StaffError("user.username")
    if not display_name.strip():
        raise StaffError("user.name")
    problem = role_problem(role, region_code) or passwords.password_problem(password)
    if problem:
        raise StaffError(problem)
    if await session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise StaffError("user.exists", 409)
    staff = Staff(username=username, display_name=display_name.strip(), role=role, region_code=region_code,
                  password_hash=passwords.hash_password(password), is_demo=is_demo)  # fmt: skip
    session.add(staff)
    await session.flush()
    await record(session, actor, "staff.create", "staff", staff.id, region_code=region_code,
                 after={"username": username, "display_name": staff.display_name, "role": role, "region": region_code})  # fmt: skip
    return staff


def end_sessions(staff: Staff) -> None:
    """Every open session of the account ends at its next request (see ``staff_guard``)."""
    staff.session_version = (staff.session_version or 1) + 1


def snapshot(staff: Staff) -> dict:
    return {
        "display_name": staff.display_name,
        "role": staff.role,
        "region": staff.region_code,
        "active": staff.active,
    }


_DUMMY = passwords.hash_password("not-a-real-password-0")
