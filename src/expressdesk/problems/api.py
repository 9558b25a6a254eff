"""JSON API of the problem desk (问题件): register, queue, work, resolve, measure."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response

from expressdesk import i18n
from expressdesk.enums import Role
from expressdesk.errors import NotFound
from expressdesk.models import ProblemPhoto, User
from expressdesk.network import repository as network_repository
from expressdesk.problems import detect, photos, repository, service
from expressdesk.problems.query import problem_out, queue_items
from expressdesk.problems.rules import PROBLEM_KINDS, ProblemType
from expressdesk.problems.schemas import (
    ActionIn,
    AssignIn,
    ProblemCreate,
    ProblemOut,
    QueueItem,
    RegisterOut,
    ResolveIn,
)
from expressdesk.web.deps import Allow, ClockDep, RecordId, SessionDep, SettingsDep
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/problems", tags=["problems"])
STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COURIER, Role.OPERATIONS)
Staff = Annotated[User, Depends(Allow(*STAFF))]
Desk = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]
Supervisor = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR))]


def locale_of(request: Request, user: User) -> str:
    return user.locale or i18n.negotiate(request.headers.get("accept-language"))


@router.get("/types")
def problem_types(user: Staff) -> list[dict[str, Any]]:
    """The closed table of problem types: names, responsible party, default deadline."""
    return [
        {
            "type": k.type.value,
            "name_zh": k.name_zh,
            "name_en": k.name_en,
            "party": k.party.value,
            "deadline_hours": k.deadline.total_seconds() / 3600,
        }
        for k in PROBLEM_KINDS.values()
    ]


@router.get("", response_model=list[QueueItem])
def problem_queue(
    request: Request,
    user: Staff,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[str, Query(pattern="^(open|resolved)$")] = "open",
    type: ProblemType | None = None,
    facility: Annotated[str | None, Query(max_length=16)] = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
) -> list[QueueItem]:
    """The problem queue, oldest due first; filter by type, outlet (facility code) and owner
    (a username, ``me`` or ``none``)."""
    f = service.queue_filter(
        session, user, status=status, type=type, facility=facility, owner=owner
    )
    return queue_items(session, f, clock.now(), locale_of(request, user))


@router.post("", response_model=RegisterOut, status_code=201)
def register_problem(
    data: ProblemCreate,
    request: Request,
    user: Staff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """Register a problem. Registering the same open problem again for the same parcel does
    not create a second: the answer is 200 with ``created: false`` and the note is added."""
    problem, created = service.register(session, user, data, clock.now(), settings)
    shown = problem_out(session, problem, locale_of(request, user))
    body = RegisterOut(created=created, problem=shown)
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if created else 200)


@router.get("/measures")
def problem_measures(
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    """Time from detection to first action and to resolution; counts by type, outlet, courier,
    responsible party and source; the share of missorts caught at the arrival scan."""
    until = clock.now()
    return service.desk_measures(session, user, until - timedelta(days=days), until).as_dict()


@router.post("/detect")
def run_detectors(
    user: Supervisor, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> dict[str, int]:
    """Run the periodic detectors now (the worker runs them on its own every minute)."""
    report = detect.detect(session, clock.now(), settings)
    return {**report.__dict__, "total": report.total}


@router.get("/{problem_id}", response_model=ProblemOut)
def problem_detail(
    problem_id: RecordId, request: Request, user: Staff, session: SessionDep
) -> ProblemOut:
    """One problem with its actions (hand-overs, contacts, …) and photos."""
    problem = service.get_problem(session, problem_id, user)
    return problem_out(session, problem, locale_of(request, user))


@router.post("/{problem_id}/assign", response_model=ProblemOut)
def assign_problem(
    problem_id: RecordId,
    data: AssignIn,
    request: Request,
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
) -> ProblemOut:
    """Give the problem to ``owner`` (omitted: to yourself). An agent may take an unowned
    problem or hand over their own; taking one someone else owns is a 409. Send ``version``
    to be told (409) if the problem changed since you looked."""
    problem = service.assign(session, problem_id, user, data, clock.now())
    return problem_out(session, problem, locale_of(request, user))


@router.post("/{problem_id}/actions", response_model=ProblemOut)
def problem_action(
    problem_id: RecordId,
    data: ActionIn,
    request: Request,
    user: Staff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ProblemOut:
    """Record an action: ``contact``, ``address_corrected`` (re-routes the parcel),
    ``rescheduled``, ``to_pickup_point`` (needs consent), ``return_to_sender`` (needs a reason),
    ``escalated``, ``outlet_notified`` (留言), ``note``. Which roles may do which is in
    ``problems.rules.ACTION_ROLES``."""
    problem = service.act(session, problem_id, user, data, clock.now(), settings)
    return problem_out(session, problem, locale_of(request, user))


@router.post("/{problem_id}/resolve", response_model=ProblemOut)
def resolve_problem(
    problem_id: RecordId,
    data: ResolveIn,
    request: Request,
    user: Staff,
    session: SessionDep,
    clock: ClockDep,
) -> ProblemOut:
    """Resolve with a resolution code; refused (422) while a step it needs is missing."""
    problem = service.resolve(session, problem_id, user, data, clock.now())
    return problem_out(session, problem, locale_of(request, user))


@router.post("/{problem_id}/photos", status_code=201)
def upload_photo(
    problem_id: RecordId,
    photo: Annotated[UploadFile, File()],
    user: Staff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Add a photo (JPEG, PNG or WebP; checked by content; size-limited)."""
    data = photo.file.read(settings.photo_max_bytes + 1)  # one byte more: "too big" is told
    stored = photos.add_photo(
        session, problem_id, user, photo.filename or "photo", data, clock.now(), settings
    )
    return {
        "id": stored.id,
        "content_type": stored.content_type,
        "size_bytes": stored.size_bytes,
        "url": f"/api/v1/problems/{problem_id}/photos/{stored.id}",
    }


@router.get("/{problem_id}/photos/{photo_id}")
def get_photo(
    problem_id: RecordId,
    photo_id: RecordId,
    user: Staff,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """A stored photo (staff only)."""
    service.get_problem(session, problem_id, user)
    photo = session.get(ProblemPhoto, photo_id)
    if photo is None or photo.problem_id != problem_id:
        raise NotFound(f"photo {photo_id} of problem {problem_id} not found")
    return FileResponse(
        photos.photo_path(photo, settings),
        media_type=photo.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


outlets_router = APIRouter(prefix=f"{API_PREFIX}/outlets", tags=["problems"])


@outlets_router.get("/{code}/messages")
def outlet_messages(code: str, user: Staff, session: SessionDep) -> list[dict[str, Any]]:
    """An outlet's message queue (留言), unread first."""
    facility = network_repository.facility_by_code(session, code)
    if facility is None:
        raise NotFound(f"no facility '{code}'")
    return [
        {
            "id": m.id,
            "body": m.body,
            "created_at": m.created_at.isoformat(),
            "read": m.read_at is not None,
            "problem_id": m.problem_id,
            "waybill": m.number,
            "from": m.from_name,
        }
        for m in repository.outlet_messages(session, facility.id)
    ]
