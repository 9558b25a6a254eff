"""Service desk pages: the agent's console with its search box, a phone call in one form, the
ticket page (clocks, live tracking, problems, custody, scripts, trail), and the rules page.
Forms post here and call the same services as the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import (
    attachments,
    claims,
    clocks,
    followups,
    repository,
    scripts,
    searches,
    service,
)
from expressdesk.desk.compensation import CLAIM_KIND_NAMES
from expressdesk.desk.query import console, ticket_out
from expressdesk.desk.rules import (
    TRANSITIONS,
    ComplaintCategory,
    Priority,
    TicketStatus,
    TicketType,
    entry_name,
    name_of,
)
from expressdesk.desk.schemas import (
    CallbackDone,
    CallbackIn,
    PublicTicketIn,
    ReplyIn,
    SearchReport,
    TicketChange,
    TicketCreate,
    TransferIn,
)
from expressdesk.desk.sla import CLOCK_STATE_NAMES
from expressdesk.enums import Role
from expressdesk.errors import AppError, ValidationFailed
from expressdesk.models import User
from expressdesk.network import repository as network_repository
from expressdesk.problems.query import problems_of_waybill
from expressdesk.tracking.query import tracking_view
from expressdesk.waybills.numbering import normalize_waybill_number
from expressdesk.web.deps import ClockDep, OptionalUser, RecordId, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, page_locale, render, require_csrf

router = APIRouter(include_in_schema=False)
DeskPage = Annotated[User, Depends(PageAllow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]
SearchPage = Annotated[
    User,
    Depends(PageAllow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.OPERATIONS, Role.COURIER)),
]
AdminPage = Annotated[User, Depends(PageAllow(Role.ADMIN))]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=10_000)]
Csrf = Annotated[str, Form()]
TicketNumber = Annotated[str, Path(max_length=20)]


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
        )
    return exc.message if isinstance(exc, AppError) else str(exc)


def _status(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, AppError) else 422


def _error_page(request: Request, message: str, status_code: int) -> Response:
    context = {"error": {"detail": message, "problems": []}, "status": status_code}
    return render(request, "errors/error.html", context, status_code)


def _words(locale: str) -> dict[str, Any]:
    """Names of the desk's vocabularies in the page's language."""
    return {
        "name_of": lambda v: name_of(v, locale),
        "entry_name": lambda k: entry_name(k, locale),
        "state_name": lambda s: CLOCK_STATE_NAMES[s][0 if locale == "zh_CN" else 1],
        "claim_kind": lambda k: CLAIM_KIND_NAMES[k][0 if locale == "zh_CN" else 1],
        "types": list(TicketType),
        "priorities": list(Priority),
        "categories": list(ComplaintCategory),
    }


# ----------------------------------------------------------------------------------------------
# The console
# ----------------------------------------------------------------------------------------------


def _lookup(session: Session, q: str, settings: Settings) -> dict[str, Any] | str:
    """The search box: a ticket number opens it, a waybill number opens the parcel, a phone
    number lists that person's parcels and tickets."""
    text = q.strip()
    compact = normalize_waybill_number(text)
    if text.upper().startswith("T") and text[1:].isdigit():
        return f"/tickets/{text.upper()}"
    if compact.startswith(settings.waybill_prefix):
        return f"/waybills/{compact}"
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 7:
        waybills, tickets = repository.find_by_phone(session, digits[-11:])
        return {"phone": digits[-11:], "waybills": waybills, "tickets": tickets}
    return {"phone": None, "waybills": [], "tickets": [], "unknown": text}


