from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class ExportRequest(Base):
    """One asked-for bulk export of personal data: what (``kind`` and ``subject``: a roll id, a
    household id, an application's reference, an import id), in which format, why, who asked and
    who decided, and how often it was downloaded. The file itself is never stored: it is built
    from the live records at each download."""

    __tablename__ = "export_requests"
    __table_args__ = (Index("ix_export_requests_status_region", "status", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))  # what it holds, in words, for the lists
    region_code: Mapped[str] = mapped_column(String(12), index=True)  # the region of what it holds
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by: Mapped[str] = mapped_column(String(64), index=True)  # the staff id
    requested_by_name: Mapped[str | None] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    opinion: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    max_downloads: Mapped[int] = mapped_column(Integer, default=3)
    last_download_at: Mapped[datetime | None]
