"""Every value sealed at rest in the database (server/crypto.py), and re-sealing them under the newest
data key: ``huimin keys rotate``. Reads are set-based (a page of rows whose ciphertext does not start
with the newest key's header, by primary key), writes are one UPDATE per page. Plaintext rows kept
before faces and frames were sealed are sealed on the way; Fernet tokens become ``v2:`` tokens.
Application documents are files: ``assistance.documents_service.reseal_documents``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import crypto
from server.accounts.models import Citizen, IdentityClaim, IdentityDispute, Staff
from server.assistance.models import PaymentLine
from server.certificates.models import SigningKey
from server.people.models import Household, Person
from server.survival.models import CheckFrame, Reference

ID_PURPOSE = "resident-id"  # server/people/queries.py
FACE_PURPOSE = "survival-face"  # server/survival/queries.py


@dataclass(frozen=True)
class Sealed:
    """A sealed column: text tokens (no row binding) or bytes bound to ``aad(row)``."""

    model: type
    column: str
    purpose: str
    aad: Callable[[object], bytes] | None = None  # bytes columns: the row's associated data

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}.{self.column}"


def _bound(table: str, column: str, key: Callable[[object], object]) -> Callable[[object], bytes]:
    return lambda row: crypto.aad(table, column, key(row))


SEALED: tuple[Sealed, ...] = (
    Sealed(Person, "id_cipher", ID_PURPOSE),
    Sealed(Household, "bank_account_cipher", "bank-account"),
    Sealed(Citizen, "id_cipher", ID_PURPOSE),
    Sealed(IdentityClaim, "id_cipher", ID_PURPOSE),
    Sealed(IdentityDispute, "id_cipher", ID_PURPOSE),
    Sealed(Staff, "totp_secret", "totp"),
    Sealed(PaymentLine, "bank_cipher", "bank-account"),
    Sealed(SigningKey, "key_cipher", "signing-key"),
    Sealed(Reference, "photo", FACE_PURPOSE, _bound("survival_references", "photo", lambda r: r.person_id)),
    Sealed(
        Reference,
        "encoding",
        FACE_PURPOSE,
        _bound("survival_references", "encoding", lambda r: r.person_id),
    ),
    Sealed(
        CheckFrame, "data", FACE_PURPOSE, _bound("survival_frames", "data", lambda f: f"{f.check_id}:{f.n}")
    ),
)


@dataclass
class Counts:
    resealed: int = 0
    refused: int = 0  # do not open under any key of the ring (changed, or a key no longer listed)


def _stale(spec: Sealed, ring: crypto.Keyring):
    column = getattr(spec.model, spec.column)
    if spec.aad is None:
        return column.is_not(None) & ~column.startswith(ring.prefix(text=True), autoescape=True)
    prefix = ring.prefix(text=False)
    return column.is_not(None) & (func.substr(column, 1, len(prefix)) != prefix)


def _resealed(spec: Sealed, ring: crypto.Keyring, row) -> str | bytes:
    value = getattr(row, spec.column)
    if spec.aad is None:
        return ring.seal_text(spec.purpose, ring.open_text(spec.purpose, value))
    aad, value = spec.aad(row), bytes(value)
    plain = ring.open(spec.purpose, value, aad) if crypto.is_sealed(value) else value
    return ring.seal(spec.purpose, plain, aad)


async def reseal(session: AsyncSession, ring: crypto.Keyring, spec: Sealed, batch: int = 500) -> Counts:
    """Re-seal one column's stale values, a page at a time (the caller commits between columns)."""
    counts, last = Counts(), None
    pk = spec.model.__mapper__.primary_key[0]
    while True:
        query = select(spec.model).where(_stale(spec, ring)).order_by(pk).limit(batch)
        if last is not None:
            query = query.where(pk > last)
        rows = list(await session.scalars(query))
        if not rows:
            return counts
        last = getattr(rows[-1], pk.key)
        values = []
        for row in rows:
            try:
                values.append({pk.key: getattr(row, pk.key), spec.column: _resealed(spec, ring, row)})
            except crypto.SealError:
                counts.refused += 1
        for row in rows:
            session.expunge(row)
        if values:
            await session.execute(update(spec.model), values)
            counts.resealed += len(values)
        await session.flush()


async def stale_count(session: AsyncSession, ring: crypto.Keyring, spec: Sealed) -> int:
    """How many values of a column are not sealed under the newest key."""
    return await session.scalar(select(func.count()).select_from(spec.model).where(_stale(spec, ring))) or 0
