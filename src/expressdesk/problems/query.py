"""The read side of the problem desk: a problem as the API and pages show it, the queue, and
the measures (time to first action and to resolution, counts, missorts caught at arrival)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from expressdesk.models import DeliveryArea, Facility, Problem, Waybill
from expressdesk.problems import repository
from expressdesk.problems.rules import (
    ACTION_NAMES,
    PROBLEM_KINDS,
    RESOLUTION_NAMES,
    ActionKind,
    ProblemType,
    Resolution,
)
from expressdesk.problems.schemas import ActionOut, PhotoOut, ProblemOut, QueueItem


def type_name(problem_type: ProblemType | str, locale: str) -> str:
    kind = PROBLEM_KINDS[ProblemType(problem_type)]
    return kind.name_zh if locale == "zh_CN" else kind.name_en


def action_name(kind: str, locale: str) -> str:
    try:
        zh, en = ACTION_NAMES[ActionKind(kind)]
    except ValueError:
        return kind
    return zh if locale == "zh_CN" else en


def resolution_name(code: str | None, locale: str) -> str:
    if not code:
        return ""
    try:
        zh, en = RESOLUTION_NAMES[Resolution(code)]
    except ValueError:
        return code
    return zh if locale == "zh_CN" else en


def problem_out(session: Session, problem: Problem, locale: str) -> ProblemOut:
    people = repository.users_by_id(
        session,
        [problem.owner_id or 0]
        + [a.actor_id or 0 for a in problem.actions]
        + [a.from_owner_id or 0 for a in problem.actions]
        + [a.to_owner_id or 0 for a in problem.actions],
    )

    def who(user_id: int | None) -> str | None:
        return people[user_id].username if user_id in people else None

    def code_of(facility_id: int | None) -> str | None:
        facility = session.get(Facility, facility_id) if facility_id else None
        return facility.code if facility else None

    area = session.get(DeliveryArea, problem.target_area_id) if problem.target_area_id else None
    waybill_number = problem_waybill_number(session, problem)
    return ProblemOut(
        id=problem.id,
        waybill=waybill_number,
        type=problem.type,
        type_name=type_name(problem.type, locale),
        party=problem.party,
        status=problem.status,
        source=problem.source,
        detail=problem.detail,
        note=problem.note,
        detected_at=problem.detected_at,
        due_at=problem.due_at,
        facility=code_of(problem.facility_id),
        target_facility=code_of(problem.target_facility_id),
        target_area=area.code if area else None,
        owner=who(problem.owner_id),
        escalated=problem.escalated,
        first_action_at=problem.first_action_at,
        resolved_at=problem.resolved_at,
        resolution=problem.resolution,
        version=problem.version,
        actions=[
            ActionOut(
                id=a.id,
                kind=a.kind,
                at=a.at,
                actor=who(a.actor_id),
                from_owner=who(a.from_owner_id),
                to_owner=who(a.to_owner_id),
                outcome=a.outcome,
                reason=a.reason,
                data=a.data or {},
            )
            for a in problem.actions
        ],
        photos=[
            PhotoOut(
                id=p.id,
                original_name=p.original_name,
                content_type=p.content_type,
                size_bytes=p.size_bytes,
                url=f"/api/v1/problems/{problem.id}/photos/{p.id}",
            )
            for p in problem.photos
        ],
    )


def problem_waybill_number(session: Session, problem: Problem) -> str:
    waybill = session.get(Waybill, problem.waybill_id)
    return waybill.number if waybill else ""


def queue_items(
    session: Session, f: repository.QueueFilter, now: datetime, locale: str
) -> list[QueueItem]:
    items = []
    for r in repository.queue_rows(session, f):
        destination = "".join(
            p for p in (r.recipient_province, r.recipient_city, r.recipient_district) if p
        )
        items.append(
            QueueItem(
                id=r.id,
                type=r.type,
                type_name=type_name(r.type, locale),
                waybill=r.number,
                detected_at=r.detected_at,
                due_at=r.due_at,
                age_minutes=max(0, int((now - r.detected_at).total_seconds() // 60)),
                overdue=r.status == "open" and now > r.due_at,
                origin=r.origin_name,
                destination=destination,
                facility=r.facility_name,
                owner=r.owner_name,
                escalated=r.escalated,
                version=r.version,
            )
        )
    return items


# -- measures -------------------------------------------------------------------------------


@dataclass
class Durations:
    count: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    mean_minutes: float | None = None

    @classmethod
    def of(cls, minutes: list[float]) -> Durations:
        if not minutes:
            return cls()
        ordered = sorted(minutes)
        p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
        return cls(
            count=len(ordered),
            median_minutes=round(statistics.median(ordered), 1),
            p90_minutes=round(p90, 1),
            mean_minutes=round(statistics.fmean(ordered), 1),
        )


@dataclass
class Measures:
    since: datetime
    until: datetime
    detected: int = 0
    open: int = 0
    resolved: int = 0
    to_first_action: Durations = field(default_factory=Durations)
    to_resolution: Durations = field(default_factory=Durations)
    by_type: dict[str, int] = field(default_factory=dict)
    by_party: dict[str, int] = field(default_factory=dict)
    by_outlet: dict[str, int] = field(default_factory=dict)
    by_courier: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    missorts: int = 0
    missorts_caught_at_arrival: int = 0

    @property
    def missort_arrival_share(self) -> float | None:
        return self.missorts_caught_at_arrival / self.missorts if self.missorts else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "detected": self.detected,
            "open": self.open,
            "resolved": self.resolved,
            "to_first_action": self.to_first_action.__dict__,
            "to_resolution": self.to_resolution.__dict__,
            "by_type": self.by_type,
            "by_party": self.by_party,
            "by_outlet": self.by_outlet,
            "by_courier": self.by_courier,
            "by_source": self.by_source,
            "missorts": self.missorts,
            "missorts_caught_at_arrival": self.missorts_caught_at_arrival,
            "missort_arrival_share": self.missort_arrival_share,
        }


def measures(session: Session, since: datetime, until: datetime) -> Measures:
    """The desk's measures over the problems detected from ``since`` to ``until``."""
    rows = repository.problems_detected_between(session, since, until)
    m = Measures(since=since, until=until, detected=len(rows))
    facilities = repository.facility_codes(session, [r.facility_id for r in rows])
    couriers = repository.users_by_id(session, [r.courier_id for r in rows if r.courier_id])
    first, resolution = [], []
    types: Counter[str] = Counter()
    parties: Counter[str] = Counter()
    outlets: Counter[str] = Counter()
    by_courier: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for r in rows:
        types[ProblemType(r.type).value] += 1
        parties[r.party.value if hasattr(r.party, "value") else str(r.party)] += 1
        sources[r.source] += 1
        if r.facility_id in facilities:
            outlets[facilities[r.facility_id]] += 1
        if r.courier_id in couriers:
            by_courier[couriers[r.courier_id].username] += 1
        if r.status == "open":
            m.open += 1
        else:
            m.resolved += 1
        if r.first_action_at is not None:
            first.append((r.first_action_at - r.detected_at).total_seconds() / 60)
        if r.resolved_at is not None:
            resolution.append((r.resolved_at - r.detected_at).total_seconds() / 60)
        if r.type == ProblemType.MISSORTED:
            m.missorts += 1
            if r.source == "arrival":
                m.missorts_caught_at_arrival += 1
    m.to_first_action = Durations.of(first)
    m.to_resolution = Durations.of(resolution)
    m.by_type = dict(types.most_common())
    m.by_party = dict(parties.most_common())
    m.by_outlet = dict(outlets.most_common())
    m.by_courier = dict(by_courier.most_common())
    m.by_source = dict(sources.most_common())
    return m


