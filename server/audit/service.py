"""Appending to the trail inside the caller's transaction, anchoring it outside the database, and
verifying the whole chain with the key and against the anchors.

The HMAC key and the anchors' signing key are the process's (``configure(settings)``: the app, the
command line and the tests call it; otherwise the settings from the environment). Anchoring costs
no write per request: after a commit that appended records, an anchor is written only when
``audit_anchor_every`` records or ``audit_anchor_minutes`` have passed since the last one; the
worker round and ``huimin audit anchor`` anchor the head as stored."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from server import clock
from server.audit.anchors import AnchorSink, load_sink, signature_checker, signing_key
from server.audit.chain import (
    FIELDS,
    AnchorReport,
    ChainReport,
    ChainWalker,
    check_anchors,
    make_anchor,
    record_hash,
)
from server.audit.models import GENESIS, AuditHead, AuditRecord, PersonAccess
from server.audit.rules import redact
from server.crypto import derive_key, keyed_hash
from server.db import utcnow
from server.i18n import translate
from server.settings import Settings, load_settings

log = logging.getLogger("huimin.audit")


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | citizen | system | device
    id: str | None = None
    name: str | None = None
    role: str | None = None
    region_code: str | None = None
    client_ip: str | None = None


SYSTEM = Actor(kind="system", name="huimin")


def chain_key(settings: Settings) -> bytes:
    """HUIMIN_AUDIT_KEY, or the secret key, through HKDF with a label of its own."""
    return derive_key(settings.audit_key or settings.secret_key, "audit-chain-hmac")


VALUE_PURPOSE = "audit-value"  # the keyed hash sensitive values are stored as (audit/rules.py)


def value_hash(secret: str, text: str) -> str:
    """The keyed hash a sensitive value is kept as in the trail (its first 128 bits, hex)."""
    return keyed_hash(secret, VALUE_PURPOSE, text)[:32]


@dataclass
class AuditContext:
    key: bytes
    signer: Any  # Ed25519PrivateKey
    sink: AnchorSink
    every: int
    minutes: float
    # HUIMIN_AUDIT_KEY or the secret key: sensitive values are kept as value_hash(value_secret, ...)
    value_secret: str = ""
    # what this process knows of the last anchor (read from the sink once)
    last_seq: int | None = None
    last_time: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def anchor(
        self, seq: int, hash_: str, keyed_from: int, *, force: bool = False, strict: bool = False
    ) -> AnchorOutcome:
        """Write an anchor naming record ``seq`` if one is due (or ``force``). Never one naming
        a record before the last anchor's: after a commit that is another process ahead of this
        one; for the head as stored (``strict``) it is a rewound trail, reported."""
        with self.lock:
            if not force and self.last_seq is not None and not self._due(seq):
                return AnchorOutcome(None, None)
            outcome: dict[str, Any] = {}

            def compose(last: dict | None) -> dict | None:
                outcome["last"] = last
                last_seq = _seq(last)
                if last is not None and (last_seq is None or _seq(last, "n") is None):
                    outcome["problem"] = "malformed"
                    return None
                if last_seq is not None and last_seq > seq:
                    outcome["problem"] = "rewound" if strict else None
                    return None
                if (
                    last_seq is not None
                    and not force
                    and (last_seq == seq or not self._due(seq, last_seq, _time(last)))
                ):
                    return None
                return make_anchor(last, seq, hash_, keyed_from, utcnow(), self.signer.sign)

            written = self.sink.append(compose)
            latest = written or outcome.get("last")
            self.last_seq, self.last_time = _seq(latest) or 0, _time(latest) if latest else 0.0
            return AnchorOutcome(written, outcome.get("problem"), outcome.get("last"))

    def _due(self, seq: int, last_seq: int | None = None, last_time: float | None = None) -> bool:
        last_seq = self.last_seq if last_seq is None else last_seq
        last_time = self.last_time if last_time is None else last_time
        return seq - (last_seq or 0) >= self.every or (
            seq > (last_seq or 0) and time.time() - last_time >= self.minutes * 60
        )


@dataclass(frozen=True)
class AnchorOutcome:
    written: dict | None
    problem: str | None = None  # rewound | malformed | head | content
    last: dict | None = None


def _seq(anchor: dict | None, name: str = "seq") -> int | None:
    try:
        return None if anchor is None else int(anchor[name])
    except (KeyError, TypeError, ValueError):
        return None


def _when(anchor: dict) -> datetime | None:
    try:
        return datetime.strptime(anchor["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except (KeyError, TypeError, ValueError):
        return None


def _time(anchor: dict) -> float:
    when = _when(anchor)
    return when.timestamp() if when else 0.0


def audit_context(settings: Settings) -> AuditContext:
    return AuditContext(
        key=chain_key(settings),
        signer=signing_key(settings),
        sink=load_sink(settings),
        every=max(1, settings.audit_anchor_every),
        minutes=settings.audit_anchor_minutes,
        value_secret=settings.audit_key or settings.secret_key,
    )


_current: AuditContext | None = None
_current_lock = threading.Lock()


def configure(settings: Settings) -> AuditContext:
    """Use these settings' keys and anchor sink for the audit trail in this process."""
    global _current
    context = audit_context(settings)
    with _current_lock:
        _current = context
    return context


