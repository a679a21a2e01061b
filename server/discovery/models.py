from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class CommunityArea(Base):
    """Where a community is on the map: its outline and centre, the project's own data."""

    __tablename__ = "community_areas"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    centre_lat: Mapped[float] = mapped_column(Float)
    centre_lon: Mapped[float] = mapped_column(Float)
    outline: Mapped[list] = mapped_column(JSON)  # [[lat, lon], ...]


class Report(Base):
    __tablename__ = "discovery_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reporter_citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    reporter_phone: Mapped[str | None] = mapped_column(String(11), index=True)
    device_id: Mapped[str] = mapped_column(String(40), index=True)
    client_ip: Mapped[str] = mapped_column(String(45), index=True)
    person_name: Mapped[str | None] = mapped_column(String(50))
    approx_age: Mapped[int | None] = mapped_column(Integer)
    situation: Mapped[str] = mapped_column(String(24))
    details: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(String(200))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_name: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(
        String(16), default="new", index=True
    )  # new assigned visited closed merged spam
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    routed_by: Mapped[str] = mapped_column(String(16), default="manual")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("discovery_reports.id"))
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    visit_due_at: Mapped[datetime | None] = mapped_column(index=True)
    findings: Mapped[str | None] = mapped_column(Text)
    visited_at: Mapped[datetime | None]
    visit_photos: Mapped[list | None] = mapped_column(JSON)  # stored names of photos taken at the visit
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_note: Mapped[str | None] = mapped_column(Text)
    handoff: Mapped[dict | None] = mapped_column(JSON)
    application_ref: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None]
    notice_version: Mapped[str | None] = mapped_column(String(16))  # the privacy notice the reporter read


class Alert(Base):
    """Urgent reports also alert the street and the district above the community."""

    __tablename__ = "discovery_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("discovery_reports.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