@router.get("/desk")
def console_page(
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    found: dict[str, Any] | None = None
    if q:
        result = _lookup(session, q, settings)
        if isinstance(result, str):
            return RedirectResponse(result, status_code=303)
        found = result
    setup = clocks.load_setup(session, settings)
    locale = page_locale(request, user)
    return render(
        request,
        "desk/console.html",
        {"c": console(session, user, setup, clock.now()), "q": q, "found": found, **_words(locale)},
    )


# ----------------------------------------------------------------------------------------------
# A phone call in one form
# ----------------------------------------------------------------------------------------------


@router.get("/tickets/new")
def new_ticket_page(
    request: Request, user: DeskPage, waybill: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    locale = page_locale(request, user)
    return render(request, "desk/new.html", {"form": {"waybill": waybill}, **_words(locale)})


@router.post("/tickets/new")
def new_ticket_submit(
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    type: Annotated[str, Form(max_length=16)] = "",
    waybill: Annotated[str, Form(max_length=200)] = "",
    subject: Short = "",
    category: Annotated[str, Form(max_length=16)] = "",
    priority: Annotated[str, Form(max_length=16)] = "normal",
    contact_name: Annotated[str, Form(max_length=100)] = "",
    contact_phone: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    form = {
        "type": type,
        "waybill": waybill,
        "subject": subject,
        "category": category,
        "priority": priority,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
    }
    now = clock.now()
    try:
        data = TicketCreate.model_validate(
            {
                "type": type,
                "subject": subject,
                "waybills": [w for w in waybill.replace(",", " ").split() if w],
                "category": category or None,
                "priority": priority or "normal",
                "contact_name": contact_name,
                "contact_phone": contact_phone,
                "locale": page_locale(request, user),
            }
        )
        setup = clocks.load_setup(session, settings)
        ticket, _ = service.create_ticket(session, user, data, now, settings, setup)
        if data.type is TicketType.TRACE:
            searches.open_search_for_trace(session, ticket, now, setup, user)
    except (AppError, ValidationError) as exc:
        session.rollback()
        context = {"form": form, "error": _message(exc), **_words(page_locale(request, user))}
        return render(request, "desk/new.html", context, _status(exc))
    return RedirectResponse(f"/tickets/{ticket.number}", status_code=303)


# ----------------------------------------------------------------------------------------------
# The ticket page
# ----------------------------------------------------------------------------------------------


def _ticket_page(
    request: Request,
    user: User,
    session: Session,
    number: TicketNumber,
    now: datetime,
    settings: Settings,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = page_locale(request, user)
    setup = clocks.load_setup(session, settings)
    ticket = service.get_ticket(session, number)
    shown = ticket_out(session, ticket, setup, now, locale)
    parcels = []
    for wnumber in shown.waybills:
        waybill = repository.waybills_by_number(session, [wnumber])[wnumber]
        parcels.append(
            {
                "waybill": waybill,
                "tracking": tracking_view(
                    session, waybill, locale=locale, now=now, reveal=True, staff=True
                ),
                "problems": problems_of_waybill(session, waybill.id, now, locale),
                "lost_after": searches.lost_after(waybill, setup.rules),
            }
        )
    ticket_searches = [
        searches.search_out(session, s)
        for s in repository.searches_of(session, ticket_id=ticket.id)
    ]
    return render(
        request,
        "desk/ticket.html",
        {
            "t": shown,
            "parcels": parcels,
            "searches": ticket_searches,
            "claims": [claims.claim_out(session, c)
                       for c in repository.claims_of(session, ticket_id=ticket.id)],
            "callbacks": repository.callbacks_of(session, ticket.id),
            "scripts": scripts.for_ticket(session, ticket, now, locale,
                                          ZoneInfo(settings.timezone)),
            "next_statuses": sorted(TRANSITIONS[ticket.status], key=list(TicketStatus).index),
            "people": repository.staff_people(session),
            "units": network_repository.list_facilities(session),
            "error": error,
            **_words(locale),
        },
        status_code,
    )  # fmt: skip


@router.get("/tickets/{number}")
def ticket_page(
    number: TicketNumber,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    try:
        return _ticket_page(request, user, session, number[:20], clock.now(), settings)
    except AppError as exc:
        return _error_page(request, exc.message, exc.status_code)


def _after(
    request: Request,
    user: User,
    session: Session,
    number: TicketNumber,
    now: datetime,
    settings: Settings,
    work: Callable[[], Any],
) -> Response:
    try:
        work()
    except (AppError, ValidationError) as exc:
        session.rollback()
        return _ticket_page(
            request, user, session, number, now, settings, _message(exc), _status(exc)
        )
    return RedirectResponse(f"/tickets/{number}", status_code=303)


def _version(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@router.post("/tickets/{number}/reply")
def reply_submit(
    number: TicketNumber,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    body: Long = "",
    public: Annotated[str, Form(max_length=8)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    now = clock.now()

    def work() -> None:
        data = ReplyIn.model_validate(
            {"body": body, "public": public == "on", "status": status or None,
             "version": _version(version)}
        )  # fmt: skip
        service.reply(session, user, number, data, now, clocks.load_setup(session, settings))

    return _after(request, user, session, number, now, settings, work)


@router.post("/tickets/{number}/change")
def change_submit(
    number: TicketNumber,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    status: Annotated[str, Form(max_length=20)] = "",
    priority: Annotated[str, Form(max_length=16)] = "",
    category: Annotated[str, Form(max_length=16)] = "",
    responsible_unit: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    now = clock.now()

    def work() -> None:
        data = TicketChange.model_validate(
            {"version": _version(version) or 0, "status": status or None,
             "priority": priority or None, "category": category or None,
             "responsible_unit": responsible_unit or None, "reason": reason}
        )  # fmt: skip
        service.change_ticket(
            session, user, number, data, now, clocks.load_setup(session, settings)
        )

    return _after(request, user, session, number, now, settings, work)


@router.post("/tickets/{number}/transfer")
def transfer_submit(
    number: TicketNumber,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    target: Annotated[str, Form(max_length=80)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    override: Annotated[str, Form(max_length=8)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    now = clock.now()
    kind, _, value = target.partition(":")

    def work() -> None:
        data = TransferIn.model_validate(
            {"to_user": value if kind == "user" else None,
             "to_unit": value if kind == "unit" else None,
             "reason": reason, "override": override == "on", "version": _version(version)}
        )  # fmt: skip
        service.transfer(session, user, number, data, now, clocks.load_setup(session, settings))

    return _after(request, user, session, number, now, settings, work)


@router.post("/tickets/{number}/attachments")
def attachment_submit(
    number: TicketNumber,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    now = clock.now()
    data = file.file.read(settings.max_upload_bytes + 1)

    def work() -> None:
        ticket = service.get_ticket(session, number)
        attachments.add_attachment(session, ticket, user, file.filename or "file",
                                   file.content_type or "", data, now, settings)  # fmt: skip

    return _after(request, user, session, number, now, settings, work)


@router.post("/tickets/{number}/callback")
def callback_submit(
    number: TicketNumber,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    due: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    now = clock.now()
    tz = ZoneInfo(settings.timezone)

    def work() -> None:
        due_at = datetime.fromisoformat(due).replace(tzinfo=tz) if due else None
        data = CallbackIn(due_at=due_at, note=note)
        followups.add_callback(
            session, user, number, data, now, clocks.load_setup(session, settings)
        )

    return _after(request, user, session, number, now, settings, work)


@router.post("/callbacks/{callback_id}/done")
def callback_done_submit(
    callback_id: RecordId,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    outcome: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=40, pattern=r"^/(desk|tickets/T\d+)$")] = "/desk",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    try:
        followups.complete_callback(
            session, user, callback_id, CallbackDone(outcome=outcome), clock.now()
        )
    except (AppError, ValidationError) as exc:
        session.rollback()
        return _error_page(request, _message(exc), _status(exc))
    return RedirectResponse(next, status_code=303)


@router.post("/tickets/{number}/search")
def search_submit(
    number: TicketNumber,
    request: Request,
    user: DeskPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    now = clock.now()

    def work() -> None:
        ticket = service.get_ticket(session, number)
        setup = clocks.load_setup(session, settings)
        numbers = repository.waybill_numbers(session, [ticket.id])[ticket.id]
        if not numbers:
            raise ValidationFailed.on("waybill", "required", "the ticket has no waybill")
        parcel = repository.waybills_by_number(session, numbers[:1])[numbers[0]]
        searches.open_search(session, ticket, parcel, now, setup, user)

    return _after(request, user, session, number, now, settings, work)


@router.post("/searches/{search_id}/report")
def search_report_submit(
    search_id: RecordId,
    request: Request,
    user: SearchPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    outcome: Annotated[str, Form(max_length=12)] = "",
    looked: Annotated[str, Form(max_length=2000)] = "",
    facility: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=40, pattern=r"^/(desk|tickets/T\d+)$")] = "/desk",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    try:
        data = SearchReport.model_validate(
            {"outcome": outcome, "looked": looked, "facility": facility or None}
        )
        setup = clocks.load_setup(session, settings)
        searches.report(session, user, search_id, data, clock.now(), setup, settings)
    except (AppError, ValidationError) as exc:
        session.rollback()
        return _error_page(request, _message(exc), _status(exc))
    return RedirectResponse(next, status_code=303)


# ----------------------------------------------------------------------------------------------
# The public contact form
# ----------------------------------------------------------------------------------------------


@router.get("/help")
def help_page(
    request: Request, user: OptionalUser, waybill: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    locale = page_locale(request, user)
    return render(request, "desk/help.html", {"form": {"waybill": waybill}, **_words(locale)})


@router.post("/help")
def help_submit(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    waybill: Annotated[str, Form(max_length=40)] = "",
    phone_last4: Annotated[str, Form(max_length=8)] = "",
    type: Annotated[str, Form(max_length=16)] = "",
    category: Annotated[str, Form(max_length=16)] = "",
    message: Annotated[str, Form(max_length=5000)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """No captcha: a rate limit per address and the tracking page's phone check."""
    require_csrf(request, csrf_token)
    locale = page_locale(request, user)
    form = {"waybill": waybill, "type": type, "category": category, "message": message,
            "name": name, "phone": phone}  # fmt: skip
    now = clock.now()
    try:
        request.app.state.form_limiter.hit(request.client.host if request.client else "-", now)
        data = PublicTicketIn.model_validate(
            {"waybill": waybill, "phone_last4": phone_last4, "type": type,
             "category": category or None, "message": message, "name": name, "phone": phone,
             "locale": locale}
        )  # fmt: skip
        ticket, _ = service.open_public_ticket(session, data, now, settings)
    except (AppError, ValidationError) as exc:
        session.rollback()
        context = {"form": form, "error": _message(exc), **_words(locale)}
        return render(request, "desk/help.html", context, _status(exc))
    return render(request, "desk/help.html", {"done": ticket.number, "form": {}, **_words(locale)})
