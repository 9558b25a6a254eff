"""JSON API of the service desk: tickets, call-backs, searches, claims, scripts and the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from expressdesk import i18n
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
from expressdesk.desk.admin import set_rule
from expressdesk.desk.query import ticket_out
from expressdesk.desk.rules import DESK_RULES, Channel
from expressdesk.desk.schemas import (
    CallbackDone,
    CallbackIn,
    ClaimCreate,
    ClaimDecision,
    PublicTicketIn,
    ReplyIn,
    RuleOut,
    SearchReport,
    TicketChange,
    TicketCreate,
    TicketOut,
    TransferIn,
)
from expressdesk.enums import Role
from expressdesk.errors import NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import Claim, Search, TicketAttachment, User
from expressdesk.web.deps import Allow, ClockDep, RecordId, SessionDep, SettingsDep
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/tickets", tags=["service desk"])
desk_router = APIRouter(prefix=API_PREFIX, tags=["service desk"])
Desk = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]
DeskOrShipper = Annotated[
    User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.SHIPPER))
]
Supervisor = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR))]
Admin = Annotated[User, Depends(Allow(Role.ADMIN))]
SearchStaff = Annotated[
    User,
    Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.OPERATIONS, Role.COURIER)),
]
Public = Annotated[User | None, Depends(Allow.public_route())]
TicketNumber = Annotated[str, Field(min_length=2, max_length=20)]


def locale_of(request: Request, user: User | None) -> str:
    if user is not None and user.locale:
        return user.locale
    return i18n.negotiate(request.headers.get("accept-language"))


def _own_ticket(session: Any, user: User, number: str) -> Any:
    """The ticket, if the caller may see it: staff any; a shipper only their account's."""
    ticket = service.get_ticket(session, number)
    if user.role is Role.SHIPPER and (
        user.customer_id is None or ticket.customer_id != user.customer_id
    ):
        raise service.TicketNotFound(f"ticket {number} not found")  # no hint it exists
    return ticket


def open_ticket_for(
    session: Any, user: User, data: TicketCreate, now: datetime, settings: Settings,
    setup: clocks.DeskSetup, shipper_channel: Channel,
) -> tuple[Any, bool]:  # fmt: skip
    """Open a ticket as this user (a shipper: about their own parcels, on their own account);
    a trace request starts its search. Used by the API and the shipper portal."""
    if user.role is Role.SHIPPER:
        if user.customer_id is None:
            raise PermissionDenied("this user belongs to no customer account")
        own = repository.waybills_by_number(session, data.waybills)
        if any(w.customer_id != user.customer_id for w in own.values()):
            raise ValidationFailed.on("waybills", "not_yours", "a waybill is not your account's")
        data = data.model_copy(update={"channel": shipper_channel, "customer": None})
    ticket, merged = service.create_ticket(session, user, data, now, settings, setup)
    if user.role is Role.SHIPPER and ticket.customer_id is None:
        ticket.customer_id = user.customer_id
    if not merged and data.type.value == "trace":
        searches.open_search_for_trace(session, ticket, now, setup, user)
    return ticket, merged


@router.post("", response_model=TicketOut, status_code=201)
def open_ticket(
    data: TicketCreate,
    request: Request,
    user: DeskOrShipper,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """Open a ticket (a phone call, an e-mail typed in, an integration). A repeat call about
    the same parcel joins the open ticket: 200 with the call counted instead of 201."""
    now = clock.now()
    setup = clocks.load_setup(session, settings)
    ticket, merged = open_ticket_for(session, user, data, now, settings, setup, Channel.API)
    body = ticket_out(session, ticket, setup, now, locale_of(request, user),
                      public_only=user.role is Role.SHIPPER)  # fmt: skip
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if merged else 201)


