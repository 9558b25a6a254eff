"""Problems the system finds by itself: at the scan (missort at arrival, failed attempts,
problem scans, anomalies) and by a periodic job (stalled, past the estimate, uncollected,
repeatedly failed). The periodic job runs in ``expressdesk worker``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import FacilityType, ShipmentStatus
from expressdesk.network.rules import Departure, normal_transit_time
from expressdesk.problems import repository
from expressdesk.problems.intake import end_with_parcel, open_problems
from expressdesk.problems.rules import (
    ProblemType,
    Resolution,
    Signal,
    is_missort,
    is_past_estimate,
    is_repeatedly_failed,
    is_stalled,
    is_uncollected,
    problem_for_anomaly,
    problem_for_failed_attempt,
)
from expressdesk.tracking import repository as tracking_repository
from expressdesk.tracking.repository import FacilityInfo, NetworkSnapshot
from expressdesk.tracking.scan_types import TERMINAL, ScanType

ARRIVALS = frozenset({ScanType.ARRIVAL, ScanType.LINEHAUL_UNLOAD, ScanType.UNBAGGING})


@dataclass(frozen=True)
class AcceptedScan:
    """What ingestion tells the detectors about one accepted scan."""

    waybill_id: int
    scan_type: ScanType
    reason: str | None
    problem_code: str | None
    anomaly: str | None
    facility: FacilityInfo | None
    courier_id: int | None
    operator_id: int | None
    note: str | None


@dataclass(frozen=True)
class ParcelAfter:
    """A parcel's state once the batch is folded in."""

    waybill_id: int
    status: ShipmentStatus
    attempts: int
    dest_facility_id: int | None
    dest_area_id: int | None
    ended_now: bool = False  # delivered or returned by this batch


def signals_for_scans(
    scans: Sequence[AcceptedScan], parcels: dict[int, ParcelAfter], max_attempts: int
) -> list[Signal]:
    """The problems a batch of scans reveals (pure: the rules, no I/O)."""
    signals: list[Signal] = []
    for scan in scans:
        parcel = parcels[scan.waybill_id]
        where = scan.facility.id if scan.facility else None
        common: dict[str, Any] = {
            "waybill_id": scan.waybill_id,
            "facility_id": where,
            "courier_id": scan.courier_id,
        }
        anomaly_type = problem_for_anomaly(scan.anomaly)
        if anomaly_type is not None:
            signals.append(Signal(type=anomaly_type, source="scan", detail=scan.anomaly, **common))
            continue
        if scan.scan_type is ScanType.PROBLEM and scan.problem_code:
            signals.append(
                Signal(
                    type=ProblemType(scan.problem_code),
                    source="scan",
                    reporter_id=scan.operator_id,
                    note=scan.note or "",
                    **common,
                )
            )
        elif scan.scan_type is ScanType.DELIVERY_FAILED and scan.reason:
            failed = problem_for_failed_attempt(scan.reason)
            if failed is not None:
                signals.append(Signal(type=failed, source="attempt", detail=scan.reason, **common))
            if is_repeatedly_failed(parcel.attempts, max_attempts):
                signals.append(
                    Signal(
                        type=ProblemType.HELD,
                        source="attempt",
                        detail=f"failed_attempts:{parcel.attempts}",
                        **common,
                    )
                )
        elif (
            scan.scan_type in ARRIVALS
            and scan.facility is not None
            and scan.facility.type is FacilityType.OUTLET
            and parcel.status not in TERMINAL
        ):
            if parcel.dest_facility_id is None:
                signals.append(Signal(type=ProblemType.OUTSIDE_AREA, source="arrival", **common))
            elif is_missort(scan.facility.id, parcel.dest_facility_id):
                signals.append(
                    Signal(
                        type=ProblemType.MISSORTED,
                        source="arrival",
                        target_facility_id=parcel.dest_facility_id,
                        target_area_id=parcel.dest_area_id,
                        **common,
                    )
                )
    return signals


