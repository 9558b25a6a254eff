"""The reports' maintained summary (one row per pickup day, account, origin outlet and
destination province) and the monthly reports mailed to key accounts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expressdesk.db import Base

# The two grains of the rollup share one table: a network row has no account, an account row
# no outlet (each grain stays small: outlets × provinces, or one account's provinces, a day).
ANY = -1


class DailyStat(Base):
    """Counts of the parcels picked up on one local day by destination province, and either by
    origin outlet (network rows: ``customer_id`` = -1) or by account (account rows:
    ``origin_facility_id`` = -1); 0 stands for none. Each count is one figure's numerator or
    denominator (reports.figures); a day's rows are rewritten together by reports.rollup."""

    __tablename__ = "daily_stats"
    __table_args__ = (Index("ix_daily_stats_customer_day", "customer_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin_facility_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dest_province: Mapped[str] = mapped_column(String(20), primary_key=True)
    origin_province: Mapped[str] = mapped_column(String(20))
    shipped: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[int] = mapped_column(Integer)
    delivered_72h: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    arrived: Mapped[int] = mapped_column(Integer)
    arrived_on_time: Mapped[int] = mapped_column(Integer)
    damaged: Mapped[int] = mapped_column(Integer)
    lost: Mapped[int] = mapped_column(Integer)
    doc_errors: Mapped[int] = mapped_column(Integer)
    revenue_fen: Mapped[int] = mapped_column(BigInteger)
    weight_g: Mapped[int] = mapped_column(BigInteger)


class RollupDay(Base):
    """When a day's rows in ``daily_stats`` were last rewritten, and as of what time (the
    delay figure counts parcels not yet delivered past their promise at that time)."""

    __tablename__ = "rollup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    refreshed_at: Mapped[datetime]
    waybills: Mapped[int] = mapped_column(Integer)


class ReportMailing(Base):
    """One monthly report mailed to one account: at most once per account and month."""

    __tablename__ = "report_mailings"
    __table_args__ = (UniqueConstraint("customer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))  # 2026-10
    path: Mapped[str] = mapped_column(String(300))  # the PDF under the data directory
    outbox_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
