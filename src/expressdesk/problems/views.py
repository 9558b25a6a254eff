"""Problem desk pages: the live queue, registration with photos, a problem's page with its
actions, the measures. Forms post here and call the same services as the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from expressdesk.enums import Role
from expressdesk.errors import AppError
from expressdesk.models import User
from expressdesk.network import repository as network_repository
from expressdesk.problems import photos, repository, service
from expressdesk.problems.query import (
    action_name,
    problem_out,
    queue_items,
    resolution_name,
    type_name,
)
from expressdesk.problems.rules import (
    OUTCOME_NAMES,
    PARTY_NAMES,
    PROBLEM_KINDS,
    SOURCE_NAMES,
    ActionKind,
    ContactOutcome,
    ProblemType,
    Resolution,
    may,
    name_in,
)
from expressdesk.problems.schemas import ActionIn, AssignIn, ProblemCreate, ResolveIn
from expressdesk.web.deps import ClockDep, RecordId, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, page_locale, render, require_csrf

router = APIRouter(include_in_schema=False)
StaffPage = Annotated[
    User,
    Depends(PageAllow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COURIER, Role.OPERATIONS)),
]
# A change committed this long after its own timestamp would be missed by the live queue.
LOOKBACK = timedelta(seconds=60)
_action_adapter: TypeAdapter[Any] = TypeAdapter(ActionIn)
# A discriminated union puts the action's kind in an error's location; the field name is enough.
ACTION_TAGS = frozenset(k.value for k in ActionKind)


Filter = Annotated[str, Query(max_length=64)]


@dataclass(frozen=True)
class QueueWords:
    """The queue's filters as typed in the page's query string."""

    type: str
    facility: str
    owner: str
    status: str


def queue_words(
    type: Filter = "",
    facility: Filter = "",
    owner: Filter = "",
    status: Annotated[str, Query(pattern="^(open|resolved)$")] = "open",
) -> QueueWords:
    return QueueWords(type, facility, owner, status)


Words = Annotated[QueueWords, Depends(queue_words)]


def _filters(session: Session, user: User, w: QueueWords) -> tuple[Any, str | None]:
    try:
        chosen = ProblemType(w.type) if w.type else None
        return (
            service.queue_filter(
                session,
                user,
                status=w.status,
                type=chosen,
                facility=w.facility or None,
                owner=w.owner or None,
            ),
            None,
        )
    except (AppError, ValueError) as exc:
        message = exc.message if isinstance(exc, AppError) else f"type: unknown type '{w.type}'"
        return repository.QueueFilter(status=w.status), message


@router.get("/problems")
def queue_page(
    request: Request, user: StaffPage, session: SessionDep, clock: ClockDep, words: Words
) -> Response:
    locale = page_locale(request, user)
    f, error = _filters(session, user, words)
    messages = (
        repository.outlet_messages(session, user.facility_id, limit=20) if user.facility_id else []
    )
    return render(
        request,
        "problems/queue.html",
        {
            "items": queue_items(session, f, clock.now(), locale),
            "kinds": PROBLEM_KINDS,
            "type_name": lambda t: type_name(t, locale),
            "outlets": network_repository.list_facilities(session),
            "chosen": words,
            "error": error,
            "messages": messages,
        },
        422 if error else 200,
    )


@router.get("/problems/rows")
def queue_rows(
    request: Request, user: StaffPage, session: SessionDep, clock: ClockDep, words: Words
) -> Response:
    """The queue's rows alone: the live page fetches them when the stream says 'changed'."""
    locale = page_locale(request, user)
    f, _ = _filters(session, user, words)
    return render(
        request,
        "problems/_rows.html",
        {"items": queue_items(session, f, clock.now(), locale)},
    )


