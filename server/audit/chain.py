"""The hash chain and its anchors, as plain functions: what a record's hash covers, where a chain
breaks, what a signed checkpoint (anchor) holds and where a list of anchors stops matching the chain.

Two kinds of record hash, told apart by sequence number (``keyed_from`` on the head row):
records before it were chained the old way, plain SHA-256 over the previous hash and the record;
records from it on are chained by HMAC-SHA256 with a key the database does not hold. The first
keyed record covers the last plain hash, so the old records are sealed by it too. An attacker who
moves ``keyed_from`` to call every record "old" is caught by the anchors, which repeat it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FIELDS = (
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "role",
    "region_code",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "opinion",
    "client_ip",
)

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def record_hash(prev_hash: str, fields: Mapping[str, Any], key: bytes | None = None) -> str:
    """HMAC-SHA256 with ``key``; without a key, the plain SHA-256 of records chained before keying."""
    message = (prev_hash + "\n" + _canonical({name: _plain(fields.get(name)) for name in FIELDS})).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str | None = None  # missing | link | content | head

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


class ChainWalker:
    """Feed records in sequence order; ``broken`` is set at the first one that does not fit.
    Stateful so that a chain of any length is checked while it streams from the database.
    Records numbered ``keyed_from`` and later must carry the HMAC under ``key``."""

    def __init__(self, genesis: str, key: bytes | None = None, keyed_from: int = 1):
        self.prev_hash, self.checked, self.broken = genesis, 0, None
        self.key, self.keyed_from = key, keyed_from

    def feed(self, row: Mapping[str, Any]) -> bool:
        expected = self.checked + 1
        key = self.key if row["seq"] >= self.keyed_from else None
        if row["seq"] != expected:
            self.broken = ChainReport(self.checked, expected, "missing")
        elif row["prev_hash"] != self.prev_hash:
            self.broken = ChainReport(self.checked, row["seq"], "link")
        elif not hmac.compare_digest(record_hash(self.prev_hash, row, key), row["hash"]):
            self.broken = ChainReport(self.checked, row["seq"], "content")
        else:
            self.prev_hash, self.checked = row["hash"], expected
        return self.broken is None

    def report(self, expected_total: int | None = None, head_hash: str | None = None) -> ChainReport:
        """``expected_total`` and ``head_hash`` from the head row: a chain cut short, or a head
        naming a hash that is not the last record's, is broken just after the last good record."""
        if self.broken:
            return self.broken
        if expected_total is not None and expected_total != self.checked:
            return ChainReport(self.checked, self.checked + 1, "missing")
        if head_hash is not None and head_hash != self.prev_hash:
            return ChainReport(self.checked, self.checked, "head")
        return ChainReport(self.checked)


def verify(
    rows: Iterable[Mapping[str, Any]],
    genesis: str,
    expected_total: int | None = None,
    key: bytes | None = None,
    keyed_from: int = 1,
) -> ChainReport:
    walker = ChainWalker(genesis, key, keyed_from)
    for row in rows:
        if not walker.feed(row):
            break
    return walker.report(expected_total)


# --- anchors: signed checkpoints kept outside the database ---------------------------------------

ANCHOR_FIELDS = ("n", "seq", "hash", "keyed_from", "at", "prev")


def anchor_payload(anchor: Mapping[str, Any]) -> bytes:
    """The bytes an anchor's signature covers: every field but the signature."""
    return _canonical({name: anchor.get(name) for name in ANCHOR_FIELDS}).encode()


def anchor_digest(anchor: Mapping[str, Any]) -> str:
    """What the next anchor names as ``prev``: the whole anchor, signature included."""
    return hashlib.sha256(_canonical(dict(anchor)).encode()).hexdigest()


def make_anchor(
    last: Mapping[str, Any] | None,
    seq: int,
    hash_: str,
    keyed_from: int,
    at: datetime,
    sign: Callable[[bytes], bytes],
) -> dict[str, Any]:
    """The anchor after ``last``: numbered one on, naming ``last``'s digest, signed."""
    anchor: dict[str, Any] = {
        "n": 1 if last is None else int(last["n"]) + 1,
        "seq": seq,
        "hash": hash_,
        "keyed_from": keyed_from,
        "at": _plain(at),
        "prev": GENESIS if last is None else anchor_digest(last),
    }
    anchor["sig"] = base64.b64encode(sign(anchor_payload(anchor))).decode()
    return anchor


@dataclass(frozen=True)
class AnchorReport:
    checked: int
    broken_n: int | None = None  # the anchor's number (line), or the number expected there
    seq: int | None = None  # the record it names
    reason: str | None = None  # none | malformed | signature | sequence | rewound | keyed_from | gone | hash
    last: Mapping[str, Any] | None = None  # the last anchor that checked out

    @property
    def intact(self) -> bool:
        return self.reason is None


def _anchor_problem(
    anchor: Mapping[str, Any],
    index: int,
    prev: str,
    last: Mapping[str, Any] | None,
    signature_ok: Callable[[bytes, bytes], bool],
    stored: Mapping[int, str],
    head_seq: int,
    keyed_from: int,
) -> str | None:
    try:
        n, seq, hash_ = int(anchor["n"]), int(anchor["seq"]), str(anchor["hash"])
        anchored_from = int(anchor["keyed_from"])
        signature = base64.b64decode(str(anchor["sig"]), validate=True)
    except (KeyError, TypeError, ValueError):
        return "malformed"
    if not signature_ok(anchor_payload(anchor), signature):
        return "signature"
    if n != index or anchor.get("prev") != prev:
        return "sequence"
    if last is not None and seq < int(last["seq"]):
        return "rewound"
    if anchored_from != keyed_from:
        return "keyed_from"
    if seq > head_seq or (seq > 0 and seq not in stored):
        return "gone"
    if not hmac.compare_digest(stored[seq] if seq > 0 else GENESIS, hash_):
        return "hash"
    return None


def check_anchors(
    anchors: Iterable[Mapping[str, Any]],
    signature_ok: Callable[[bytes, bytes], bool],
    stored: Mapping[int, str],
    head_seq: int,
    keyed_from: int,
) -> AnchorReport:
    """Anchors in the order they were written, against the chain as stored: ``stored`` maps the
    sequence numbers the anchors name to the hash each record has now; ``head_seq`` and
    ``keyed_from`` are the head row's. The first anchor that does not fit is named."""
    prev, last, checked = GENESIS, None, 0
    for index, anchor in enumerate(anchors, start=1):
        reason = _anchor_problem(anchor, index, prev, last, signature_ok, stored, head_seq, keyed_from)
        if reason is not None:
            seq = anchor.get("seq")
            return AnchorReport(checked, index, seq if isinstance(seq, int) else None, reason, last)
        prev, last, checked = anchor_digest(anchor), anchor, checked + 1
    if checked == 0 and head_seq > 0:
        return AnchorReport(0, 1, None, "none")
    return AnchorReport(checked, last=last)
