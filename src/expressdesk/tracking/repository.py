"""All SQL of the tracking feature (Core statements: ingestion is a hot path)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import (
    Engine,
    Integer,
    Row,
    Table,
    and_,
    any_,
    bindparam,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from expressdesk.db import DriverQuery, Reader, reader_connection
from expressdesk.enums import FacilityType
from expressdesk.models import Facility, ScanEvent, User, Waybill
from expressdesk.network.repository import all_departures
from expressdesk.network.rules import Departure
from expressdesk.tracking.eta import LinehaulPlanner

SCAN_EVENTS: Table = ScanEvent.__table__  # type: ignore[assignment]
WAYBILLS: Table = Waybill.__table__  # type: ignore[assignment]

# Events of a waybill are never earlier than this before its creation (a pickup can precede the
# electronic order by a little); the bound lets PostgreSQL skip older monthly partitions. None
# is later than the waybill's ``last_event_at`` (every stored event is folded into the state,
# which keeps the time of the one that sorts last: the latest), which bounds them from above.
EARLIEST_BEFORE_ORDER = timedelta(days=7)


def _events_between(which: ColumnElement[bool], since: Any, until: Any) -> ColumnElement[bool]:
    """The events of ``which`` waybills from ``since`` to ``until``: the time window is what
    lets PostgreSQL read only those months' partitions."""
    return and_(which, ScanEvent.event_time.between(since, until))


def _timeline_bounds(waybill: Any) -> dict[str, Any] | None:
    """The window of ``waybill``'s events (its id, ``created_at`` and ``last_event_at``), None
    when it has no event yet. Both ends matter on PostgreSQL: with the creation time alone,
    every later monthly partition (those created ahead too) was searched, and a lookup's
    timeline cost twice the server's CPU."""
    if waybill.last_event_at is None:
        return None
    since = waybill.created_at - EARLIEST_BEFORE_ORDER
    return {"waybill_id": waybill.id, "since": since, "until": waybill.last_event_at}


@dataclass(frozen=True)
class FacilityInfo:
    id: int
    code: str
    name: str
    city: str
    type: FacilityType
    hub_id: int | None  # the hub it belongs to (itself for a hub)


@dataclass
class NetworkSnapshot:
    by_code: dict[str, FacilityInfo]
    by_id: dict[int, FacilityInfo]
    departures: list[Departure]

    @cached_property
    def planner(self) -> LinehaulPlanner:
        return LinehaulPlanner(self.departures)


def network_snapshot(session: Session) -> NetworkSnapshot:
    rows = session.execute(
        select(
            Facility.id,
            Facility.code,
            Facility.name,
            Facility.city,
            Facility.type,
            Facility.parent_id,
        )
    ).all()
    infos = [
        FacilityInfo(
            r.id,
            r.code,
            r.name,
            r.city,
            r.type,
            r.id if r.type is FacilityType.HUB else r.parent_id,
        )
        for r in rows
    ]
    return NetworkSnapshot(
        {f.code: f for f in infos}, {f.id: f for f in infos}, all_departures(session)
    )


WAYBILL_STATE_COLUMNS = (
    Waybill.id,
    Waybill.number,
    Waybill.created_at,
    Waybill.product,
    Waybill.status,
    Waybill.sub_status,
    Waybill.status_reason,
    Waybill.status_at,
    Waybill.current_facility_id,
    Waybill.last_event_key,
    Waybill.last_event_at,
    Waybill.attempts,
    Waybill.anomaly_count,
    Waybill.delivered_at,
    Waybill.picked_up_at,
    Waybill.promised_by,
    Waybill.estimated_delivery_at,
    Waybill.dest_arrived_at,
    Waybill.origin_facility_id,
    Waybill.dest_facility_id,
    Waybill.dest_area_id,
)


def waybill_states(session: Session, numbers: Sequence[str]) -> dict[str, Row[Any]]:
    """The parcels' current states, locked until the batch commits (PostgreSQL: FOR UPDATE, in
    id order so concurrent batches cannot deadlock; SQLite: the writer's transaction already
    holds the database lock). Without the lock two concurrent batches for one parcel would both
    fold from the same old state and the second would overwrite the first."""
    if not numbers:
        return {}
    rows = session.execute(
        select(*WAYBILL_STATE_COLUMNS)
        .where(Waybill.number.in_(numbers))
        .order_by(Waybill.id)
        .with_for_update(of=Waybill)
    )
    return {r.number: r for r in rows}  # type: ignore[misc]