@desk_router.post("/public/tickets", status_code=201)
def public_ticket(
    data: PublicTicketIn,
    request: Request,
    user: Public,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """The public web form: no captcha, a rate limit per address, and the phone check."""
    now = clock.now()
    request.app.state.form_limiter.hit(request.client.host if request.client else "unknown", now)
    ticket, merged = service.open_public_ticket(session, data, now, settings)
    return {"number": ticket.number, "merged": merged, "calls": ticket.calls}


@router.get("/{number}", response_model=TicketOut)
def show_ticket(
    number: TicketNumber,
    request: Request,
    user: DeskOrShipper,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TicketOut:
    """A ticket with each clock, its waybills and its trail (a shipper sees public entries)."""
    ticket = _own_ticket(session, user, number)
    setup = clocks.load_setup(session, settings)
    return ticket_out(session, ticket, setup, clock.now(), locale_of(request, user),
                      public_only=user.role is Role.SHIPPER)  # fmt: skip


@router.patch("/{number}", response_model=TicketOut)
def change_ticket(
    number: TicketNumber,
    data: TicketChange,
    request: Request,
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TicketOut:
    """Change status, priority, category or responsible unit; 409 if someone changed it since
    the version you saw."""
    now = clock.now()
    setup = clocks.load_setup(session, settings)
    ticket = service.change_ticket(session, user, number, data, now, setup)
    return ticket_out(session, ticket, setup, now, locale_of(request, user))


@router.post("/{number}/replies", response_model=TicketOut, status_code=201)
def reply_to_ticket(
    number: TicketNumber,
    data: ReplyIn,
    request: Request,
    user: DeskOrShipper,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TicketOut:
    """A public reply or an internal note (desk); a shipper's message on their own ticket."""
    now = clock.now()
    setup = clocks.load_setup(session, settings)
    if user.role is Role.SHIPPER:
        ticket = _own_ticket(session, user, number)
        service.customer_message(session, ticket, user.display_name, data.body, now, setup)
        return ticket_out(session, ticket, setup, now, locale_of(request, user), public_only=True)
    ticket, _ = service.reply(session, user, number, data, now, setup)
    return ticket_out(session, ticket, setup, now, locale_of(request, user))


@router.post("/{number}/attachments", status_code=201)
def attach_file(
    number: TicketNumber,
    user: DeskOrShipper,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    """Attach a file (evidence, a photo, a receipt) to the ticket."""
    ticket = _own_ticket(session, user, number)
    data = file.file.read(settings.max_upload_bytes + 1)
    stored = attachments.add_attachment(
        session, ticket, user, file.filename or "file", file.content_type or "", data,
        clock.now(), settings,
    )  # fmt: skip
    return {"id": stored.id, "name": stored.original_name, "size_bytes": stored.size_bytes,
            "url": f"/api/v1/tickets/{ticket.number}/attachments/{stored.id}"}  # fmt: skip


@router.get("/{number}/attachments/{attachment_id}")
def download_file(
    number: TicketNumber,
    attachment_id: RecordId,
    user: DeskOrShipper,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """A ticket's attached file, as a download."""
    ticket = _own_ticket(session, user, number)
    stored = session.get(TicketAttachment, attachment_id)
    if stored is None or stored.ticket_id != ticket.id:
        raise NotFound(f"attachment {attachment_id} not found on ticket {number}")
    return FileResponse(
        attachments.folder(settings) / stored.stored_name,
        media_type="application/octet-stream",
        filename=stored.original_name,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.post("/{number}/transfer", response_model=TicketOut)
def transfer_ticket(
    number: TicketNumber,
    data: TransferIn,
    request: Request,
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TicketOut:
    """Hand the ticket to one new owner (a person, or a unit's least-loaded person on duty)."""
    now = clock.now()
    setup = clocks.load_setup(session, settings)
    ticket = service.transfer(session, user, number, data, now, setup)
    return ticket_out(session, ticket, setup, now, locale_of(request, user))


@router.post("/{number}/callbacks", status_code=201)
def add_callback(
    number: TicketNumber,
    data: CallbackIn,
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Promise the customer a call back by a due time."""
    setup = clocks.load_setup(session, settings)
    callback = followups.add_callback(session, user, number, data, clock.now(), setup)
    return {"id": callback.id, "due_at": callback.due_at.isoformat(), "owner_id": callback.owner_id}


@desk_router.post("/callbacks/{callback_id}/done")
def callback_done(
    callback_id: RecordId, data: CallbackDone, user: Desk, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Record the call back's outcome."""
    callback = followups.complete_callback(session, user, callback_id, data, clock.now())
    return {"id": callback.id, "done_at": callback.done_at, "late": callback.late_at is not None}


@router.get("/{number}/scripts")
def ticket_scripts(
    number: TicketNumber,
    request: Request,
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> list[dict[str, str]]:
    """The scenario scripts with this ticket's parcel facts filled in, ready to insert."""
    ticket = service.get_ticket(session, number)
    tz = ZoneInfo(settings.timezone)
    return scripts.for_ticket(session, ticket, clock.now(), locale_of(request, user), tz)


@router.post("/{number}/searches", status_code=201)
def open_search(
    number: TicketNumber,
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    waybill: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Open a lost-parcel search (找件) for the ticket's parcel with the unit that last held it."""
    ticket = service.get_ticket(session, number)
    setup = clocks.load_setup(session, settings)
    numbers = repository.waybill_numbers(session, [ticket.id])[ticket.id]
    wanted = waybill or (numbers[0] if numbers else None)
    if wanted is None or wanted not in numbers:
        raise ValidationFailed.on("waybill", "not_on_ticket", "name one of the ticket's waybills")
    parcel = repository.waybills_by_number(session, [wanted])[wanted]
    search = searches.open_search(session, ticket, parcel, clock.now(), setup, user)
    return searches.search_out(session, search)


@desk_router.get("/searches/{search_id}")
def show_search(search_id: RecordId, user: SearchStaff, session: SessionDep) -> dict[str, Any]:
    """A search with its chain, owner, deadline and every step."""
    search = session.get(Search, search_id)
    if search is None:
        raise NotFound(f"search {search_id} not found")
    return searches.search_out(session, search)


@desk_router.post("/searches/{search_id}/report")
def report_search(
    search_id: RecordId,
    data: SearchReport,
    user: SearchStaff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """The owning unit reports where it looked: found (the parcel gets a scan) or not found
    (the search moves back one step in the chain, or to the supervisor)."""
    setup = clocks.load_setup(session, settings)
    search = searches.report(session, user, search_id, data, clock.now(), setup, settings)
    return searches.search_out(session, search)


@desk_router.post("/claims", status_code=201)
def open_claim(
    data: ClaimCreate, user: Desk, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> dict[str, Any]:
    """Register a claim; the policy computes the payable amount."""
    setup = clocks.load_setup(session, settings)
    claim = claims.create_claim(session, user, data, clock.now(), setup, settings)
    return claims.claim_out(session, claim)


@desk_router.get("/claims/{number}")
def show_claim(number: TicketNumber, user: DeskOrShipper, session: SessionDep) -> dict[str, Any]:
    """A claim with its amount, basis, status and bearer."""
    claim = repository.claim_by_number(session, number)
    if claim is None or (user.role is Role.SHIPPER and claim.customer_id != user.customer_id):
        raise claims.ClaimNotFound(f"claim {number} not found")
    return claims.claim_out(session, claim)


@desk_router.post("/claims/{number}/decision")
def decide_claim(
    number: TicketNumber,
    data: ClaimDecision,
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Approve, reject or mark paid (a supervisor above the approval threshold)."""
    setup = clocks.load_setup(session, settings)
    claim: Claim = claims.decide(session, user, number, data, clock.now(), setup)
    return claims.claim_out(session, claim)


@desk_router.get("/desk/rules", response_model=list[RuleOut])
def desk_rules(user: Desk, session: SessionDep, settings: SettingsDep) -> list[RuleOut]:
    """Every number the desk works by, with its source and the value in force."""
    setup = clocks.load_setup(session, settings)
    return [
        RuleOut(
            key=r.key,
            value=setup.rules.values[r.key],
            default=r.default,
            unit=r.unit,
            source=r.source,
            ceiling=r.ceiling,
            description=r.description,
        )
        for r in DESK_RULES.values()
    ]


class RuleIn(BaseModel):
    value: str = Field(max_length=64)


@desk_router.put("/desk/rules/{key}")
def change_rule(
    key: Annotated[str, Field(max_length=64)],
    data: RuleIn,
    user: Admin,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Change one rule (an admin); a regulatory limit can be tightened, never loosened."""
    value = set_rule(session, user, key, data.value, clock.now(), settings)
    return {"key": key, "value": value}
