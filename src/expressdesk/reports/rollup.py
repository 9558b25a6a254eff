"""The daily rollup: each pickup day's parcels counted by account, origin outlet and destination
province, with the predicates of reports.figures, in one INSERT … SELECT per day.

A day's rows are rewritten whole (delete, then insert) in the caller's transaction, so a report
never sees half a day. The worker rewrites the recent days every hour (parcels picked up weeks
ago still change: they are delivered, lost, found damaged); ``expressdesk reports rollup``
rewrites any range. ``late`` counts the parcels not yet signed and past their promise *at the
time of the refresh*: that time is kept per day in ``rollup_days``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Float

from expressdesk.enums import ShipmentStatus
from expressdesk.models import DailyStat, Facility, Problem, RollupDay, Waybill
from expressdesk.models.reports import ANY
from expressdesk.problems.rules import ProblemType
from expressdesk.reports.figures import ARRIVAL_MARGIN, DELIVERY_HOURS, DOCUMENT_PROBLEMS

# Not signed, but not late either: the parcel went back, was cancelled, or is counted as lost.
NOT_LATE_WHEN_UNSIGNED = (ShipmentStatus.RETURNED, ShipmentStatus.CANCELLED, ShipmentStatus.LOST)
# The advisory lock that keeps two rollup refreshes from rewriting the same day at once.
ROLLUP_LOCK = 7_240_001
# Refreshes every hour by the worker: parcels older than this rarely change.
RECENT_DAYS = 45


class gap_hours(FunctionElement[float]):  # noqa: N801 (a SQL function)
    """Hours from ``earlier`` to ``later`` (two timestamp columns), on either database."""

    type = Float()
    inherit_cache = True


@compiles(gap_hours, "postgresql")
def _gap_pg(element: gap_hours, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)})) / 3600.0)"
    )


@compiles(gap_hours)
def _gap_sqlite(element: gap_hours, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"((julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) * 24.0)"
    )


# Julian days carry about 10 µs of rounding: a parcel signed exactly 72 h after pickup is in.
_EPS = 1e-6


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _has_problem(types: Iterable[ProblemType]) -> ColumnElement[bool]:
    return exists().where(Problem.waybill_id == Waybill.id, Problem.type.in_(list(types)))


def parcel_flags(as_of: datetime) -> dict[str, ColumnElement[bool]]:
    """What each count counts, as a condition on one waybill: this is where the counts are
    defined. The rollup sums them; the network report's drill-down lists the parcels."""
    w = Waybill
    signed = w.delivered_at.is_not(None)
    promised = w.promised_by.is_not(None)
    return {
        "delivered": signed,
        "delivered_72h": and_(
            signed, gap_hours(w.delivered_at, w.picked_up_at) <= DELIVERY_HOURS + _EPS
        ),
        "on_time": and_(signed, promised, w.delivered_at <= w.promised_by),
        "late": and_(promised, or_(
            and_(signed, w.delivered_at > w.promised_by),
            and_(not_(signed), w.status.not_in(NOT_LATE_WHEN_UNSIGNED),
                 w.promised_by < literal(as_of, w.promised_by.type)),
        )),
        "arrived": w.dest_arrived_at.is_not(None),
        "arrived_on_time": and_(
            w.dest_arrived_at.is_not(None), promised,
            gap_hours(w.promised_by, w.dest_arrived_at)
            >= ARRIVAL_MARGIN.total_seconds() / 3600 - _EPS,
        ),
        "damaged": _has_problem([ProblemType.DAMAGED]),
        "lost": w.status == ShipmentStatus.LOST,
        "doc_errors": _has_problem(DOCUMENT_PROBLEMS),
    }  # fmt: skip