def existing_client_ids(session: Session, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(ScanEvent.client_scan_id).where(ScanEvent.client_scan_id.in_(wanted))
        )
    )


def existing_device_seqs(
    session: Session, pairs: Iterable[tuple[str, int]]
) -> set[tuple[str, int]]:
    wanted = sorted(set(pairs))
    if not wanted:
        return set()
    rows = session.execute(
        select(ScanEvent.device_id, ScanEvent.device_seq).where(
            tuple_(ScanEvent.device_id, ScanEvent.device_seq).in_(wanted)
        )
    )
    return {(r.device_id, r.device_seq) for r in rows}


class Person(NamedTuple):
    """A user as a scan names them (courier or operator)."""

    id: int
    role: str
    name: str


def users_by_username(session: Session, usernames: Iterable[str]) -> dict[str, Person]:
    """Id, role and display name by username."""
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.username, User.role, User.display_name).where(
            User.username.in_(wanted)
        )
    )
    return {r.username: Person(r.id, r.role.value, r.display_name) for r in rows}


EVENT_FACT_COLUMNS = (
    ScanEvent.id,
    ScanEvent.waybill_id,
    ScanEvent.event_time,
    ScanEvent.scan_type,
    ScanEvent.facility_id,
    ScanEvent.sort_key,
    ScanEvent.reason,
    ScanEvent.signer_type,
    ScanEvent.problem_code,
    ScanEvent.carrier,
    ScanEvent.carrier_status,
    ScanEvent.anomaly,
    ScanEvent.client_scan_id,
    ScanEvent.device_id,
    ScanEvent.device_seq,
)


def events_of_waybills(session: Session, waybills: Iterable[Any]) -> list[Row[Any]]:
    """Stored events of these waybills (rows with their id, created_at and last_event_at), in
    the window that holds all of them: the earliest and the latest of their timelines' bounds."""
    bounds = [b for w in waybills if (b := _timeline_bounds(w)) is not None]
    if not bounds:
        return []
    return list(
        session.execute(
            select(*EVENT_FACT_COLUMNS).where(
                _events_between(
                    ScanEvent.waybill_id.in_(sorted(b["waybill_id"] for b in bounds)),
                    min(b["since"] for b in bounds),
                    max(b["until"] for b in bounds),
                )
            )
        )
    )


# Ingestion writes through the driver's executemany: SQLAlchemy's per-row parameter processing
# costs more than SQLite's own insert. Values must then be in the form SQLAlchemy itself would
# send: SQLite stores UTC timestamps as text in SQLAlchemy's DATETIME format (the tests read
# them back through the ORM); PostgreSQL's driver takes aware datetimes as they are.
EVENT_COLUMNS = (
    "id", "event_time", "waybill_id", "scan_type", "utc_offset_min", "received_at", "sort_key",
    "facility_id", "operator_id", "courier_id", "courier_phone", "device_id", "device_seq",
    "client_scan_id", "weight_g", "reason", "signer_type", "signer_name", "pickup_code",
    "problem_code", "carrier", "carrier_status", "note", "anomaly",
)  # fmt: skip
_EVENT_TIMES = (EVENT_COLUMNS.index("event_time"), EVENT_COLUMNS.index("received_at"))


