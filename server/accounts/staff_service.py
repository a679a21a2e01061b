"""Staff sign-in and administration: the database side of ``passwords`` and the role rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, literal, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from server import ratelimit
from server.accounts import passwords, rules
from server.accounts.models import LoginThrottle, Staff
from server.accounts.rules import role_problem
from server.audit.service import SYSTEM, Actor, record
from server.crypto import decrypt, encrypt, keyed_hash
from server.db import UTCDateTime, utcnow
from server.errors import DomainError, Kind

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,32}$")


class StaffError(DomainError):
    def __init__(self, code: str, kind: Kind = Kind.INVALID):
        super().__init__(code, kind)


@dataclass(frozen=True)
class Claim:
    """One counted sign-in attempt: whose (None for a name with no account) and whether it is the
    last one the window allows (then a failure leaves the name locked)."""

    staff_id: int | None
    locks: bool


def _count_attempt(c: Any, now: datetime) -> tuple[Any, dict[str, Any]]:
    """The lockout rule (see ``passwords``) as SQL over the columns ``c`` of ``staff`` or
    ``login_throttles``: which rows may take one more attempt, and the values that count it."""
    allowed = or_(c.locked_until.is_(None), c.locked_until <= now)
    starts_over = or_(
        c.locked_until <= now,
        and_(
            c.locked_until.is_(None),
            or_(c.last_failed_login_at.is_(None), c.last_failed_login_at <= now - passwords.LOCKOUT),
        ),
    )
    count = case((starts_over, 0), else_=c.failed_logins) + 1
    lock = case(
        (count >= passwords.MAX_FAILURES, literal(now + passwords.LOCKOUT, UTCDateTime())), else_=null()
    )
    return allowed, {"failed_logins": count, "locked_until": lock, "last_failed_login_at": now}


async def _claim(session: AsyncSession, where: Any, now: datetime) -> Claim | None:
    """Count one attempt on a staff account in one statement, before anything is checked, so that
    parallel requests cannot all slip under the limit; None when the account is locked (or absent)."""
    allowed, values = _count_attempt(Staff.__table__.c, now)
    row = (
        await session.execute(
            update(Staff.__table__)
            .where(where, allowed)
            .values(**values)
            .returning(Staff.__table__.c.id, Staff.__table__.c.locked_until)
        )
    ).first()
    return Claim(row.id, row.locked_until is not None) if row else None


async def _claim_unknown(session: AsyncSession, secret: str, username: str, now: datetime) -> Claim | None:
    """The same count for a username that belongs to no account (an upsert, one statement)."""
    t = LoginThrottle.__table__
    await session.execute(
        delete(t).where(
            t.c.last_failed_login_at <= now - passwords.LOCKOUT,
            or_(t.c.locked_until.is_(None), t.c.locked_until <= now),
        )
    )
    allowed, values = _count_attempt(t.c, now)
    dialect = (await session.connection()).dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    first_locks = passwords.MAX_FAILURES <= 1
    stmt = insert(t).values(
        name_hash=keyed_hash(secret, "login-name", username),
        failed_logins=1,
        last_failed_login_at=now,
        locked_until=now + passwords.LOCKOUT if first_locks else None,
    )
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.name_hash], set_=values, where=allowed)
    row = (await session.execute(stmt.returning(t.c.locked_until))).first()
    return Claim(None, row.locked_until is not None) if row else None


SIGN_INS = ratelimit.Limit("staff.sign_in", rules.SIGN_INS_PER_ADDRESS, rules.SIGN_IN_WINDOW_SECONDS)


async def count_sign_in_step(session: AsyncSession, ip: str) -> None:
    """Count one sign-in step (password or code) from this client address before anything is
    checked; ``login.too_many_address`` (429) past the limit, whichever account is named, so a
    guesser going through many names from one place is stopped as well as one guessing one name.
    Call it before the request writes anything."""
    if await ratelimit.hit(session, SIGN_INS, ratelimit.address(ip)) > SIGN_INS.per:
        raise StaffError("login.too_many_address", Kind.TOO_MANY)


async def sign_in_step_passed(session: AsyncSession, ip: str) -> None:
    """A step that succeeded does not count against the address (an office behind one address signs
    in all morning): what the request wrote so far is committed, then the hit is given back."""
    await session.commit()
    await ratelimit.give_back(session, SIGN_INS, ratelimit.address(ip))


async def authenticate(
    session: AsyncSession, secret: str, username: str, password: str, actor: Actor
) -> Staff:
    """The staff member, or StaffError. The attempt is counted (and committed) before the password
    is checked. A name without an account, a disabled account and a wrong password give the same
    answer, take the same work (a password hash is checked either way) and lock the same way, so
    the answers do not tell which accounts exist. The caller must commit even when this raises."""
    now = utcnow()
    claim = await _claim(session, Staff.username == username, now)
    if claim is None and await session.scalar(select(Staff.id).where(Staff.username == username)) is None:
        claim = await _claim_unknown(session, secret, username, now)
    await session.commit()  # counted before the check; no lock held while the password is hashed
    if claim is None:
        raise StaffError("login.locked", Kind.TOO_MANY)
    staff = await session.get(Staff, claim.staff_id) if claim.staff_id is not None else None
    right = passwords.verify_password(staff.password_hash if staff else _DUMMY, password)
    if right and staff is not None and staff.active:
        if not staff.totp_enabled:
            return staff
        if not claim.locks:  # the password is not the last word: give the attempt back for the code
            await session.execute(
                update(Staff.__table__)
                .where(Staff.id == staff.id, Staff.failed_logins > 0, Staff.locked_until.is_(None))
                .values(failed_logins=Staff.__table__.c.failed_logins - 1)
            )
            return staff
    if staff is not None:
        await record(
            session,
            actor,
            "staff.lock" if claim.locks else "staff.login_failed",
            "staff",
            staff.id,
            region_code=staff.region_code,
        )
    raise StaffError(
        "login.locked" if claim.locks else "login.bad", Kind.TOO_MANY if claim.locks else Kind.UNAUTHENTICATED
    )


async def claim_attempt(session: AsyncSession, staff: Staff) -> Claim | None:
    """Count one attempt (a TOTP code, the current password) on a signed-in or half-signed-in
    account before it is checked, and commit it; None when the account is locked."""
    claim = await _claim(session, Staff.id == staff.id, utcnow())
    await session.commit()
    return claim


async def use_totp(session: AsyncSession, secret_key: str, staff: Staff, code: str) -> bool:
    """Whether the code is right and not used before: its time step is taken in one statement,
    so of two parallel uses of one code only one succeeds, and older codes are refused."""
    if not staff.totp_secret:
        return False
    step = passwords.SECOND_FACTOR.check(decrypt(secret_key, "totp", staff.totp_secret), code, utcnow())
    if step is None:
        return False
    c = Staff.__table__.c
    taken = await session.execute(
        update(Staff.__table__)
        .where(c.id == staff.id, or_(c.totp_last_step.is_(None), c.totp_last_step < step))
        .values(totp_last_step=step)
        .returning(c.id)
    )
    return taken.first() is not None


async def second_step(
    session: AsyncSession, secret_key: str, staff_id: int | None, code: str, actor: Actor
) -> Staff:
    """Sign-in's second step: the TOTP code of the account that passed the password. The attempt
    is counted (and committed) first. Refusals: ``error.sign_in`` (no such pending sign-in),
    ``login.locked`` (the account is locked, or this failure locked it), ``login.totp_bad`` (wrong
    or used code: the person may try again)."""
    staff = await session.get(Staff, staff_id) if staff_id is not None else None
    if staff is None:
        raise StaffError("error.sign_in", Kind.UNAUTHENTICATED)
    claim = await claim_attempt(session, staff)
    if claim is None:
        raise StaffError("login.locked", Kind.TOO_MANY)
    # an account disabled meanwhile is treated like a wrong code
    if staff.active and await use_totp(session, secret_key, staff, code):
        return staff
    await attempt_failed(session, staff, claim, "staff.totp_failed", actor)
    await session.commit()
    if claim.locks:
        raise StaffError("login.locked", Kind.TOO_MANY)
    raise StaffError("login.totp_bad", Kind.UNAUTHENTICATED)


async def attempt_failed(
    session: AsyncSession, staff: Staff, claim: Claim, action: str, actor: Actor
) -> None:
    await record(
        session,
        actor,
        "staff.lock" if claim.locks else action,
        "staff",
        staff.id,
        region_code=staff.region_code,
    )


async def clear_failures(session: AsyncSession, staff: Staff) -> None:
    await session.execute(
        update(Staff.__table__)
        .where(Staff.id == staff.id)
        .values(failed_logins=0, locked_until=None, last_failed_login_at=None)
    )


async def signed_in(session: AsyncSession, staff: Staff, actor: Actor) -> None:
    await clear_failures(session, staff)
    staff.last_login_at = utcnow()
    await record(session, actor, "staff.login", "staff", staff.id, region_code=staff.region_code)


async def enable_totp(
    session: AsyncSession, actor: Actor, secret_key: str, staff: Staff, secret: str
) -> None:
    """Two-step verification on, with the secret the holder's app confirmed; other sessions end."""
    staff.totp_secret, staff.totp_enabled = encrypt(secret_key, "totp", secret), True
    end_sessions(staff)
    await record(session, actor, "staff.totp_enable", "staff", staff.id, region_code=staff.region_code)


