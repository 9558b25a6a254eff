"""All SQL of the tracking feature (Core statements: ingestion is a hot path)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, and_, bindparam, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from expressdesk.enums import FacilityType
from expressdesk.models import Facility, ScanEvent, User, Waybill
from expressdesk.network.repository import all_departures
from expressdesk.network.rules import Departure

SCAN_EVENTS: Table = ScanEvent.__table__  # type: ignore[assignment]
WAYBILLS: Table = Waybill.__table__  # type: ignore[assignment]

# Events of a waybill are never earlier than this before its creation (a pickup can precede the
# electronic order by a little); the bound lets PostgreSQL skip older monthly partitions.
EARLIEST_BEFORE_ORDER = timedelta(days=7)


@dataclass(frozen=True)
class FacilityInfo:
    id: int
    code: str
    name: str
    city: str
    type: FacilityType
    hub_id: int | None  # the hub it belongs to (itself for a hub)


@dataclass(frozen=True)
class NetworkSnapshot:
    by_code: dict[str, FacilityInfo]
    by_id: dict[int, FacilityInfo]
    departures: list[Departure]


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
    Waybill.origin_facility_id,
    Waybill.dest_facility_id,
)


def waybill_states(session: Session, numbers: Sequence[str]) -> dict[str, Row[Any]]:
    if not numbers:
        return {}
    rows = session.execute(select(*WAYBILL_STATE_COLUMNS).where(Waybill.number.in_(numbers)))
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


def users_by_username(session: Session, usernames: Iterable[str]) -> dict[str, tuple[int, str]]:
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.username, User.role).where(User.username.in_(wanted))
    )
    return {r.username: (r.id, r.role.value) for r in rows}


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
)


def events_of_waybills(session: Session, waybills: dict[int, datetime]) -> list[Row[Any]]:
    """Stored events of these waybills (id → created_at bounds the partitions searched)."""
    if not waybills:
        return []
    earliest = min(waybills.values()) - EARLIEST_BEFORE_ORDER
    return list(
        session.execute(
            select(*EVENT_FACT_COLUMNS).where(
                ScanEvent.waybill_id.in_(sorted(waybills)), ScanEvent.event_time >= earliest
            )
        )
    )


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(ScanEvent), rows)


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
    "estimated_delivery_at",
)  # fmt: skip


def update_states(session: Session, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE by primary key for all changed waybills."""
    if not rows:
        return
    table = WAYBILLS
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in STATE_FIELDS})
    )
    session.connection().execute(statement, rows)


def timeline_rows(session: Session, waybill_id: int, created_at: datetime) -> list[ScanEvent]:
    return list(
        session.scalars(
            select(ScanEvent)
            .where(
                ScanEvent.waybill_id == waybill_id,
                ScanEvent.event_time >= created_at - EARLIEST_BEFORE_ORDER,
            )
            .order_by(ScanEvent.sort_key)
        )
    )


def usernames(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {
        r.id: r.display_name
        for r in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    }


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