def current() -> AuditContext:
    global _current
    with _current_lock:
        if _current is None:
            _current = audit_context(load_settings())
        return _current


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    opinion: str | None = None,
    region_code: str | None = None,
) -> AuditRecord:
    """Append one record. Call it in the same transaction as the change it describes, so
    that both are written or neither is. Sensitive values in ``before``/``after`` (ID numbers,
    phones, bank accounts, addresses, health, income, criminal records: ``audit/rules.py``) are
    stored as a keyed hash under their field name, never as the value; the chain covers what is
    stored."""
    context = current()

    def hash_text(text: str) -> str:
        return value_hash(context.value_secret, text)

    head = (
        await session.execute(
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(seq=AuditHead.seq + 1)
            .returning(AuditHead.seq, AuditHead.hash, AuditHead.keyed_from)
        )
    ).one()
    fields = dict(
        seq=head.seq,
        at=utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        role=actor.role,
        region_code=region_code or actor.region_code,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=redact(action, before, hash_text),
        after=redact(action, after, hash_text),
        opinion=opinion,
        client_ip=actor.client_ip,
    )
    digest = record_hash(head.hash, fields, context.key)
    entry = AuditRecord(**fields, prev_hash=head.hash, hash=digest)
    session.add(entry)
    await session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    await session.flush()
    # anchored, if due, once the transaction is committed (see _anchor_after_commit)
    session.info["audit_tip"] = (context, head.seq, digest, head.keyed_from)
    return entry


async def record_view(
    session: AsyncSession,
    actor: Actor,
    what: str,
    object_type: str,
    object_id: Any,
    person_ids: list[int] | tuple[int, ...] = (),
    *,
    region_code: str | None = None,
) -> AuditRecord:
    """A read of sensitive data (documents, health, criminal records, faces, a verification report,
    an export): one audit record ``view.<what>`` and, for each person it concerns, a
    ``PersonAccess`` row the citizen sees on ``/me/data``. Same transaction as the page's reads."""
    people = sorted({int(p) for p in person_ids})
    entry = await record(
        session,
        actor,
        f"view.{what}",
        object_type,
        object_id,
        after={"people": len(people)} if people else None,
        region_code=region_code,
    )
    session.add_all(
        PersonAccess(
            person_id=person,
            at=entry.at,
            actor_kind=actor.kind,
            actor_name=actor.name,
            role=actor.role,
            region_code=entry.region_code,
            what=what,
            object_type=object_type,
            object_id=entry.object_id,
            audit_seq=entry.seq,
        )
        for person in people
    )
    await session.flush()
    return entry


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    tip = session.info.pop("audit_tip", None)
    if tip is None:
        return
    context, seq, digest, keyed_from = tip
    try:
        outcome = context.anchor(seq, digest, keyed_from)
    except Exception:  # the records are committed; an anchor not written must not fail the request
        log.exception("audit anchor not written")
        return
    if outcome.problem:
        log.error("audit anchor not written after record %s: %s", seq, outcome.problem)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction) -> None:
    """A transaction that ends without a commit (rolled back, closed) anchors nothing; after a
    commit, ``after_commit`` has run already."""
    if transaction.parent is None:
        session.info.pop("audit_tip", None)


async def _head_record(session: AsyncSession) -> tuple[AuditHead, dict | None]:
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash, AuditHead.keyed_from))).one()
    columns = [getattr(AuditRecord, name) for name in ("prev_hash", "hash", *FIELDS)]
    row = (await session.execute(select(*columns).where(AuditRecord.seq == head.seq))).first()
    return head, (dict(row._mapping) if row else None)


