"""Estimated delivery from the product's promise and the network's routes and schedules. Pure.

The outlet rhythm comes from seed 004 (a real outlet): arrivals from the hub in the morning and
at noon (一派、二派), delivery rounds after each, dispatch to the hub in the evening. Every time
sits in ``NETWORK_TIMES`` with its source, editable in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from expressdesk.enums import FacilityType
from expressdesk.network.rules import Departure, earliest_arrival
from expressdesk.tracking.scan_types import ScanType

if TYPE_CHECKING:
    from expressdesk.tracking.repository import FacilityInfo


@dataclass(frozen=True)
class NetworkTimes:
    # Outlet → hub: the evening dispatch (发件) leaves at 18:00 and reaches the hub by 20:00.
    outlet_dispatch: time = time(18, 0)
    outlet_to_hub: timedelta = timedelta(hours=2)
    # Hub → outlet: trucks for the morning (一派) and noon (二派) rounds, arriving 07:30 / 12:30.
    hub_sorting: timedelta = timedelta(hours=1)
    rounds: tuple[tuple[time, time, time], ...] = (
        # (leaves hub, arrives at outlet, delivered by)
        (time(5, 30), time(7, 30), time(12, 0)),
        (time(10, 30), time(12, 30), time(19, 0)),
    )
    # A courier out for delivery finishes the round by this time.
    delivery_day_end: time = time(20, 0)


NETWORK_TIMES = NetworkTimes()  # source: seed 004 (outlet rhythm); configurable here


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    return at.astimezone(tz)


def next_outlet_dispatch(
    at: datetime, tz: ZoneInfo, times: NetworkTimes = NETWORK_TIMES
) -> datetime:
    """When a parcel picked up at ``at`` reaches its hub (evening dispatch, that day or next)."""
    local = _local(at, tz)
    leaves = local.replace(
        hour=times.outlet_dispatch.hour,
        minute=times.outlet_dispatch.minute,
        second=0,
        microsecond=0,
    )
    if leaves < local:
        leaves += timedelta(days=1)
    return leaves + times.outlet_to_hub


def delivery_after_hub(
    at_dest_hub: datetime, tz: ZoneInfo, times: NetworkTimes = NETWORK_TIMES
) -> datetime:
    """Delivered-by time for a parcel reaching the destination hub at ``at_dest_hub``."""
    ready = _local(at_dest_hub, tz) + times.hub_sorting
    for day in range(3):
        date = (ready + timedelta(days=day)).date()
        for leaves, _arrives, delivered_by in times.rounds:
            start = datetime.combine(date, leaves, tzinfo=tz)
            if start >= ready:
                return datetime.combine(date, delivered_by, tzinfo=tz)
    raise AssertionError("unreachable: a round always exists within three days")


def delivery_after_outlet_arrival(
    arrived: datetime, tz: ZoneInfo, times: NetworkTimes = NETWORK_TIMES
) -> datetime:
    """Delivered-by time for a parcel that reached its delivery outlet at ``arrived``."""
    local = _local(arrived, tz)
    for day in range(2):
        date = (local + timedelta(days=day)).date()
        for _leaves, arrives, delivered_by in times.rounds:
            if datetime.combine(date, arrives, tzinfo=tz) >= local - timedelta(minutes=30):
                return datetime.combine(date, delivered_by, tzinfo=tz)
    return datetime.combine(local.date() + timedelta(days=1), times.rounds[-1][2], tzinfo=tz)


def end_of_delivery_day(
    at: datetime, tz: ZoneInfo, times: NetworkTimes = NETWORK_TIMES
) -> datetime:
    local = _local(at, tz)
    end = datetime.combine(local.date(), times.delivery_day_end, tzinfo=tz)
    return end if end > local else end + timedelta(days=1)


class LinehaulPlanner:
    """Earliest hub-to-hub arrivals, memoised.

    Nothing leaves the origin hub between a parcel being ready and the next departure from that
    hub, so the answer depends only on that next departure; weekly schedules repeat, so it is
    cached by (origin, destination, weekday and time of that departure).
    """

    def __init__(self, departures: Sequence[Departure]) -> None:
        self.departures = list(departures)
        self._from: dict[int, list[Departure]] = {}
        for d in self.departures:
            self._from.setdefault(d.origin_hub_id, []).append(d)
        self._cache: dict[tuple[int, int, int, time], timedelta | None] = {}

    def next_departure(self, hub_id: int, ready: datetime) -> datetime | None:
        best: datetime | None = None
        for d in self._from.get(hub_id, ()):
            for offset in range(8):
                day = ready.date() + timedelta(days=offset)
                if not d.operates_on(day):
                    continue
                leaves = datetime.combine(day, d.departure, tzinfo=ready.tzinfo)
                if leaves >= ready:
                    if best is None or leaves < best:
                        best = leaves
                    break
        return best

    def arrival(self, hub_id: int, dest_hub_id: int, ready: datetime) -> datetime | None:
        """Earliest arrival at ``dest_hub_id`` for a parcel ready at ``hub_id`` (local, naive)."""
        slot = self.next_departure(hub_id, ready)
        if slot is None:
            return None
        key = (hub_id, dest_hub_id, slot.isoweekday(), slot.time())
        if key not in self._cache:
            found = earliest_arrival(self.departures, hub_id, dest_hub_id, slot)
            self._cache[key] = None if found is None else found - slot
        delta = self._cache[key]
        return None if delta is None else slot + delta


def estimate_from_hub(
    at_hub: datetime,
    hub_id: int,
    dest_hub_id: int,
    departures: Sequence[Departure] | LinehaulPlanner,
    tz: ZoneInfo,
) -> datetime | None:
    """Delivered-by time for a parcel sorted at ``hub_id`` at ``at_hub``; None: no connection."""
    if hub_id == dest_hub_id:
        return delivery_after_hub(at_hub, tz)
    planner = departures if isinstance(departures, LinehaulPlanner) else LinehaulPlanner(departures)
    arrival = planner.arrival(hub_id, dest_hub_id, _local(at_hub, tz).replace(tzinfo=None))
    if arrival is None:
        return None
    return delivery_after_hub(arrival.replace(tzinfo=tz), tz)


def estimate_from_pickup(
    picked_up: datetime,
    origin_hub_id: int | None,
    dest_hub_id: int | None,
    departures: Sequence[Departure] | LinehaulPlanner,
    tz: ZoneInfo,
) -> datetime | None:
    """Delivered-by time for a parcel picked up at ``picked_up`` at an outlet under
    ``origin_hub_id``, bound for an outlet under ``dest_hub_id``."""
    if origin_hub_id is None or dest_hub_id is None:
        return None
    return estimate_from_hub(
        next_outlet_dispatch(picked_up, tz), origin_hub_id, dest_hub_id, departures, tz
    )


def promised_by(picked_up: datetime, promise_hours: int) -> datetime:
    """The product's commitment: pickup time plus the promised hours."""
    return picked_up + timedelta(hours=promise_hours)


def estimate_after(
    kind: ScanType,
    at: datetime,
    here: FacilityInfo | None,
    dest: FacilityInfo | None,
    planner: LinehaulPlanner,
    tz: ZoneInfo,
) -> datetime | None:
    """The estimate a scan of ``kind`` at ``here`` implies for a parcel bound for the outlet
    ``dest``, or None if it implies none."""
    dest_hub = dest.hub_id if dest else None
    if kind is ScanType.PICKUP and here is not None:
        return estimate_from_pickup(at, here.hub_id, dest_hub, planner, tz)
    if kind in (ScanType.ARRIVAL, ScanType.LINEHAUL_UNLOAD) and here is not None:
        if dest is not None and here.id == dest.id:
            return delivery_after_outlet_arrival(at, tz)
        if here.type is FacilityType.HUB and dest_hub is not None:
            return estimate_from_hub(at, here.id, dest_hub, planner, tz)
    if kind is ScanType.OUT_FOR_DELIVERY:
        return end_of_delivery_day(at, tz)
    if kind is ScanType.DELIVERY_FAILED:
        next_morning = (at.astimezone(tz) + timedelta(days=1)).replace(hour=7, minute=0)
        return delivery_after_outlet_arrival(next_morning, tz)
    return None
