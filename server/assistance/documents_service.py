"""Document photos attached to an application, cleaned (type sniffed, metadata stripped) and kept
under the var folder, readable only through the back office of the case's region."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from server.assistance.answers import DOCUMENT_KINDS
from server.assistance.models import Application, Document
from server.assistance.service import AssistanceError
from server.audit.service import Actor, record
from server.files import write_private
from server.images import clean_photo
from server.settings import Settings


def document_path(settings: Settings, stored_name: str):
    return settings.var_dir / "uploads" / "assistance" / stored_name


def read_document(settings: Settings, doc: Document) -> bytes:
    """A document's bytes as uploaded (the one place that reads them: the case page's view and the
    approved bundle export)."""
    return document_path(settings, doc.stored_name).read_bytes()


async def store_document(
    session: AsyncSession, actor: Actor, settings: Settings, app: Application, kind: str, raw: bytes
) -> Document:
    if app.status not in ("draft", "returned"):
        raise AssistanceError("assistance.locked")
    image = clean_photo(raw)
    kind = kind if kind in DOCUMENT_KINDS else "other"
    name = f"{app.reference}-{secrets.token_hex(8)}.jpg"
    path = document_path(settings, name)
    write_private(path, image.data)
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