async def anchor_head(session: AsyncSession, *, force: bool = False) -> AnchorOutcome:
    """Anchor the chain's head as stored (the worker round; ``huimin audit anchor`` forces one).
    The head record must be the one the head row names and carry a valid hash, so that an anchor
    never vouches for a record forged without the key."""
    context = current()
    head, row = await _head_record(session)
    if head.seq > 0:
        if row is None or row["hash"] != head.hash:
            return AnchorOutcome(None, "head")
        key = context.key if head.seq >= head.keyed_from else None
        if record_hash(row["prev_hash"], row, key) != row["hash"]:
            return AnchorOutcome(None, "content")
    elif head.hash != GENESIS:
        return AnchorOutcome(None, "head")
    outcome = context.anchor(head.seq, head.hash, head.keyed_from, force=force, strict=True)
    if outcome.problem == "rewound" and session.bind is not None:
        # a service process may have committed and anchored newer records since this transaction
        # began: only a head still behind the last anchor, read afresh, is a rewound trail
        async with session.bind.connect() as conn:
            now = await conn.scalar(select(AuditHead.seq))
        if now is not None and now >= (_seq(outcome.last) or 0):
            return AnchorOutcome(None, None, outcome.last)
    return outcome


@dataclass(frozen=True)
class TrailReport:
    chain: ChainReport
    anchors: AnchorReport

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.anchors.intact

    # the chain's first broken record, as the page and the command line name it
    @property
    def checked(self) -> int:
        return self.chain.checked

    @property
    def broken_seq(self) -> int | None:
        return self.chain.broken_seq

    @property
    def reason(self) -> str | None:
        return self.chain.reason


async def verify_chain(session: AsyncSession, public_key: Any = None) -> TrailReport:
    """Stream the whole chain in order, checking every hash with the key; the head row says how
    long it must be and where it ends. Then the anchors: each signed, in order, and naming a record
    that still exists with the hash it had (so a deleted tail with the head rewound is caught)."""
    context = current()
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash, AuditHead.keyed_from))).first()
    head_seq, head_hash, keyed_from = (head.seq, head.hash, head.keyed_from) if head else (0, GENESIS, 1)
    anchors = context.sink.read()
    wanted = {a.get("seq") for a in anchors if isinstance(a.get("seq"), int)}
    stored: dict[int, str] = {}
    columns = [getattr(AuditRecord, name) for name in ("prev_hash", "hash", *FIELDS)]
    walker = ChainWalker(GENESIS, context.key, keyed_from)
    result = await session.stream(
        select(*columns).order_by(AuditRecord.seq).execution_options(yield_per=2000)
    )
    walking = True
    async for row in result:
        values = row._mapping
        if walking:
            walking = walker.feed(values)
        if values["seq"] in wanted:
            stored[values["seq"]] = values["hash"]
    checker = signature_checker(public_key or context.signer.public_key())
    return TrailReport(
        walker.report(head_seq, head_hash),
        check_anchors(anchors, checker, stored, head_seq, keyed_from),
    )


def describe(report: TrailReport, lang: str) -> list[str]:
    """What verification found, in plain words: the chain first, then the anchors."""
    chain, anchors = report.chain, report.anchors
    lines = [
        translate(lang, "audit.chain.intact").format(checked=chain.checked)
        if chain.intact
        else translate(lang, f"audit.chain.{chain.reason}").format(seq=chain.broken_seq)
    ]
    if anchors.intact and anchors.last is None:
        lines.append(translate(lang, "audit.anchor.empty"))
    elif anchors.intact:
        last = anchors.last or {}
        lines.append(
            translate(lang, "audit.anchor.intact").format(
                checked=anchors.checked, seq=last.get("seq"), at=clock.local(_when(last))
            )
        )
    else:
        lines.append(
            translate(lang, f"audit.anchor.{anchors.reason}").format(n=anchors.broken_n, seq=anchors.seq)
        )
    return lines


def describe_anchoring(outcome: AnchorOutcome, lang: str) -> str:
    if outcome.problem:
        seq = (outcome.last or {}).get("seq")
        return translate(lang, f"audit.anchor.refused.{outcome.problem}").format(seq=seq)
    if outcome.written:
        return translate(lang, "audit.anchor.written").format(**outcome.written)
    return translate(lang, "audit.anchor.not_due").format(seq=(outcome.last or {}).get("seq"))