async def change_password(session: AsyncSession, actor: Actor, staff: Staff, current: str, new: str) -> None:
    """The holder changes their own password. The attempt is counted (and committed) before the
    current password is checked, like sign-in; a wrong one fails and may lock the account. Then the
    new password must be acceptable; on success the account's other sessions end."""
    claim = await claim_attempt(session, staff)
    if claim is None:
        raise StaffError("login.locked", Kind.TOO_MANY)
    if not passwords.verify_password(staff.password_hash, current):
        await attempt_failed(session, staff, claim, "staff.password_failed", actor)
        await session.commit()
        raise StaffError("login.locked", Kind.TOO_MANY) if claim.locks else StaffError("login.bad")
    await clear_failures(session, staff)
    await session.commit()
    problem = passwords.password_problem(new, staff.username, staff.display_name)
    if problem is None and passwords.verify_password(staff.password_hash, new):
        problem = "password.same"
    if problem:
        raise StaffError(problem)
    staff.password_hash = passwords.hash_password(new)
    staff.password_changed_at, staff.password_must_change = utcnow(), False
    end_sessions(staff)
    await record(session, actor, "staff.password_change", "staff", staff.id, region_code=staff.region_code)


def _staff_id(actor: Actor) -> int | None:
    return int(actor.id) if actor.kind == "staff" and actor.id and actor.id.isdigit() else None


