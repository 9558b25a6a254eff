"""Pickups (揽收预约): a courier comes to an address in a booked window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expressdesk.db import Base


class Pickup(Base):
    """One booked pickup. ``arrived_at`` inside [window_start, window_end] is a punctual pickup
    (派车及时率); a window that ends without an arrival and without a cancellation is missed."""

    __tablename__ = "pickups"
    __table_args__ = (
        # A re-sent booking (same account and request id) is the same pickup.
        UniqueConstraint("customer_id", "request_id", name="uq_pickups_customer_request"),
        Index("ix_pickups_customer_window", "customer_id", "window_start"),
        Index("ix_pickups_status_window_end", "status", "window_end"),
        Index("ix_pickups_courier_window", "courier_id", "window_start"),
        Index("ix_pickups_window", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # A recipient's return: the parcel going back, picked up at the recipient's address.
    waybill_id: Mapped[int | None] = mapped_column(ForeignKey("waybills.id"))
    # booked (no courier yet), assigned, arrived, done, refused (inspection refused), cancelled
    status: Mapped[str] = mapped_column(String(12))
    contact_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(30), default="")
    district: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(300))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_areas.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    courier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    parcels: Mapped[int] = mapped_column(Integer, default=1)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    booked_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")  # of a cancellation or reschedule
    note: Mapped[str] = mapped_column(Text, default="")
    reschedules: Mapped[int] = mapped_column(Integer, default=0)
    # The window ended with nobody there: a problem for the desk (the ticket opened for it).
    missed_at: Mapped[datetime | None]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # What the law asks at pickup (邮件快件收寄验视, 实名收寄): contents inspected, and the
    # sender's identity checked. The ID number is kept encrypted, shown masked, never printed.
    inspected: Mapped[bool | None]
    id_type: Mapped[str | None] = mapped_column(String(16))
    id_number_masked: Mapped[str | None] = mapped_column(String(32))
    id_number_sealed: Mapped[str | None] = mapped_column(Text)
    id_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
