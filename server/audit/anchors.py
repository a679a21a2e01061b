"""Where the audit trail's anchors go, and the key that signs them; neither is in the database.

An anchor is a signed checkpoint of the chain (see ``chain.make_anchor``). A sink keeps them in the
order written and never rewrites one: ``FileAnchorSink`` (the default) appends JSON lines to
``HUIMIN_VAR_DIR/audit-anchors/anchors.jsonl`` (mode 0600); ``HUIMIN_AUDIT_ANCHOR=module:Class``
names another ``AnchorSink`` (object storage with a retention lock, a remote notary...), built
with the settings."""

from __future__ import annotations

import fcntl
import importlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server.crypto import derive_key
from server.files import open_private
from server.settings import Settings

DEFAULT_SINK = "server.audit.anchors:FileAnchorSink"


class AnchorSink:
    """Append-only storage of anchors. Implement ``write`` and ``read``; override ``locked`` when
    several processes append (so that each anchor names the one before it) and ``last`` when
    reading everything is slow."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def write(self, anchor: dict[str, Any]) -> None:
        raise NotImplementedError

    def read(self) -> list[dict[str, Any]]:
        """Every anchor in the order written; a record that cannot be read comes back as
        ``{"malformed": ...}`` so that verification names it."""
        raise NotImplementedError

    def last(self) -> dict[str, Any] | None:
        anchors = self.read()
        return anchors[-1] if anchors else None

    def locked(self) -> AbstractContextManager:
        return nullcontext()

    def append(
        self, compose: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Under the lock: ``compose(last anchor)`` gives the next anchor (or None: nothing to add)."""
        with self.locked():
            anchor = compose(self.last())
            if anchor is not None:
                self.write(anchor)
            return anchor


def _parse(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"malformed": line.decode(errors="replace")[:200]}


class FileAnchorSink(AnchorSink):
    """JSON lines in a file only the service's user can read and write, one ``write()`` per anchor
    (O_APPEND, then fsync), an exclusive ``flock`` around read-last-and-append."""

    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.folder = Path(settings.var_dir) / "audit-anchors"
        self.path = self.folder / "anchors.jsonl"

    @contextmanager
    def locked(self) -> Iterator[None]:
        with open_private(self.folder / ".lock", "ab") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            yield  # closing the file releases the lock

    def write(self, anchor: dict[str, Any]) -> None:
        line = json.dumps(anchor, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
        with open_private(self.path, "ab", buffering=0) as f:  # one O_APPEND write per anchor
            f.write(line.encode())
            os.fsync(f.fileno())

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [_parse(line) for line in self.path.read_bytes().splitlines() if line.strip()]

    def last(self) -> dict[str, Any] | None:
        """Only the file's tail is read: the last complete line."""
        if not self.path.exists():
            return None
        with self.path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            chunk = 4096
            while True:
                f.seek(max(0, size - chunk))
                lines = [ln for ln in f.read().splitlines() if ln.strip()]
                if chunk >= size or len(lines) >= 2:
                    return _parse(lines[-1]) if lines else None
                chunk *= 4


def load_sink(settings: Settings) -> AnchorSink:
    module, _, attr = (settings.audit_anchor or DEFAULT_SINK).partition(":")
    return getattr(importlib.import_module(module), attr)(settings)


# --- the signing key: HUIMIN_AUDIT_SIGNING_KEY (a PEM file), or derived like the chain's key ------


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    if settings.audit_signing_key:
        key = serialization.load_pem_private_key(Path(settings.audit_signing_key).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("HUIMIN_AUDIT_SIGNING_KEY must be an Ed25519 private key (PEM)")
        return key
    seed = derive_key(settings.audit_key or settings.secret_key, "audit-anchor-ed25519")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def signature_checker(key: Ed25519PublicKey) -> Callable[[bytes, bytes], bool]:
    def ok(payload: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, payload)
        except InvalidSignature:
            return False
        return True

    return ok