async def reset_password(session: AsyncSession, actor: Actor, staff: Staff, password: str) -> None:
    """A security administrator sets a new password (the holder forgot it): the account is unlocked,
    its sessions end, and the holder must choose their own at the next sign-in."""
    problem = passwords.password_problem(password, staff.username, staff.display_name)
    if problem:
        raise StaffError(problem)
    staff.password_hash = passwords.hash_password(password)
    staff.password_changed_at, staff.password_must_change = utcnow(), True
    staff.failed_logins, staff.locked_until = 0, None
    end_sessions(staff)
    await record(session, actor, "staff.password_reset", "staff", staff.id, region_code=staff.region_code)


async def reset_second_factor(session: AsyncSession, actor: Actor, staff: Staff) -> None:
    """A security administrator removes a lost second factor: the holder signs in with the password
    and (where it is required) enrols a new one before any work; open sessions end."""
    staff.totp_secret, staff.totp_enabled, staff.totp_last_step = None, False, None
    end_sessions(staff)
    await record(session, actor, "staff.totp_reset", "staff", staff.id, region_code=staff.region_code)


async def disable_dormant(session: AsyncSession, now: datetime | None = None) -> int:
    """The worker's job: staff accounts neither signed in nor switched on for ``DORMANT_AFTER`` are
    switched off in one statement (their sessions end), each audited as the system. Demo accounts
    (never in production) are left alone. A security administrator can switch one on again."""
    cutoff = (now or utcnow()) - rules.DORMANT_AFTER
    c = Staff.__table__.c
    rows = (
        await session.execute(
            update(Staff.__table__)
            .where(
                c.active.is_(True),
                c.is_demo.is_(False),
                func.coalesce(c.last_login_at, c.created_at) < cutoff,
                func.coalesce(c.enabled_at, c.created_at) < cutoff,
            )
            .values(active=False, disabled_reason="dormant", session_version=c.session_version + 1)
            .returning(c.id, c.region_code, c.last_login_at)
        )
    ).all()
    for row in rows:
        last = row.last_login_at.isoformat() if row.last_login_at else None
        await record(
            session,
            SYSTEM,
            "staff.dormant_disable",
            "staff",
            row.id,
            before={"active": True},
            after={"active": False, "last_login_at": last},
            region_code=row.region_code,
        )
    return len(rows)


