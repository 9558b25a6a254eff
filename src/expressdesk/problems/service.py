"""Problem shipments (问题件) worked by people: registering one, the queue and measures, owning,
acting on and resolving them (opening them from scans and detectors, and the trail of actions,
are in ``problems.intake``). Flushes, never commits: the request, the CLI command or the worker
does.

Every change sets ``changed_at`` (the live queue polls it) and bumps the version, so two people
changing one problem at once cannot overwrite each other: the second gets a 409.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import FacilityType, Role, ShipmentStatus
from expressdesk.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import Facility, OutletMessage, Problem, User, Waybill
from expressdesk.network import repository as network_repository
from expressdesk.network.rules import match_delivery_area
from expressdesk.problems import repository
from expressdesk.problems.intake import close_problem, open_problems, record_action
from expressdesk.problems.query import Measures, measures
from expressdesk.problems.rules import (
    ActionKind,
    DoneAction,
    ProblemType,
    Signal,
    may,
    missing_for_resolution,
)
from expressdesk.problems.schemas import (
    ActionIn,
    AddressIn,
    AssignIn,
    ContactIn,
    EscalateIn,
    NoteIn,
    NotifyOutletIn,
    PickupPointIn,
    ProblemCreate,
    RescheduleIn,
    ResolveIn,
    ReturnIn,
)
from expressdesk.waybills import repository as waybill_repository
from expressdesk.waybills.addresses import parse_address
from expressdesk.waybills.service import check_waybill_number

DESK_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})


class ProblemNotFound(NotFound):
    code = "problem_not_found"


class ProblemAlreadyResolved(Conflict):
    code = "problem_resolved"


class ProblemChanged(Conflict):
    code = "problem_changed"


class ProblemOwnedByAnother(Conflict):
    code = "problem_owned"


class CannotResolveYet(ValidationFailed):
    code = "steps_missing"


# -- people registering a problem -----------------------------------------------------------


def _allow(actor: User, action: str) -> None:
    if not may(actor.role.value, action):
        raise PermissionDenied(f"role '{actor.role.value}' may not do this ({action})")


def _facility(session: Session, code: str, field: str) -> Facility:
    facility = network_repository.facility_by_code(session, code)
    if facility is None:
        raise ValidationFailed.on(field, "unknown_facility", f"no facility '{code}'")
    return facility


def register(
    session: Session, actor: User, data: ProblemCreate, now: datetime, settings: Settings
) -> tuple[Problem, bool]:
    """Register a problem by hand (an agent, a courier, operations at the arrival screen)."""
    _allow(actor, "register")
    number = check_waybill_number(data.waybill, settings, "waybill")
    waybill = waybill_repository.waybill_by_number(session, number)
    if waybill is None:
        raise NotFound(f"waybill: no waybill {number}")
    facility_id = (
        _facility(session, data.facility, "facility").id
        if data.facility
        else actor.facility_id or waybill.current_facility_id
    )
    source = data.source or {Role.COURIER: "courier", Role.OPERATIONS: "arrival"}.get(
        actor.role, "agent"
    )
    repository.lock_waybill(session, waybill.id)
    missort = data.type in (ProblemType.MISSORTED, ProblemType.OUTSIDE_AREA)
    signal = Signal(
        waybill_id=waybill.id,
        type=data.type,
        source=source,
        facility_id=facility_id,
        courier_id=actor.id if actor.role is Role.COURIER else None,
        reporter_id=actor.id,
        target_facility_id=waybill.dest_facility_id if missort else None,
        target_area_id=waybill.dest_area_id if missort else None,
        note=data.note,
    )
    [(problem, created)] = open_problems(session, [signal], now, actor, settings)
    return problem, created


def queue_filter(
    session: Session,
    user: User,
    *,
    status: str,
    type: ProblemType | None,
    facility: str | None,
    owner: str | None,
    waybill_id: int | None = None,
) -> repository.QueueFilter:
    """Filters from query words: ``owner`` is a username, ``me`` or ``none``."""
    facility_id = None
    if facility:
        found = network_repository.facility_by_code(session, facility)
        if found is None:
            raise ValidationFailed.on("facility", "unknown_facility", f"no facility '{facility}'")
        facility_id = found.id
    owner_id, unowned = None, False
    if owner == "me":
        owner_id = user.id
    elif owner == "none":
        unowned = True
    elif owner:
        person = repository.user_by_username(session, owner)
        if person is None:
            raise ValidationFailed.on("owner", "unknown_user", f"no user '{owner}'")
        owner_id = person.id
    return repository.QueueFilter(
        status=status,
        type=type,
        facility_id=facility_id,
        owner_id=owner_id,
        unowned=unowned,
        waybill_id=waybill_id,
    )


def desk_measures(session: Session, actor: User, since: datetime, until: datetime) -> Measures:
    """The desk's measures (see ``query.measures``), for the roles that may see them."""
    _allow(actor, "measures")
    return measures(session, since, until)


