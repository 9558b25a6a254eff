"""Network rules: which delivery area serves an address, and how long a lane normally takes.

Pure functions over plain values: no database access.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class AreaRule:
    """What an area serves: a district, optionally narrowed to street / community keywords."""

    area_id: int
    province: str
    city: str
    district: str
    keywords: tuple[str, ...] = ()


def match_delivery_area(
    rules: Iterable[AreaRule],
    province: str | None,
    city: str | None,
    district: str | None,
    detail: str,
) -> int | None:
    """The area serving an address: the longest matching keyword in the district wins; an area
    without keywords serves the rest of its district; ``None`` when nothing serves it (超区)."""
    if not district:
        return None
    best: tuple[int, int] | None = None  # (keyword length, area id)
    fallback: int | None = None
    for rule in rules:
        if rule.district != district:
            continue
        if province and rule.province != province:
            continue
        if city and rule.city != city:
            continue
        if not rule.keywords:
            if fallback is None or rule.area_id < fallback:
                fallback = rule.area_id
            continue
        for keyword in rule.keywords:
            if keyword and keyword in detail:
                candidate = (len(keyword), -rule.area_id)
                if best is None or candidate > (best[0], -best[1]):
                    best = (len(keyword), rule.area_id)
    if best is not None:
        return best[1]
    return fallback


@dataclass(frozen=True)
class Departure:
    """One scheduled departure on a route, in the local time of the network."""

    route_id: int
    origin_hub_id: int
    dest_hub_id: int
    departure: time
    arrival: time
    arrival_day_offset: int = 0
    days_of_operation: str = "1234567"

    @property
    def duration(self) -> timedelta:
        start = datetime.combine(date(2000, 1, 3), self.departure)
        end = datetime.combine(
            date(2000, 1, 3) + timedelta(days=self.arrival_day_offset), self.arrival
        )
        return end - start

    def operates_on(self, day: date) -> bool:
        return str(day.isoweekday()) in self.days_of_operation


def validate_schedule(departure: time, arrival: time, day_offset: int, days: str) -> list[str]:
    """Problems with a schedule as an admin typed it (empty when it is consistent)."""
    problems = []
    if not days or any(ch not in "1234567" for ch in days) or len(set(days)) != len(days):
        problems.append("days_of_operation must be ISO weekdays 1-7 without repeats, e.g. 12345")
    if day_offset < 0 or day_offset > 3:
        problems.append("arrival_day_offset must be between 0 and 3")
    if day_offset == 0 and arrival <= departure:
        problems.append(
            "arrival must be after departure on the same day (or set arrival_day_offset)"
        )
    return problems


def next_arrival(departures: Sequence[Departure], ready_at: datetime) -> datetime | None:
    """The earliest arrival over ``departures`` for a parcel ready at ``ready_at`` (local, naive
    or aware alike): respects departure times and days of operation, looks a week ahead."""
    best: datetime | None = None
    for dep in departures:
        for day_offset in range(8):
            day = ready_at.date() + timedelta(days=day_offset)
            if not dep.operates_on(day):
                continue
            leaves = datetime.combine(day, dep.departure, tzinfo=ready_at.tzinfo)
            if leaves < ready_at:
                continue
            arrives = leaves + dep.duration
            if best is None or arrives < best:
                best = arrives
            break
    return best


@dataclass(order=True)
class _Node:
    at: datetime
    hub_id: int = field(compare=False)


def earliest_arrival(
    departures: Sequence[Departure],
    origin_hub_id: int,
    dest_hub_id: int,
    ready_at: datetime,
    handling: timedelta = timedelta(hours=1),
) -> datetime | None:
    """Earliest arrival at ``dest_hub_id`` across connecting routes (time-dependent Dijkstra):
    each hub needs ``handling`` time to sort a parcel onto its next departure."""
    by_origin: dict[int, list[Departure]] = {}
    for dep in departures:
        by_origin.setdefault(dep.origin_hub_id, []).append(dep)
    best: dict[int, datetime] = {origin_hub_id: ready_at}
    heap = [_Node(ready_at, origin_hub_id)]
    while heap:
        node = heapq.heappop(heap)
        if node.hub_id == dest_hub_id:
            return node.at
        if node.at > best.get(node.hub_id, node.at):
            continue
        ready = node.at if node.hub_id == origin_hub_id else node.at + handling
        groups: dict[int, list[Departure]] = {}
        for dep in by_origin.get(node.hub_id, []):
            groups.setdefault(dep.dest_hub_id, []).append(dep)
        for next_hub, deps in groups.items():
            arrives = next_arrival(deps, ready)
            if arrives is not None and (next_hub not in best or arrives < best[next_hub]):
                best[next_hub] = arrives
                heapq.heappush(heap, _Node(arrives, next_hub))
    return None


def normal_transit_time(
    departures: Sequence[Departure],
    origin_hub_id: int,
    dest_hub_id: int,
    week_start: datetime,
) -> timedelta | None:
    """A lane's normal hub-to-hub time: the median, over every hour of a typical week, of the
    time from a parcel being ready to its earliest arrival (so waits for departures count)."""
    if origin_hub_id == dest_hub_id:
        return timedelta(0)
    samples: list[timedelta] = []
    for hour in range(0, 7 * 24):
        ready = week_start + timedelta(hours=hour)
        arrives = earliest_arrival(departures, origin_hub_id, dest_hub_id, ready)
        if arrives is None:
            return None
        samples.append(arrives - ready)
    samples.sort()
    return samples[len(samples) // 2]