def from_scans(
    session: Session,
    scans: Sequence[AcceptedScan],
    parcels: dict[int, ParcelAfter],
    now: datetime,
    settings: Settings,
) -> None:
    """Open the problems a batch reveals and end those its deliveries end (same transaction
    as the scans: a problem exists as soon as the scan is acknowledged)."""
    signals = signals_for_scans(scans, parcels, settings.max_failed_attempts)
    open_problems(session, signals, now, settings=settings)
    ended = [p for p in parcels.values() if p.ended_now]
    delivered = [p.waybill_id for p in ended if p.status is ShipmentStatus.DELIVERED]
    returned = [p.waybill_id for p in ended if p.status is ShipmentStatus.RETURNED]
    if delivered:
        end_with_parcel(session, delivered, Resolution.DELIVERED, now)
    if returned:
        end_with_parcel(session, returned, Resolution.RETURNED_TO_SENDER, now)


# -- the periodic detectors -----------------------------------------------------------------


@dataclass
class LaneTimes:
    """Normal hub-to-hub times, computed once per lane from the schedules (see
    ``network.rules.normal_transit_time``); the worker keeps one and renews it hourly."""

    departures: list[Departure]
    week_start: datetime
    _cache: dict[tuple[int, int], timedelta | None] = field(default_factory=dict)

    def normal(self, from_hub: int | None, to_hub: int | None) -> timedelta | None:
        if from_hub is None or to_hub is None:
            return None
        key = (from_hub, to_hub)
        if key not in self._cache:
            self._cache[key] = normal_transit_time(
                self.departures, from_hub, to_hub, self.week_start
            )
        return self._cache[key]


def lane_times(network: NetworkSnapshot, now: datetime) -> LaneTimes:
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return LaneTimes(network.departures, monday)


@dataclass
class DetectReport:
    stalled: int = 0
    past_estimate: int = 0
    uncollected: int = 0
    repeatedly_failed: int = 0

    @property
    def total(self) -> int:
        return self.stalled + self.past_estimate + self.uncollected + self.repeatedly_failed


def _opened(session: Session, signals: list[Signal], now: datetime, settings: Settings) -> int:
    opened = open_problems(session, signals, now, settings=settings)
    return sum(1 for _, created in opened if created)


def detect(
    session: Session,
    now: datetime,
    settings: Settings,
    network: NetworkSnapshot | None = None,
    lanes: LaneTimes | None = None,
) -> DetectReport:
    """One run of the periodic detectors; re-running finds nothing new (open problems are not
    opened twice)."""
    network = network or tracking_repository.network_snapshot(session)
    lanes = lanes or lane_times(network, now)
    grace = timedelta(hours=settings.stall_grace_hours)
    report = DetectReport()

    def hub_of(facility_id: int | None) -> int | None:
        info = network.by_id.get(facility_id) if facility_id is not None else None
        return info.hub_id if info else None

    stalled = []
    for row in repository.quiet_parcels(session, repository.MOVING, now - grace):
        lane = lanes.normal(hub_of(row.current_facility_id), hub_of(row.dest_facility_id))
        if is_stalled(row.last_event_at, now, lane, grace):
            stalled.append(
                Signal(
                    waybill_id=row.id,
                    type=ProblemType.DELAYED,
                    source="detector",
                    detail="stalled",
                    facility_id=row.current_facility_id,
                )
            )
    report.stalled = _opened(session, stalled, now, settings)

    late = [
        Signal(
            waybill_id=row.id,
            type=ProblemType.DELAYED,
            source="detector",
            detail="past_estimate",
            facility_id=row.current_facility_id or row.dest_facility_id,
        )
        for row in repository.past_estimate(session, now)
        if is_past_estimate(row.estimated_delivery_at, now)
    ]
    report.past_estimate = _opened(session, late, now, settings)

    limit = timedelta(hours=settings.pickup_point_limit_hours)
    waiting = [
        Signal(
            waybill_id=row.id,
            type=ProblemType.UNCOLLECTED,
            source="detector",
            facility_id=row.current_facility_id,
        )
        for row in repository.waiting_at_pickup_points(session, now - limit)
        if is_uncollected(row.status_at, now, limit)
    ]
    report.uncollected = _opened(session, waiting, now, settings)

    failed = [
        Signal(
            waybill_id=row.id,
            type=ProblemType.HELD,
            source="detector",
            detail=f"failed_attempts:{row.attempts}",
            facility_id=row.current_facility_id or row.dest_facility_id,
        )
        for row in repository.repeatedly_failed(session, settings.max_failed_attempts)
    ]
    report.repeatedly_failed = _opened(session, failed, now, settings)
    return report
