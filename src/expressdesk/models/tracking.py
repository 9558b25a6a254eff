"""Scan events (扫描记录): every scan of every parcel, kept forever (archived by month)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from expressdesk.db import Base


class ScanEvent(Base):
    """One scan or partner event. On PostgreSQL the table is partitioned by month of
    ``event_time`` (see migration 0002), so the primary key includes it."""

    __tablename__ = "scan_events"
    __table_args__ = (
        Index("ix_scan_events_waybill_time", "waybill_id", "event_time"),
        # Re-sent scans: the same client scan id, or the same device and sequence number.
        # event_time is in the keys because a partitioned table's unique keys must hold it;
        # a re-sent scan carries the same time.
        Index(
            "uq_scan_events_client_scan",
            "client_scan_id",
            "event_time",
            unique=True,
            sqlite_where=text("client_scan_id IS NOT NULL"),
            postgresql_where=text("client_scan_id IS NOT NULL"),
        ),
        Index(
            "uq_scan_events_device_seq",
            "device_id",
            "device_seq",
            "event_time",
            unique=True,
            sqlite_where=text("device_id IS NOT NULL"),
            postgresql_where=text("device_id IS NOT NULL"),
        ),
        {"postgresql_partition_by": "RANGE (event_time)"},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_time: Mapped[datetime] = mapped_column(primary_key=True)
    waybill_id: Mapped[int] = mapped_column(ForeignKey("waybills.id"))
    scan_type: Mapped[str] = mapped_column(String(24))
    utc_offset_min: Mapped[int] = mapped_column(SmallInteger)  # the offset the scanner sent
    received_at: Mapped[datetime]
    sort_key: Mapped[str] = mapped_column(String(160))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    courier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    courier_phone: Mapped[str | None] = mapped_column(String(20))
    device_id: Mapped[str | None] = mapped_column(String(40))
    device_seq: Mapped[int | None] = mapped_column(BigInteger)
    client_scan_id: Mapped[str | None] = mapped_column(String(64))
    weight_g: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(40))
    signer_type: Mapped[str | None] = mapped_column(String(16))
    signer_name: Mapped[str | None] = mapped_column(String(50))
    pickup_code: Mapped[str | None] = mapped_column(String(16))
    problem_code: Mapped[str | None] = mapped_column(String(32))
    carrier: Mapped[str | None] = mapped_column(String(16))
    carrier_status: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(200))
    anomaly: Mapped[str | None] = mapped_column(String(40))