def _sqlite_time(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy's SQLite DATETIME stores it (UTC, 'YYYY-MM-DD HH:MM:SS.ffffff')."""
    if value is None:
        return None
    d = value if value.tzinfo is UTC else value.astimezone(UTC)
    # isoformat is C code: a third of the cost of formatting the seven fields in Python.
    return d.replace(tzinfo=None).isoformat(" ", "microseconds")


def _driver(session: Session) -> Any:
    """The DBAPI connection under the session's current transaction."""
    return session.connection().connection.driver_connection


def insert_events(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert event rows (tuples in ``EVENT_COLUMNS`` order): PostgreSQL by COPY, SQLite by
    one executemany."""
    if not rows:
        return
    columns = ", ".join(EVENT_COLUMNS)
    if session.get_bind().dialect.name == "postgresql":
        with (
            _driver(session).cursor() as cursor,
            cursor.copy(f"COPY scan_events ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    a, b = _EVENT_TIMES
    converted = [
        (*r[:a], _sqlite_time(r[a]), *r[a + 1 : b], _sqlite_time(r[b]), *r[b + 1 :]) for r in rows
    ]
    marks = ", ".join(["?"] * len(EVENT_COLUMNS))
    session.connection().exec_driver_sql(
        f"INSERT INTO scan_events ({columns}) VALUES ({marks})", converted
    )


def update_anomalies(session: Session, changes: list[dict[str, Any]]) -> None:
    if changes:
        session.connection().execute(
            update(SCAN_EVENTS)
            .where(
                and_(
                    SCAN_EVENTS.c.id == bindparam("b_id"),
                    SCAN_EVENTS.c.event_time == bindparam("b_time"),
                )
            )
            .values(anomaly=bindparam("b_anomaly")),
            changes,
        )


STATE_FIELDS = (
    "status", "sub_status", "status_reason", "status_at", "current_facility_id", "last_event_key",
    "last_event_at", "attempts", "anomaly_count", "delivered_at", "picked_up_at", "promised_by",
    "estimated_delivery_at", "dest_arrived_at",
)  # fmt: skip


_STATE_TIMES = frozenset(
    i for i, name in enumerate(STATE_FIELDS) if name.endswith("_at") or name == "promised_by"
)


_STATE_TYPES = (
    "varchar", "varchar", "varchar", "timestamptz", "int", "varchar", "timestamptz", "int", "int",
    "timestamptz", "timestamptz", "timestamptz", "timestamptz", "timestamptz",
)  # fmt: skip


def update_states(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Write new parcel states (tuples of ``STATE_FIELDS`` then the id) in one statement on
    PostgreSQL (UPDATE … FROM unnest of typed arrays), one executemany on SQLite."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        columns = list(zip(*rows, strict=True))
        arrays = ", ".join(f"%s::{t}[]" for t in (*_STATE_TYPES, "int"))
        assignments = ", ".join(f"{name} = v.{name}" for name in STATE_FIELDS)
        with _driver(session).cursor() as cursor:
            cursor.execute(
                f"UPDATE waybills AS w SET {assignments} FROM unnest({arrays}) "
                f"AS v({', '.join(STATE_FIELDS)}, id) WHERE w.id = v.id",
                [list(c) for c in columns],
            )
        return
    assignments = ", ".join(f"{name} = ?" for name in STATE_FIELDS)
    converted = [
        tuple(_sqlite_time(v) if i in _STATE_TIMES else v for i, v in enumerate(r)) for r in rows
    ]
    session.connection().exec_driver_sql(
        f"UPDATE waybills SET {assignments} WHERE id = ?", converted
    )


TIMELINE_COLUMNS = (
    ScanEvent.scan_type, ScanEvent.event_time, ScanEvent.utc_offset_min, ScanEvent.facility_id,
    ScanEvent.operator_id, ScanEvent.courier_id, ScanEvent.courier_phone, ScanEvent.device_id,
    ScanEvent.device_seq, ScanEvent.weight_g, ScanEvent.reason, ScanEvent.signer_type,
    ScanEvent.problem_code, ScanEvent.carrier, ScanEvent.carrier_status, ScanEvent.anomaly,
)  # fmt: skip


_TIMELINE = DriverQuery(
    select(*TIMELINE_COLUMNS)
    .where(
        _events_between(
            ScanEvent.waybill_id == bindparam("waybill_id"),
            bindparam("since"),
            bindparam("until"),
        )
    )
    .order_by(ScanEvent.sort_key),
    "TimelineRow",
)


def events_of(waybill: Waybill) -> ColumnElement[bool] | None:
    """The condition on scan_events that finds ``waybill``'s events, bounded in time as the
    timeline's (see ``_timeline_bounds``); None when it has none."""
    bounds = _timeline_bounds(waybill)
    if bounds is None:
        return None
    return _events_between(
        ScanEvent.waybill_id == bounds["waybill_id"], bounds["since"], bounds["until"]
    )


def timeline_rows(db: Reader, waybill: Any) -> list[Any]:
    """A parcel's events in timeline order (columns only: the tracking page is a hot path, see
    ``DriverQuery``). ``waybill``: a Waybill or a row with its id, created_at, last_event_at."""
    bounds = _timeline_bounds(waybill)
    return [] if bounds is None else _TIMELINE.all(db, **bounds)


async def timeline_rows_async(conn: Any, dialect: Dialect, waybill: Any) -> list[Any]:
    """``timeline_rows`` on an asynchronous driver connection (``db.async_read_pool``)."""
    bounds = _timeline_bounds(waybill)
    return [] if bounds is None else await _TIMELINE.all_async(conn, dialect, **bounds)


@dataclass(frozen=True)
class FacilityName:
    code: str
    name: str
    city: str


_DIRECTORY: dict[int, tuple[float, dict[int, FacilityName]]] = {}
DIRECTORY_TTL_SECONDS = 60.0
_FACILITIES = DriverQuery(
    select(Facility.id, Facility.code, Facility.name, Facility.city), "FacilityRow"
)


def _cached_directory(key: int) -> dict[int, FacilityName] | None:
    cached = _DIRECTORY.get(key)
    if cached is None or time.monotonic() - cached[0] > DIRECTORY_TTL_SECONDS:
        return None
    return cached[1]


def _remember_directory(key: int, rows: Iterable[Any]) -> dict[int, FacilityName]:
    directory = {r.id: FacilityName(r.code, r.name, r.city) for r in rows}
    _DIRECTORY[key] = (time.monotonic(), directory)
    return directory


def facility_directory(db: Reader) -> dict[int, FacilityName]:
    """Every facility's code, name and city, cached a minute per database (facilities change
    rarely; the tracking page would otherwise query them on every lookup)."""
    key = id(db.get_bind() if isinstance(db, Session) else db.engine)
    return _cached_directory(key) or _remember_directory(key, _FACILITIES.all(db))


async def facility_directory_async(
    conn: Any, dialect: Dialect, engine: Engine
) -> dict[int, FacilityName]:
    """``facility_directory`` for ``engine``'s database, read if need be on an asynchronous
    driver connection (of ``dialect``)."""
    key = id(engine)
    cached = _cached_directory(key)
    if cached is None:
        cached = _remember_directory(key, await _FACILITIES.all_async(conn, dialect))
    return cached


# By id on SQLite (in process: a read costs microseconds, no round trip); PostgreSQL takes every
# id in one array parameter (the asynchronous path's query too). SQLAlchemy's ``IN`` renders an
# expanding parameter on every call: 290 µs against 9 µs for one name on SQLite.
_USERNAME = DriverQuery(
    select(User.id, User.display_name).where(User.id == bindparam("id")), "UserName"
)
_USERNAMES_PG = DriverQuery(
    select(User.id, User.display_name).where(
        User.id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer)))
    ),
    "UserName",
)