@router.get("/problems/stream", response_class=EventSourceResponse)
async def queue_stream(request: Request, user: StaffPage) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: 'changed' with the ids of problems opened or changed since the last
    look (polled every ``live_poll_seconds``; works across processes and on both databases)."""
    factory = request.app.state.session_factory
    clock = request.app.state.clock
    interval = request.app.state.settings.live_poll_seconds

    def poll() -> set[tuple[int, int]]:
        with factory() as session:
            return set(repository.changes_since(session, clock.now() - LOOKBACK))

    seen = await run_in_threadpool(poll)
    yield ServerSentEvent(event="ready", data={"interval": interval})
    while True:
        await anyio.sleep(interval)
        current = await run_in_threadpool(poll)
        fresh = current - seen
        seen = current
        if fresh:
            yield ServerSentEvent(event="changed", data={"ids": sorted({i for i, _ in fresh})})


def _new_context(locale: str) -> dict[str, Any]:
    return {"kinds": PROBLEM_KINDS, "type_name": lambda t: type_name(t, locale)}


@router.get("/problems/new")
def new_problem_page(
    request: Request, user: StaffPage, waybill: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    context = _new_context(page_locale(request, user))
    context["form"] = {"waybill": waybill}
    return render(request, "problems/new.html", context)


@router.post("/problems/new")
def new_problem_submit(
    request: Request,
    user: StaffPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    waybill: Annotated[str, Form(max_length=40)] = "",
    type: Annotated[str, Form(max_length=24)] = "",
    facility: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    photo: Annotated[list[UploadFile] | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    form = {"waybill": waybill, "type": type, "facility": facility, "note": note}
    try:
        data = ProblemCreate.model_validate({k: v for k, v in form.items() if v})
        problem, _ = service.register(session, user, data, clock.now(), settings)
        for upload in photo or []:
            if upload.filename:
                content = upload.file.read(settings.photo_max_bytes + 1)
                photos.add_photo(
                    session, problem.id, user, upload.filename, content, clock.now(), settings
                )
    except (AppError, ValidationError) as exc:
        session.rollback()  # nothing half-written: neither the problem nor any photo row
        context = _new_context(page_locale(request, user))
        context.update({"form": form, "error": _message(exc)})
        return render(request, "problems/new.html", context, _status(exc))
    return RedirectResponse(f"/problems/{problem.id}", status_code=303)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p not in ACTION_TAGS) or 'form'}: {e['msg']}"
            for e in exc.errors()
        )
    return exc.message if isinstance(exc, AppError) else str(exc)


def _status(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, AppError) else 422


@router.get("/problems/measures")
def measures_page(
    request: Request,
    user: StaffPage,
    session: SessionDep,
    clock: ClockDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Response:
    locale = page_locale(request, user)
    until = clock.now()
    return render(
        request,
        "problems/measures.html",
        {
            "m": service.desk_measures(session, user, until - timedelta(days=days), until),
            "days": days,
            "type_name": lambda t: type_name(t, locale),
            "party_name": lambda k: name_in(PARTY_NAMES, k, locale),
            "source_name": lambda k: name_in(SOURCE_NAMES, k, locale),
            "ident": lambda k: k,
        },
    )


def _detail(
    request: Request,
    user: User,
    session: Session,
    problem_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = page_locale(request, user)
    problem = service.get_problem(session, problem_id, user)
    return render(
        request,
        "problems/detail.html",
        {
            "p": problem_out(session, problem, locale),
            "kind": PROBLEM_KINDS[problem.type],
            "type_name": lambda t: type_name(t, locale),
            "action_name": lambda k: action_name(k, locale),
            "resolution_name": lambda r: resolution_name(r, locale),
            "resolutions": list(Resolution),
            "outcomes": list(ContactOutcome),
            "may": lambda action: may(user.role.value, action),
            "party_name": lambda k: name_in(PARTY_NAMES, k, locale),
            "source_name": lambda k: name_in(SOURCE_NAMES, k, locale),
            "outcome_name": lambda k: name_in(OUTCOME_NAMES, k, locale),
            "error": error,
            "desk": repository.desk_people(session),
        },
        status_code,
    )


@router.get("/problems/{problem_id}")
def problem_page(
    problem_id: RecordId, request: Request, user: StaffPage, session: SessionDep
) -> Response:
    return _detail(request, user, session, problem_id)


def _after(request: Request, user: User, session: Session, problem_id: int, work: Any) -> Response:
    try:
        work()
    except (AppError, ValidationError) as exc:
        session.rollback()
        return _detail(request, user, session, problem_id, _message(exc), _status(exc))
    return RedirectResponse(f"/problems/{problem_id}", status_code=303)


def _version(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@router.post("/problems/{problem_id}/assign")
def assign_submit(
    problem_id: RecordId,
    request: Request,
    user: StaffPage,
    session: SessionDep,
    clock: ClockDep,
    owner: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    data = AssignIn(owner=owner or None, reason=reason, version=_version(version))
    return _after(
        request,
        user,
        session,
        problem_id,
        lambda: service.assign(session, problem_id, user, data, clock.now()),
    )


@router.post("/problems/{problem_id}/act")
async def act_submit(
    problem_id: RecordId,
    request: Request,
    user: StaffPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    require_csrf(request, str(form.get("csrf_token", "")))
    fields: dict[str, Any] = {
        k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str) and v != ""
    }
    if "consent" in fields:
        fields["consent"] = fields["consent"] in ("on", "true", "1")
    elif fields.get("kind") == "to_pickup_point":
        fields["consent"] = False
    if "version" in fields:
        fields["version"] = _version(fields["version"])

    def work() -> None:
        data = _action_adapter.validate_python(fields)
        service.act(session, problem_id, user, data, clock.now(), settings)

    return await run_in_threadpool(_after, request, user, session, problem_id, work)


@router.post("/problems/{problem_id}/resolve")
def resolve_submit(
    problem_id: RecordId,
    request: Request,
    user: StaffPage,
    session: SessionDep,
    clock: ClockDep,
    resolution: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)

    def work() -> None:
        data = ResolveIn.model_validate(
            {"resolution": resolution, "note": note, "version": _version(version)}
        )
        service.resolve(session, problem_id, user, data, clock.now())

    return _after(request, user, session, problem_id, work)


@router.post("/problems/{problem_id}/photos")
def photo_submit(
    problem_id: RecordId,
    request: Request,
    user: StaffPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    photo: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    content = photo.file.read(settings.photo_max_bytes + 1)
    return _after(
        request,
        user,
        session,
        problem_id,
        lambda: photos.add_photo(
            session, problem_id, user, photo.filename or "photo", content, clock.now(), settings
        ),
    )