@dataclass(frozen=True)
class DeskEntry:
    """A desk action shown on the waybill's timeline next to the scans."""

    time: datetime
    description: str
    operator: str | None
    problem_id: int
    desk: bool = True  # the template tells these rows from scans by this attribute


def desk_timeline(session: Session, waybill_id: int, locale: str) -> list[DeskEntry]:
    """Every action on the parcel's problems, worded for its timeline."""
    entries = []
    for a in repository.actions_of_waybill(session, waybill_id):
        words = [f"【{type_name(a.problem_type, locale)}】{action_name(a.kind, locale)}"]
        if a.kind == ActionKind.RESOLVED:
            words.append(resolution_name(a.outcome, locale))
        elif a.outcome:
            words.append(a.outcome)
        if a.to_owner_name:
            words.append(f"→ {a.to_owner_name}")
        if a.reason:
            words.append(f"· {a.reason}")
        entries.append(DeskEntry(a.at, " ".join(words), a.actor_name, a.problem_id))
    return entries


def problems_of_waybill(
    session: Session, waybill_id: int, now: datetime, locale: str
) -> list[QueueItem]:
    """The parcel's problems, open and resolved."""
    found = []
    for status in ("open", "resolved"):
        f = repository.QueueFilter(status=status, waybill_id=waybill_id)
        found.extend(queue_items(session, f, now, locale))
    return found
