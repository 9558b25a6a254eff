"""The life of a parcel folded from its scans: status, anomalies, custody chain. Pure.

``fold`` sorts a parcel's events by (time, lifecycle rank, content) and applies ``step`` to each:
the result depends only on the set of events, never on the order they arrived in, so re-sent,
late and out-of-order uploads all give the same status and timeline. Ingestion applies ``step``
incrementally when a new event sorts after everything already known, and re-folds otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from expressdesk.enums import ShipmentStatus
from expressdesk.tracking.partners import lookup_partner_status
from expressdesk.tracking.scan_types import (
    SCAN_RULES,
    STICKY_TERMINAL,
    Presence,
    ScanType,
)


@dataclass(slots=True)
class ScanFacts:
    """What the fold needs to know about one event (never changed once made; not frozen only
    because frozen dataclasses are slow to build, and ingestion builds one per scan)."""

    scan_type: ScanType
    event_time: datetime  # aware
    facility_id: int | None = None
    tiebreak: str = ""  # content-based (device, sequence, client id): stable across re-sends
    reason: str | None = None
    signer_type: str | None = None
    problem_code: str | None = None
    carrier: str | None = None
    carrier_status: str | None = None
    sort_key: str = field(init=False)

    def __post_init__(self) -> None:
        # Total order of events: UTC time, then lifecycle rank, then content.
        rank = SCAN_RULES[self.scan_type].rank
        self.sort_key = f"{self.event_time.timestamp():017.3f}|{rank}|{self.tiebreak}"


@dataclass(slots=True)
class TrackingState:
    status: ShipmentStatus = ShipmentStatus.CREATED
    sub_status: str | None = None
    reason: str | None = None
    status_at: datetime | None = None
    facility_id: int | None = None  # the last facility the parcel was physically scanned at
    last_key: str | None = None
    last_event_at: datetime | None = None
    attempts: int = 0
    delivered_at: datetime | None = None
    anomalies: int = 0


# Anomaly codes (the desk sees them; the status ignores the event).
SCANNED_AFTER_END = "scanned_after_{status}"
LEFT_UNVISITED_FACILITY = "left_facility_never_reached"


def _mapped(event: ScanFacts) -> tuple[ShipmentStatus | None, str, str | None]:
    """The (status, sub-status, reason) an event stands for; partner strings via their table."""
    rule = SCAN_RULES[event.scan_type]
    if event.scan_type is ScanType.PARTNER:
        entry = lookup_partner_status(event.carrier or "", event.carrier_status or "")
        if entry is None:
            return None, "partner_unmapped", None
        return entry.status, entry.sub_status, None
    reason = event.reason or event.signer_type or event.problem_code
    return rule.status, rule.sub_status, reason


def next_status(current: ShipmentStatus, mapped: ShipmentStatus | None) -> ShipmentStatus | None:
    """The status an event moves a parcel to, or None if it leaves it alone: order information
    arriving after the parcel moved on never sends it back to CREATED."""
    if mapped is ShipmentStatus.CREATED and current is not ShipmentStatus.CREATED:
        return None
    return mapped


def step(state: TrackingState, event: ScanFacts) -> tuple[TrackingState, str | None]:
    """Apply one event (which sorts after every event already folded into ``state``)."""
    rule = SCAN_RULES[event.scan_type]
    anomaly: str | None = None
    if state.status in STICKY_TERMINAL:
        anomaly = SCANNED_AFTER_END.format(status=state.status.value.lower())
    elif rule.presence is Presence.LEAVES and event.facility_id != state.facility_id:
        anomaly = LEFT_UNVISITED_FACILITY
    if anomaly is not None:
        flagged = replace(
            state,
            last_key=event.sort_key,
            last_event_at=event.event_time,
            anomalies=state.anomalies + 1,
        )
        return flagged, anomaly
    mapped, sub_status, reason = _mapped(event)
    status = next_status(state.status, mapped)
    changed = status is not None
    new = TrackingState(
        status=status if status is not None else state.status,
        sub_status=sub_status if changed else state.sub_status,
        reason=reason if changed else state.reason,
        status_at=event.event_time if changed else state.status_at,
        facility_id=event.facility_id if rule.presence is Presence.AT else state.facility_id,
        last_key=event.sort_key,
        last_event_at=event.event_time,
        attempts=state.attempts + (event.scan_type is ScanType.DELIVERY_FAILED),
        delivered_at=event.event_time if status is ShipmentStatus.DELIVERED else state.delivered_at,
        anomalies=state.anomalies,
    )
    return new, None


def fold(
    events: Iterable[ScanFacts], start: TrackingState | None = None
) -> tuple[TrackingState, list[tuple[ScanFacts, str | None]]]:
    """Fold events in their total order; returns the final state and each event's anomaly."""
    state = start or TrackingState()
    timeline: list[tuple[ScanFacts, str | None]] = []
    for event in sorted(events, key=lambda e: e.sort_key):
        state, anomaly = step(state, event)
        timeline.append((event, anomaly))
    return state, timeline


@dataclass(frozen=True)
class CustodyStep:
    """Who held the parcel, where, from when to when (the last step is open-ended)."""

    holder: str  # "facility", "courier" or "partner"
    facility_id: int | None
    operator_id: int | None
    carrier: str | None
    since: datetime
    until: datetime | None
    last_scan: ScanType


@dataclass(frozen=True)
class CustodyEvent:
    scan_type: ScanType
    event_time: datetime
    facility_id: int | None
    operator_id: int | None
    courier_id: int | None
    carrier: str | None
    anomaly: str | None


def custody_chain(events: Sequence[CustodyEvent]) -> list[CustodyStep]:
    """The custody chain from events already in timeline order (anomalous scans included: a
    parcel scanned after delivery was physically in someone's hands)."""
    steps: list[CustodyStep] = []
    for e in events:
        if e.scan_type in (ScanType.OUT_FOR_DELIVERY,):
            holder, facility, operator, carrier = (
                "courier",
                e.facility_id,
                e.courier_id or e.operator_id,
                None,
            )
        elif e.scan_type is ScanType.PARTNER:
            holder, facility, operator, carrier = "partner", None, None, e.carrier
        elif e.facility_id is not None:
            holder, facility, operator, carrier = "facility", e.facility_id, e.operator_id, None
        else:
            continue  # statements without a place (order info, declarations) change no hands
        if steps:
            last = steps[-1]
            courier_changed = holder == "courier" and last.operator_id != operator
            same = (last.holder, last.facility_id, last.carrier) == (holder, facility, carrier)
            if same and not courier_changed:
                steps[-1] = replace(
                    last, last_scan=e.scan_type, operator_id=operator or last.operator_id
                )
                continue
            steps[-1] = replace(last, until=e.event_time)
        steps.append(
            CustodyStep(holder, facility, operator, carrier, e.event_time, None, e.scan_type)
        )
    return steps