async def update_staff(
    session: AsyncSession,
    actor: Actor,
    staff: Staff,
    *,
    display_name: str,
    role: str,
    region_code: str,
    active: bool,
) -> None:
    """A security administrator changes an account; if what open sessions relied on changed, they
    end. Their own role and their own switch stay as they are (another administrator changes
    them). Switching an account on again (e.g. one the worker found dormant) counts as a fresh
    start for dormancy."""
    name = display_name.strip()
    me = _staff_id(actor)
    problem = (
        role_problem(role, region_code)
        or (None if name else "user.name")
        or rules.role_change_refusal(me, staff.id, staff.role, role)
        or rules.self_disable_refusal(me, staff.id, active)
    )
    if problem:
        raise StaffError(problem)
    before = snapshot(staff)
    if active and not staff.active:
        staff.enabled_at, staff.disabled_reason = utcnow(), None
    staff.display_name, staff.role, staff.region_code, staff.active = name, role, region_code, active
    if snapshot(staff) != before:
        end_sessions(staff)
    await record(
        session,
        actor,
        "staff.update",
        "staff",
        staff.id,
        before=before,
        after=snapshot(staff),
        region_code=region_code,
    )


async def unlock(session: AsyncSession, actor: Actor, staff: Staff) -> None:
    staff.failed_logins, staff.locked_until = 0, None
    await record(session, actor, "staff.unlock", "staff", staff.id, region_code=staff.region_code)


async def create_staff(
    session: AsyncSession,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    region_code: str,
    password: str,
    is_demo: bool = False,
) -> Staff:
    if not USERNAME_RE.match(username):
        raise StaffError("user.username")
    if not display_name.strip():
        raise StaffError("user.name")
    problem = role_problem(role, region_code) or passwords.password_problem(password, username, display_name)
    if problem:
        raise StaffError(problem)
    if await session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise StaffError("user.exists", Kind.CONFLICT)
    staff = Staff(
        username=username,
        display_name=display_name.strip(),
        role=role,
        region_code=region_code,
        password_hash=passwords.hash_password(password),
        is_demo=is_demo,
        password_changed_at=utcnow(),
        enabled_at=utcnow(),
        # a password an administrator typed is theirs too: the holder chooses their own first
        password_must_change=actor.kind == "staff",
    )
    session.add(staff)
    await session.flush()
    await record(
        session,
        actor,
        "staff.create",
        "staff",
        staff.id,
        region_code=region_code,
        after={"username": username, "display_name": staff.display_name, "role": role, "region": region_code},
    )
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
