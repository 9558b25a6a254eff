"""Every query of the problem desk: open problems, the queue, candidates for the detectors,
the change feed of the live queue and the measures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, select
from sqlalchemy.orm import Session, aliased

from expressdesk.enums import ShipmentStatus
from expressdesk.models import (
    Facility,
    OutletMessage,
    Problem,
    ProblemAction,
    User,
    Waybill,
)
from expressdesk.problems.rules import ProblemType

QUEUE_LIMIT = 300


def open_problems_of(
    session: Session, waybill_ids: Iterable[int], *, lock: bool = False
) -> dict[tuple[int, ProblemType], Problem]:
    """The open problems of these parcels, by (waybill id, type)."""
    ids = sorted(set(waybill_ids))
    if not ids:
        return {}
    query = select(Problem).where(Problem.waybill_id.in_(ids), Problem.status == "open")
    if lock:
        query = query.with_for_update()
    return {(p.waybill_id, p.type): p for p in session.scalars(query)}


def lock_waybill(session: Session, waybill_id: int) -> None:
    """Serialize registrations for one parcel (PostgreSQL row lock; SQLite's writer lock)."""
    session.execute(select(Waybill.id).where(Waybill.id == waybill_id).with_for_update())


def get_problem(session: Session, problem_id: int) -> Problem | None:
    return session.get(Problem, problem_id)


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"
    type: ProblemType | None = None
    facility_id: int | None = None
    owner_id: int | None = None
    unowned: bool = False
    waybill_id: int | None = None


def queue_rows(session: Session, f: QueueFilter, limit: int = QUEUE_LIMIT) -> list[Row[Any]]:
    """The queue, oldest due first, with what a row shows (waybill, outlets, owner)."""
    origin = aliased(Facility)
    here = aliased(Facility)
    owner = aliased(User)
    query = (
        select(
            Problem.id,
            Problem.type,
            Problem.status,
            Problem.source,
            Problem.detail,
            Problem.detected_at,
            Problem.due_at,
            Problem.escalated,
            Problem.resolution,
            Problem.resolved_at,
            Problem.version,
            Problem.owner_id,
            owner.display_name.label("owner_name"),
            Waybill.number,
            Waybill.status.label("waybill_status"),
            Waybill.recipient_province,
            Waybill.recipient_city,
            Waybill.recipient_district,
            origin.name.label("origin_name"),
            here.name.label("facility_name"),
            Problem.facility_id,
        )
        .join(Waybill, Waybill.id == Problem.waybill_id)
        .outerjoin(origin, origin.id == Waybill.origin_facility_id)
        .outerjoin(here, here.id == Problem.facility_id)
        .outerjoin(owner, owner.id == Problem.owner_id)
        .where(Problem.status == f.status)
    )
    if f.type is not None:
        query = query.where(Problem.type == f.type)
    if f.facility_id is not None:
        query = query.where(Problem.facility_id == f.facility_id)
    if f.unowned:
        query = query.where(Problem.owner_id.is_(None))
    elif f.owner_id is not None:
        query = query.where(Problem.owner_id == f.owner_id)
    if f.waybill_id is not None:
        query = query.where(Problem.waybill_id == f.waybill_id)
    order = Problem.due_at.asc() if f.status == "open" else Problem.resolved_at.desc()
    return list(session.execute(query.order_by(order, Problem.id).limit(limit)))


def changes_since(session: Session, since: datetime) -> list[tuple[int, int]]:
    """(id, version) of problems changed at or after ``since`` (the live queue's feed)."""
    rows = session.execute(select(Problem.id, Problem.version).where(Problem.changed_at >= since))
    return [(r[0], r[1]) for r in rows]


def actions_of_waybill(session: Session, waybill_id: int) -> list[Row[Any]]:
    """Every desk action on a parcel's problems, for its timeline."""
    actor = aliased(User)
    to_owner = aliased(User)
    return list(
        session.execute(
            select(
                ProblemAction.id,
                ProblemAction.problem_id,
                ProblemAction.kind,
                ProblemAction.at,
                ProblemAction.outcome,
                ProblemAction.reason,
                ProblemAction.data,
                Problem.type.label("problem_type"),
                actor.display_name.label("actor_name"),
                to_owner.display_name.label("to_owner_name"),
            )
            .join(Problem, Problem.id == ProblemAction.problem_id)
            .outerjoin(actor, actor.id == ProblemAction.actor_id)
            .outerjoin(to_owner, to_owner.id == ProblemAction.to_owner_id)
            .where(ProblemAction.waybill_id == waybill_id)
            .order_by(ProblemAction.at, ProblemAction.id)
        )
    )


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def facility_codes(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(select(Facility.id, Facility.code).where(Facility.id.in_(wanted)))
    return {r.id: r.code for r in rows}


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def desk_people(session: Session) -> list[User]:
    """Agents and supervisors a problem can be handed to."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_(["agent", "supervisor"]), User.is_active.is_(True))
            .order_by(User.username)
            .limit(300)
        )
    )


def any_supervisor(session: Session, facility_id: int | None) -> User | None:
    """The supervisor to escalate to: one of the problem's facility if any, else any."""
    base = select(User).where(User.role == "supervisor", User.is_active.is_(True))
    if facility_id is not None:
        found = session.scalar(base.where(User.facility_id == facility_id).order_by(User.id))
        if found is not None:
            return found
    return session.scalar(base.order_by(User.id))


# -- the detectors' candidates -------------------------------------------------------------

MOVING = (ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)
NOT_ENDED = (
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.CUSTOMS,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.AT_PICKUP_POINT,
    ShipmentStatus.ATTEMPT_FAILED,
    ShipmentStatus.EXCEPTION,
)
CANDIDATE_COLUMNS = (
    Waybill.id,
    Waybill.status,
    Waybill.status_at,
    Waybill.last_event_at,
    Waybill.estimated_delivery_at,
    Waybill.attempts,
    Waybill.current_facility_id,
    Waybill.origin_facility_id,
    Waybill.dest_facility_id,
)


def quiet_parcels(
    session: Session, statuses: Sequence[ShipmentStatus], before: datetime
) -> list[Row[Any]]:
    """Parcels of these statuses whose last scan is older than ``before`` (index: status,
    last_event_at), without an open problem of the delayed type."""
    return _without_open(
        session,
        select(*CANDIDATE_COLUMNS).where(
            Waybill.status.in_(statuses), Waybill.last_event_at < before
        ),
        ProblemType.DELAYED,
    )


def past_estimate(session: Session, now: datetime) -> list[Row[Any]]:
    """Parcels not ended whose estimated delivery has passed (index: estimated_delivery_at)."""
    return _without_open(
        session,
        select(*CANDIDATE_COLUMNS).where(
            Waybill.estimated_delivery_at < now, Waybill.status.in_(NOT_ENDED)
        ),
        ProblemType.DELAYED,
    )


def waiting_at_pickup_points(session: Session, before: datetime) -> list[Row[Any]]:
    return _without_open(
        session,
        select(*CANDIDATE_COLUMNS).where(
            Waybill.status == ShipmentStatus.AT_PICKUP_POINT, Waybill.status_at < before
        ),
        ProblemType.UNCOLLECTED,
    )


def repeatedly_failed(session: Session, min_attempts: int) -> list[Row[Any]]:
    return _without_open(
        session,
        select(*CANDIDATE_COLUMNS).where(
            Waybill.status == ShipmentStatus.ATTEMPT_FAILED, Waybill.attempts >= min_attempts
        ),
        ProblemType.HELD,
    )


def _without_open(
    session: Session, query: Any, problem_type: ProblemType, limit: int = 5_000
) -> list[Row[Any]]:
    already = (
        select(Problem.id)
        .where(
            and_(
                Problem.waybill_id == Waybill.id,
                Problem.type == problem_type,
                Problem.status == "open",
            )
        )
        .exists()
    )
    return list(session.execute(query.where(~already).order_by(Waybill.id).limit(limit)))


# -- outlet messages ------------------------------------------------------------------------


def outlet_messages(session: Session, facility_id: int, limit: int = 100) -> list[Row[Any]]:
    sender = aliased(User)
    return list(
        session.execute(
            select(
                OutletMessage.id,
                OutletMessage.body,
                OutletMessage.created_at,
                OutletMessage.read_at,
                OutletMessage.problem_id,
                Waybill.number,
                sender.display_name.label("from_name"),
            )
            .outerjoin(Waybill, Waybill.id == OutletMessage.waybill_id)
            .outerjoin(sender, sender.id == OutletMessage.from_user_id)
            .where(OutletMessage.facility_id == facility_id)
            .order_by(OutletMessage.read_at.is_not(None), OutletMessage.created_at.desc())
            .limit(limit)
        )
    )


# -- measures -------------------------------------------------------------------------------


def problems_detected_between(session: Session, since: datetime, until: datetime) -> list[Row[Any]]:
    """The facts the measures are computed from, one row per problem."""
    return list(
        session.execute(
            select(
                Problem.id,
                Problem.type,
                Problem.party,
                Problem.source,
                Problem.status,
                Problem.detected_at,
                Problem.first_action_at,
                Problem.resolved_at,
                Problem.facility_id,
                Problem.courier_id,
            ).where(Problem.detected_at >= since, Problem.detected_at <= until)
        )
    )


def open_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(Problem.status == "open")) or 0)