# -- working a problem ----------------------------------------------------------------------


def get_problem(session: Session, problem_id: int, actor: User) -> Problem:
    _allow(actor, "view")
    problem = repository.get_problem(session, problem_id)
    if problem is None:
        raise ProblemNotFound(f"problem {problem_id} not found")
    return problem


def for_change(
    session: Session, problem_id: int, actor: User, action: str, version: int | None
) -> Problem:
    """The open problem, locked for this change, checked against the version the caller saw."""
    _allow(actor, action)
    problem = session.get(Problem, problem_id, with_for_update=True, populate_existing=True)
    if problem is None:
        raise ProblemNotFound(f"problem {problem_id} not found")
    if version is not None and version != problem.version:
        raise ProblemChanged(
            f"problem {problem_id} was changed by someone else (version {problem.version}, "
            f"you saw {version}); reload it and try again"
        )
    if problem.status != "open":
        raise ProblemAlreadyResolved(f"problem {problem_id} is already resolved")
    return problem


def _display(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return "nobody"
    user = session.get(User, user_id)
    return f"{user.display_name} ({user.username})" if user else str(user_id)


def assign(
    session: Session, problem_id: int, actor: User, data: AssignIn, now: datetime
) -> Problem:
    """Give the problem one owner; every hand-over is recorded with who, when and why."""
    problem = for_change(session, problem_id, actor, ActionKind.ASSIGNED, data.version)
    if data.owner is None:
        target = actor
    else:
        found = repository.user_by_username(session, data.owner)
        if found is None or not found.is_active:
            raise ValidationFailed.on("owner", "unknown_user", f"no active user '{data.owner}'")
        target = found
    if target.role not in DESK_ROLES:
        raise ValidationFailed.on(
            "owner", "not_desk", "the owner must be an agent, a supervisor or an admin"
        )
    if problem.owner_id == target.id:
        return problem  # already theirs: repeating the request changes nothing
    if actor.role is Role.AGENT and problem.owner_id not in (None, actor.id):
        raise ProblemOwnedByAnother(
            f"problem {problem_id} is already owned by {_display(session, problem.owner_id)}; "
            "the owner or a supervisor can hand it over"
        )
    if problem.owner_id is not None and not data.reason:
        raise ValidationFailed.on(
            "reason", "required", "say why the problem is handed over to someone else"
        )
    record_action(
        session,
        problem,
        ActionKind.ASSIGNED,
        now,
        actor,
        reason=data.reason,
        from_owner_id=problem.owner_id,
        to_owner_id=target.id,
    )
    problem.owner_id = target.id
    problem.assigned_at = now
    session.flush()
    return problem


def act(
    session: Session,
    problem_id: int,
    actor: User,
    data: ActionIn,
    now: datetime,
    settings: Settings,
) -> Problem:
    """Record one action on the problem (contact, address correction, escalation, …)."""
    problem = for_change(session, problem_id, actor, data.kind, data.version)
    waybill = session.get(Waybill, problem.waybill_id)
    assert waybill is not None
    if isinstance(data, ContactIn):
        record_action(
            session,
            problem,
            ActionKind.CONTACT,
            now,
            actor,
            outcome=data.outcome.value,
            reason=data.note,
            data={"channel": data.channel, "party": data.party},
        )
    elif isinstance(data, AddressIn):
        _correct_address(session, problem, waybill, actor, data, now)
    elif isinstance(data, RescheduleIn):
        today = now.astimezone(ZoneInfo(settings.timezone)).date()
        if not today <= data.deliver_on <= today + timedelta(days=14):
            raise ValidationFailed.on(
                "deliver_on", "out_of_range", "must be between today and 14 days from today"
            )
        record_action(
            session,
            problem,
            ActionKind.RESCHEDULED,
            now,
            actor,
            reason=data.note,
            data={"deliver_on": data.deliver_on.isoformat(), "window": data.window},
        )
    elif isinstance(data, PickupPointIn):
        if not data.consent:
            raise ValidationFailed.on(
                "consent",
                "required",
                "a parcel goes to a locker or station only with the recipient's consent",
            )
        point = _facility(session, data.facility, "facility")
        if point.type not in (FacilityType.LOCKER, FacilityType.STATION):
            raise ValidationFailed.on(
                "facility", "not_pickup_point", f"'{point.code}' is not a locker or a station"
            )
        record_action(
            session,
            problem,
            ActionKind.TO_PICKUP_POINT,
            now,
            actor,
            reason=data.note,
            data={"facility": point.code, "facility_name": point.name, "consent": True},
        )
    elif isinstance(data, ReturnIn):
        record_action(session, problem, ActionKind.RETURN_TO_SENDER, now, actor, reason=data.reason)
    elif isinstance(data, EscalateIn):
        _escalate(session, problem, actor, data, now)
    elif isinstance(data, NotifyOutletIn):
        _notify_outlet(session, problem, waybill, actor, data, now)
    elif isinstance(data, NoteIn):
        record_action(session, problem, ActionKind.NOTE, now, actor, reason=data.note)
    session.flush()
    return problem


def _correct_address(
    session: Session,
    problem: Problem,
    waybill: Waybill,
    actor: User,
    data: AddressIn,
    now: datetime,
) -> None:
    """Correct the recipient's address and re-route the parcel to the outlet serving it."""
    parsed = parse_address(data.address)
    if not parsed.parsed:
        raise ValidationFailed.on(
            "address",
            "unplaced",
            "cannot tell province, city and district from this address; write them out",
        )
    rules = network_repository.area_rules_for_districts(session, [parsed.district or ""])
    area_id = match_delivery_area(
        rules, parsed.province, parsed.city, parsed.district, parsed.detail
    )
    outlet_id = (
        network_repository.outlets_of_areas(session, [area_id]).get(area_id) if area_id else None
    )
    old = {
        "address": waybill.recipient_address,
        "dest_facility_id": waybill.dest_facility_id,
        "dest_area_id": waybill.dest_area_id,
    }
    waybill.recipient_address = data.address
    waybill.recipient_province = parsed.province
    waybill.recipient_city = parsed.city
    waybill.recipient_district = parsed.district
    waybill.recipient_address_parsed = True
    waybill.dest_area_id = area_id
    waybill.dest_facility_id = outlet_id
    record_action(
        session,
        problem,
        ActionKind.ADDRESS_CORRECTED,
        now,
        actor,
        reason=data.note,
        data={
            "old": old,
            "new": {
                "address": data.address,
                "dest_facility_id": outlet_id,
                "dest_area_id": area_id,
            },
            "served": outlet_id is not None,
        },
    )


def _escalate(
    session: Session, problem: Problem, actor: User, data: EscalateIn, now: datetime
) -> None:
    if data.supervisor:
        supervisor = repository.user_by_username(session, data.supervisor)
        if supervisor is None or supervisor.role is not Role.SUPERVISOR:
            raise ValidationFailed.on(
                "supervisor", "not_supervisor", f"'{data.supervisor}' is not a supervisor"
            )
    else:
        supervisor = repository.any_supervisor(session, problem.facility_id)
        if supervisor is None:
            raise ValidationFailed.on("supervisor", "none", "there is no supervisor to escalate to")
    record_action(
        session,
        problem,
        ActionKind.ESCALATED,
        now,
        actor,
        reason=data.reason,
        from_owner_id=problem.owner_id,
        to_owner_id=supervisor.id,
    )
    problem.escalated = True
    problem.owner_id = supervisor.id
    problem.assigned_at = now


def _notify_outlet(
    session: Session,
    problem: Problem,
    waybill: Waybill,
    actor: User,
    data: NotifyOutletIn,
    now: datetime,
) -> None:
    if data.facility:
        facility_id = _facility(session, data.facility, "facility").id
    elif waybill.origin_facility_id is not None:
        facility_id = waybill.origin_facility_id
    else:
        raise ValidationFailed.on(
            "facility", "required", "the parcel has no origin outlet; name the outlet"
        )
    message = OutletMessage(
        facility_id=facility_id,
        problem_id=problem.id,
        waybill_id=waybill.id,
        from_user_id=actor.id,
        body=data.message,
        created_at=now,
    )
    session.add(message)
    record_action(
        session,
        problem,
        ActionKind.OUTLET_NOTIFIED,
        now,
        actor,
        reason=data.message,
        data={"facility_id": facility_id},
    )


def resolve(
    session: Session, problem_id: int, actor: User, data: ResolveIn, now: datetime
) -> Problem:
    """Resolve with a resolution code; refused while a step the code needs is missing."""
    problem = for_change(session, problem_id, actor, ActionKind.RESOLVED, data.version)
    waybill = session.get(Waybill, problem.waybill_id)
    assert waybill is not None
    done = [DoneAction(a.kind, a.outcome) for a in problem.actions]
    if data.note:
        done.append(DoneAction(ActionKind.NOTE.value, None))
    missing = missing_for_resolution(
        data.resolution, problem.type, done, waybill.status is ShipmentStatus.DELIVERED
    )
    if missing:
        raise CannotResolveYet(
            f"cannot resolve as '{data.resolution.value}' yet: " + "; ".join(missing),
            problems=[FieldProblem("resolution", "step_missing", m) for m in missing],
        )
    close_problem(problem, data.resolution, data.note, actor, now)
    record_action(
        session,
        problem,
        ActionKind.RESOLVED,
        now,
        actor,
        outcome=data.resolution.value,
        reason=data.note,
    )
    if problem.owner_id is None:
        problem.owner_id = actor.id
    session.flush()
    from expressdesk.notify.events import on_problems
    from expressdesk.notify.rules import Event

    on_problems(session, [problem], Event.PROBLEM_RESOLVED, now, None)
    return problem
