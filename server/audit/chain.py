"""The hash chain, as plain functions: what a record's hash covers, and where a chain breaks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FIELDS = (
    "seq", "at", "actor_kind", "actor_id", "actor_name", "role", "region_code", "action",
    "object_type", "object_id", "before", "after", "opinion", "client_ip",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def record_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    body = {name: _plain(fields.get(name)) for name in FIELDS}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


class ChainWalker:
    """Feed records in sequence order; ``broken`` is set at the first one that does not fit.
    Stateful so that a chain of any length is checked while it streams from the database."""

    def __init__(self, genesis: str):
        self.prev_hash, self.checked, self.broken = genesis, 0, None

    def feed(self, row: Mapping[str, Any]) -> bool:
        expected = self.checked + 1
        if row["seq"] != expected:
            self.broken = ChainReport(self.checked, expected, "missing")
        elif row["prev_hash"] != self.prev_hash:
            self.broken = ChainReport(self.checked, row["seq"], "link")
        elif record_hash(self.prev_hash, row) != row["hash"]:
            self.broken = ChainReport(self.checked, row["seq"], "content")
        else:
            self.prev_hash, self.checked = row["hash"], expected
        return self.broken is None

    def report(self, expected_total: int | None = None) -> ChainReport:
        if self.broken:
            return self.broken
        if expected_total is not None and expected_total != self.checked:
            return ChainReport(self.checked, self.checked + 1, "missing")
        return ChainReport(self.checked)


def verify(rows: Iterable[Mapping[str, Any]], genesis: str, expected_total: int | None = None) -> ChainReport:
    walker = ChainWalker(genesis)
    for row in rows:
        if not walker.feed(row):
            break
    return walker.report(expected_total)