def parcel_counts(as_of: datetime) -> list[tuple[str, Any]]:
    """The rollup's counts as SQL aggregates, in ``daily_stats`` column order."""
    flags = parcel_flags(as_of)
    return [
        ("shipped", func.count()),
        *((name, _flag(flags[name])) for name in (
            "delivered", "delivered_72h", "on_time", "late", "arrived", "arrived_on_time",
            "damaged", "lost", "doc_errors")),
        ("revenue_fen", func.coalesce(func.sum(Waybill.total_fen), 0)),
        ("weight_g", func.coalesce(func.sum(Waybill.chargeable_weight_g), 0)),
    ]  # fmt: skip


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends."""
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


@dataclass(frozen=True)
class RefreshReport:
    days: int
    rows: int
    waybills: int


def refresh_days(
    session: Session, days: Iterable[date], tz: ZoneInfo, now: datetime
) -> RefreshReport:
    """Rewrite the rollup rows of each day from the waybills picked up on it. Refreshes run one
    at a time (the worker's and a report filling in a day may meet): on PostgreSQL an advisory
    lock held to the end of the transaction; SQLite has a single writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK})
    w = Waybill
    counts = parcel_counts(now)
    dest = func.coalesce(w.recipient_province, "")
    origin_province = func.coalesce(Facility.province, "")
    columns = ["day", "customer_id", "origin_facility_id", "dest_province", "origin_province",
               *(name for name, _ in counts)]  # fmt: skip
    # (account, outlet, origin province) of each grain: network rows, then account rows.
    network = (literal(ANY), func.coalesce(w.origin_facility_id, 0), origin_province)
    account = (func.coalesce(w.customer_id, 0), literal(ANY), literal(""))
    group_by = {id(network): network[1:], id(account): account[:1]}
    n_days = n_rows = n_waybills = 0
    for day in sorted(set(days)):
        start, end = day_bounds(day, tz)
        session.execute(delete(DailyStat).where(DailyStat.day == day))
        rows = 0
        for grain in (network, account):
            customer, origin, origin_prov = grain
            query = (
                select(literal(day, DailyStat.day.type), customer, origin, dest, origin_prov,
                       *(expr for _, expr in counts))
                .select_from(w)
                .where(w.picked_up_at >= start, w.picked_up_at < end)
                .group_by(*group_by[id(grain)], dest)
            )  # fmt: skip
            if grain is network:
                query = query.outerjoin(Facility, Facility.id == w.origin_facility_id)
            result = session.execute(insert(DailyStat).from_select(columns, query))
            rows += getattr(result, "rowcount", 0) or 0
        shipped = session.scalar(
            select(func.coalesce(func.sum(DailyStat.shipped), 0)).where(
                DailyStat.day == day, DailyStat.customer_id == ANY
            )
        )
        session.merge(RollupDay(day=day, refreshed_at=now, waybills=int(shipped or 0)))
        n_days += 1
        n_rows += rows
        n_waybills += int(shipped or 0)
    session.flush()
    return RefreshReport(n_days, n_rows, n_waybills)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def refresh_recent(
    session: Session, tz: ZoneInfo, now: datetime, days: int = RECENT_DAYS
) -> RefreshReport:
    today = now.astimezone(tz).date()
    return refresh_days(session, days_between(today - timedelta(days=days - 1), today), tz, now)


def missing_days(session: Session, first: date, last: date) -> list[date]:
    """The days of a range the rollup has never covered (a report fills them in first)."""
    have = set(session.scalars(
        select(RollupDay.day).where(RollupDay.day >= first, RollupDay.day <= last)
    ))  # fmt: skip
    return [d for d in days_between(first, last) if d not in have]


def refreshed_at(session: Session, first: date, last: date) -> datetime | None:
    """The oldest refresh among a range's days: the report is true as of then."""
    return session.scalar(
        select(func.min(RollupDay.refreshed_at)).where(
            RollupDay.day >= first, RollupDay.day <= last
        )
    )


def due(session: Session, now: datetime, every: timedelta = timedelta(hours=1)) -> bool:
    last = session.scalar(select(func.max(RollupDay.refreshed_at)))
    return last is None or now - last >= every
