"""Document photos attached to an application, cleaned (type sniffed, metadata stripped) and kept
under the var folder, sealed (server/crypto.py, bound to the file's name: a file copied over another
document's does not open), readable only through the back office of the case's region."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from server import crypto
from server.assistance.answers import DOCUMENT_KINDS
from server.assistance.models import Application, Document
from server.assistance.service import AssistanceError
from server.audit.service import Actor, record
from server.errors import Kind
from server.files import write_private
from server.images import clean_photo
from server.settings import Settings

PURPOSE = "assistance-document"
log = logging.getLogger(__name__)


def document_path(settings: Settings, stored_name: str):
    return settings.var_dir / "uploads" / "assistance" / stored_name


def _aad(stored_name: str) -> bytes:
    return crypto.aad("assistance_documents", "file", stored_name)


def write_document(settings: Settings, stored_name: str, data: bytes) -> None:
    """Keep a document's bytes, sealed under the newest data key, owner-only."""
    sealed = crypto.keyring(settings).seal(PURPOSE, data, _aad(stored_name))
    write_private(document_path(settings, stored_name), sealed)


def read_document(settings: Settings, stored_name: str) -> bytes:
    """A document's bytes in the clear; b"" when the file is gone. A file kept before documents were
    sealed is read as it is (``huimin keys rotate`` seals it); raises SealError when changed."""
    path = document_path(settings, stored_name)
    if not path.exists():
        return b""
    data = path.read_bytes()
    if not crypto.is_sealed(data):
        return data
    try:
        return crypto.keyring(settings).open(PURPOSE, data, _aad(stored_name))
    except crypto.SealError:
        log.error("document %s does not decrypt: changed, replaced, or under a key not listed", stored_name)
        raise AssistanceError("assistance.document_damaged", Kind.BROKEN) from None


def reseal_documents(settings: Settings, names: list[str]) -> tuple[int, int]:
    """Seal these documents under the newest key (plaintext ones too): (resealed, refused)."""
    ring = crypto.keyring(settings)
    done = refused = 0
    for name in names:
        path = document_path(settings, name)
        if not path.exists():
            continue
        data = path.read_bytes()
        if ring.is_current(data):
            continue
        try:
            plain = read_document(settings, name)
        except AssistanceError:
            refused += 1
            continue
        tmp = path.with_name(path.name + ".reseal")
        write_private(tmp, ring.seal(PURPOSE, plain, _aad(name)))
        tmp.replace(path)
        done += 1
    return done, refused


async def store_document(
    session: AsyncSession, actor: Actor, settings: Settings, app: Application, kind: str, raw: bytes
) -> Document:
    if app.status not in ("draft", "returned"):
        raise AssistanceError("assistance.locked")
    image = clean_photo(raw)
    kind = kind if kind in DOCUMENT_KINDS else "other"
    name = f"{app.reference}-{secrets.token_hex(8)}.jpg"
    write_document(settings, name, image.data)
    doc = Document(
        application_id=app.id,
        kind=kind,
        stored_name=name,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        sha256=image.sha256,
    )
    session.add(doc)
    await session.flush()
    await record(
        session,
        actor,
        "assistance.document",
        "application",
        app.reference,
        region_code=app.region_code,
        after={"kind": kind, "sha256": image.sha256, "size": len(image.data)},
    )
    return doc