def usernames(db: Reader, ids: Iterable[int]) -> dict[int, str]:
    """Display names by user id (a public timeline's courier out delivering is a hot path)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    if reader_connection(db).dialect.name == "postgresql":
        return {r.id: r.display_name for r in _USERNAMES_PG.all(db, ids=wanted)}
    return {r.id: r.display_name for i in wanted for r in _USERNAME.all(db, id=i)}


async def usernames_async(conn: Any, dialect: Dialect, ids: Iterable[int]) -> dict[int, str]:
    """``usernames`` on an asynchronous PostgreSQL driver connection."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {r.id: r.display_name for r in await _USERNAMES_PG.all_async(conn, dialect, ids=wanted)}


def partner_statuses_seen(session: Session, since: datetime) -> list[Row[Any]]:
    """Every (carrier, status string) reported since ``since``, with counts."""
    count = func.count().label("events")
    return list(
        session.execute(
            select(
                ScanEvent.carrier,
                ScanEvent.carrier_status,
                count,
                func.max(ScanEvent.event_time).label("last_seen"),
            )
            .where(ScanEvent.scan_type == "partner", ScanEvent.event_time >= since)
            .group_by(ScanEvent.carrier, ScanEvent.carrier_status)
            .order_by(count.desc())
        )
    )
