from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class Facility(Base):
    __tablename__ = "funeral_facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # funeral_home public_cemetery commercial_cemetery agency
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    hours: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30))
    process: Mapped[str] = mapped_column(Text)
    credit: Mapped[str] = mapped_column(String(4), default="A")
    cancel_hours: Mapped[int] = mapped_column(
        Integer, default=24
    )  # free cancellation up to this many hours before


class ServiceItem(Base):
    __tablename__ = "funeral_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("funeral_facilities.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    basic: Mapped[bool] = mapped_column(default=False)  # government-priced basic service (waivable)
    price_cents: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20))
    slot_kind: Mapped[str | None] = mapped_column(String(16))  # pickup storage hall cremation niche


class Slot(Base):
    __tablename__ = "funeral_slots"
    __table_args__ = (
        UniqueConstraint("facility_id", "kind", "day", "label"),
        CheckConstraint("taken <= capacity", name="not_overbooked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("funeral_facilities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date, index=True)
    label: Mapped[str] = mapped_column(String(20))  # e.g. 09:00
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class Booking(Base):
    __tablename__ = "funeral_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("funeral_facilities.id"), index=True)
    deceased_name: Mapped[str] = mapped_column(String(50))
    deceased_id_hash: Mapped[str] = mapped_column(String(64), index=True)
    deceased_id_masked: Mapped[str] = mapped_column(String(18))
    pickup_address: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked cancelled completed
    pickup_status: Mapped[str] = mapped_column(
        String(16), default="waiting"
    )  # waiting on_the_way arrived done
    quote: Mapped[dict] = mapped_column(JSON)
    payable_cents: Mapped[int] = mapped_column(Integer)
    paid_cents: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[datetime | None]
    paid_by: Mapped[str | None] = mapped_column(String(100))
    # 惠民殡葬 waiver: None (not claimed), granted (by the records), pending (staff check at the
    # counter), confirmed or refused (by the operator, audited)
    waiver: Mapped[str | None] = mapped_column(String(12))
    waiver_checked_by: Mapped[str | None] = mapped_column(String(100))
    waiver_checked_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BookingSlot(Base):
    __tablename__ = "funeral_booking_slots"

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("funeral_bookings.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("funeral_slots.id"), primary_key=True)


class OpenService(Base):
    """One open booking per service kind per deceased: the primary key refuses a second one, whatever
    the account and however many requests arrive at once. Removed when the booking closes."""

    __tablename__ = "funeral_open_services"

    deceased_id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("funeral_bookings.id", ondelete="CASCADE"), index=True)


class AccountBookings(Base):
    """How many open bookings an account holds, counted up by one conditional upsert when it books
    (refused at the limit) and down when a booking closes."""

    __tablename__ = "funeral_account_bookings"
    __table_args__ = (CheckConstraint("open_bookings >= 0", name="not_negative"),)

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True)
    open_bookings: Mapped[int] = mapped_column(Integer, default=0)


class Plot(Base):
    """A grave in a cemetery's register (imported by its operator)."""

    __tablename__ = "funeral_plots"
    __table_args__ = (UniqueConstraint("facility_id", "section", "row", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("funeral_facilities.id"), index=True)
    section: Mapped[str] = mapped_column(String(20))
    row: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    deceased_name: Mapped[str] = mapped_column(String(50), index=True)
    death_year: Mapped[int | None] = mapped_column(Integer)


class Operator(Base):
    """A funeral-facility operator works for one facility."""

    __tablename__ = "funeral_operators"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("funeral_facilities.id"), index=True)


class Device(Base):
    __tablename__ = "funeral_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("funeral_facilities.id"))
    name: Mapped[str] = mapped_column(String(50))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)


class Position(Base):
    __tablename__ = "funeral_positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("funeral_devices.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("funeral_bookings.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Complaint(Base):
    __tablename__ = "funeral_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("funeral_bookings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(Date)
    response: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[str | None] = mapped_column(String(100))


class Subsidy(Base):
    __tablename__ = "funeral_subsidies"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # sea eco huimin
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    deceased_name: Mapped[str] = mapped_column(String(50))
    deceased_id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # one subsidy payment per person
    deceased_id_masked: Mapped[str] = mapped_column(String(18))
    relationship: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted approved rejected paid
    decided_by: Mapped[str | None] = mapped_column(String(100))
    transfer_ref: Mapped[str | None] = mapped_column(String(40))
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checks: Mapped[dict | None] = mapped_column(JSON)
