"""The shipper portal's pages: home, ship (a quote before confirming), the address book, pickups,
tickets (read and reply), API keys (created, named, revoked; shown once, stored hashed). Every
page works on the caller's own account only: the account comes from the login, never the URL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Role
from expressdesk.errors import AppError, NotFound, ValidationFailed, first_problem
from expressdesk.models import Claim, Customer, Pickup, Problem, Ticket, User, Waybill
from expressdesk.pickups.rules import status_name
from expressdesk.portal import service
from expressdesk.portal.service import EntryIn
from expressdesk.waybills.phones import InvalidPhone, normalize_phone
from expressdesk.waybills.products import PRODUCTS
from expressdesk.web.deps import ClockDep, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, page_locale, render, require_csrf

router = APIRouter(include_in_schema=False)
Shipper = Annotated[User, Depends(PageAllow(Role.SHIPPER))]
CSRF = Annotated[str, Form()]


def _status(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, AppError) else 422


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return first_problem(exc)
    if isinstance(exc, AppError):
        return exc.message
    raise exc


def _account(session: Session, user: User) -> Customer:
    return service.account_of(session, user)


@router.get("/portal")
def portal_home(request: Request, user: Shipper, session: SessionDep, clock: ClockDep) -> Response:
    """The shipper's start page: counts that need attention and where to go."""
    customer = _account(session, user)
    since = clock.now() - timedelta(days=30)
    waybills = session.scalars(select(Waybill).where(Waybill.customer_id == customer.id)
                               .order_by(Waybill.created_at.desc()).limit(10)).all()  # fmt: skip
    problems = session.execute(
        select(Problem, Waybill.number).join(Waybill, Waybill.id == Problem.waybill_id)
        .where(Waybill.customer_id == customer.id, Problem.status == "open")
        .order_by(Problem.detected_at.desc()).limit(20)
    ).all()  # fmt: skip
    tickets = session.scalars(select(Ticket).where(Ticket.customer_id == customer.id,
                                                   Ticket.received_at >= since)
                              .order_by(Ticket.received_at.desc()).limit(20)).all()  # fmt: skip
    claims = session.scalars(select(Claim).where(Claim.customer_id == customer.id)
                             .order_by(Claim.created_at.desc()).limit(20)).all()  # fmt: skip
    from expressdesk.desk.compensation import CLAIM_KIND_NAMES
    from expressdesk.desk.rules import name_of
    from expressdesk.problems.rules import PROBLEM_KINDS
    from expressdesk.web.pages import page_locale

    locale = page_locale(request, user)
    zh = locale == "zh_CN"
    words = {
        "name_of": lambda v: name_of(v, locale),
        "problem_name": lambda t: getattr(PROBLEM_KINDS[t], "name_zh" if zh else "name_en"),
        "claim_kind": lambda k: CLAIM_KIND_NAMES[k][0 if zh else 1],
    }
    return render(request, "portal/home.html", {"customer": customer, "waybills": waybills,
                  "problems": problems, "tickets": tickets, "claims": claims, **words})  # fmt: skip


# ------------------------------------------------------------------------------ ship (create)


def _ship_context(session: Session, customer: Customer, form: dict[str, str]) -> dict[str, Any]:
    book = service.entries(session, customer)
    return {"customer": customer, "form": form, "book": book, "products": list(PRODUCTS.values()),
            "senders": [e for e in book if e.kind == "sender"],
            "recipients": [e for e in book if e.kind == "recipient"]}  # fmt: skip


def full_address(customer: Customer) -> str:
    """The account's address as one line (the stored street may already carry the region)."""
    region = f"{customer.province}{customer.city}{customer.district}"
    if customer.province and customer.address.startswith(customer.province):
        return customer.address
    return f"{region}{customer.address}"


def _defaults(session: Session, customer: Customer) -> dict[str, str]:
    sender = next((e for e in service.entries(session, customer)
                   if e.kind == "sender" and e.is_default), None)  # fmt: skip
    if sender is None:
        return {"sender_name": customer.contact_name, "sender_phone": customer.phone,
                "sender_address": full_address(customer), "product": "standard"}  # fmt: skip
    return {"sender_name": sender.name, "sender_phone": sender.phone,
            "sender_address": sender.address, "product": "standard"}  # fmt: skip


@router.get("/portal/ship")
def ship_page(request: Request, user: Shipper, session: SessionDep) -> Response:
    customer = _account(session, user)
    context = _ship_context(session, customer, _defaults(session, customer))
    return render(request, "portal/ship.html", context)


def _waybill_request(form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sender": {"name": form["sender_name"], "phone": form["sender_phone"],
                   "address": form["sender_address"]},
        "recipient": {"name": form["recipient_name"], "phone": form["recipient_phone"],
                      "address": form["recipient_address"]},
        "weight_kg": form["weight_kg"], "contents": form.get("contents", ""),
        "product": form.get("product") or "standard",
    }  # fmt: skip
    for key in ("cod_amount", "declared_value"):
        if form.get(key):
            body[key] = form[key]
    if form.get("order_ref"):
        body["order_ref"] = form["order_ref"]
    return body


@router.post("/portal/ship")
def ship_submit(
    request: Request, user: Shipper, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    sender_name: Annotated[str, Form(max_length=100)] = "",
    sender_phone: Annotated[str, Form(max_length=20)] = "",
    sender_address: Annotated[str, Form(max_length=300)] = "",
    recipient_name: Annotated[str, Form(max_length=100)] = "",
    recipient_phone: Annotated[str, Form(max_length=20)] = "",
    recipient_address: Annotated[str, Form(max_length=300)] = "",
    weight_kg: Annotated[str, Form(max_length=10)] = "",
    contents: Annotated[str, Form(max_length=200)] = "",
    product: Annotated[str, Form(max_length=16)] = "standard",
    cod_amount: Annotated[str, Form(max_length=12)] = "",
    declared_value: Annotated[str, Form(max_length=12)] = "",
    order_ref: Annotated[str, Form(max_length=64)] = "",
    step: Annotated[str, Form(max_length=8)] = "quote",
    csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    """``step=quote`` prices the shipment (the same rules as billing, the account's contract);
    ``step=create`` makes the waybill. The order number makes a double submit safe."""
    from expressdesk.waybills.api import _quote_out
    from expressdesk.waybills.schemas import QuoteRequest, WaybillCreate
    from expressdesk.waybills.service import create_waybill, quote_price

    require_csrf(request, csrf_token)
    customer = _account(session, user)
    form = {"sender_name": sender_name, "sender_phone": sender_phone,
            "sender_address": sender_address, "recipient_name": recipient_name,
            "recipient_phone": recipient_phone, "recipient_address": recipient_address,
            "weight_kg": weight_kg, "contents": contents, "product": product,
            "cod_amount": cod_amount, "declared_value": declared_value,
            "order_ref": order_ref}  # fmt: skip
    context = _ship_context(session, customer, form)
    try:
        for name in ("sender", "recipient"):
            try:
                normalize_phone(form[f"{name}_phone"])
            except InvalidPhone as exc:
                raise ValidationFailed.on(f"{name}.phone", "phone", str(exc)) from None
        request_body = _waybill_request(form)
        quote_in = QuoteRequest.model_validate({
            "product": request_body["product"], "origin": sender_address or "-",
            "destination": recipient_address or "-", "weight_kg": weight_kg or "0",
            **{k: form[k] for k in ("cod_amount", "declared_value") if form[k]},
        })  # fmt: skip
        card, q = quote_price(session, quote_in, user)
        context["quote"] = _quote_out(card, q)
        if step == "create":
            data = WaybillCreate.model_validate(request_body)
            made = create_waybill(session, data, user, clock.now(), settings)
            session.commit()
            return RedirectResponse(f"/waybills/{made.waybill.number}?created=1", status_code=303)
    except (ValidationError, AppError) as exc:
        session.rollback()
        context["error"] = _problem(exc)
        return render(request, "portal/ship.html", context, _status(exc))
    return render(request, "portal/ship.html", context)


# --------------------------------------------------------------------------- the address book


@router.get("/portal/addresses")
def addresses_page(request: Request, user: Shipper, session: SessionDep) -> Response:
    customer = _account(session, user)
    return render(request, "portal/addresses.html",
                  {"entries": service.entries(session, customer), "form": {}})  # fmt: skip


@router.post("/portal/addresses")
def addresses_add(
    request: Request, user: Shipper, session: SessionDep, clock: ClockDep,
    kind: Annotated[str, Form(max_length=10)] = "recipient",
    label: Annotated[str, Form(max_length=50)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    is_default: Annotated[str, Form(max_length=3)] = "", csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    require_csrf(request, csrf_token)
    customer = _account(session, user)
    form = {"kind": kind, "label": label, "name": name, "phone": phone, "address": address}
    try:
        data = EntryIn(kind=kind, label=label, name=name, phone=phone, address=address,
                       is_default=is_default == "yes")  # fmt: skip
        service.add_entry(session, customer, data, clock.now())
        session.commit()
    except (ValidationError, AppError) as exc:
        session.rollback()
        return render(request, "portal/addresses.html", {
            "entries": service.entries(session, customer), "form": form, "error": _problem(exc)},
            _status(exc))  # fmt: skip
    return RedirectResponse("/portal/addresses", status_code=303)


@router.post("/portal/addresses/{entry_id}/delete")
def addresses_delete(
    entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, user: Shipper,
    session: SessionDep, csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    require_csrf(request, csrf_token)
    service.remove_entry(session, _account(session, user), entry_id)
    session.commit()
    return RedirectResponse("/portal/addresses", status_code=303)


# ------------------------------------------------------------------------------------ pickups


@router.get("/portal/pickups")
def pickups_page(request: Request, user: Shipper, session: SessionDep, clock: ClockDep,
                 settings: SettingsDep) -> Response:  # fmt: skip
    return _pickups_page(request, session, user, clock.now(), settings, {})


def _pickups_page(request: Request, session: Session, user: User, now: datetime,
                  settings: Settings, form: dict[str, str], error: str = "",
                  status: int = 200) -> Response:  # fmt: skip
    customer = _account(session, user)
    rows = session.scalars(select(Pickup).where(Pickup.customer_id == customer.id)
                           .order_by(Pickup.window_start.desc()).limit(100)).all()  # fmt: skip
    tz = ZoneInfo(settings.timezone)
    tomorrow = (now.astimezone(tz) + timedelta(days=1)).date()
    return render(request, "portal/pickups.html", {
        "pickups": rows, "form": form, "error": error, "default_day": tomorrow.isoformat(),
        "senders": [e for e in service.entries(session, customer) if e.kind == "sender"],
        "customer": customer, "address": full_address(customer),
        "pickup_status": lambda status: status_name(status, page_locale(request, user)),
    }, status)  # fmt: skip


@router.post("/portal/pickups")
def pickups_book(
    request: Request, user: Shipper, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    day: Annotated[str, Form(max_length=10)] = "", start: Annotated[str, Form(max_length=5)] = "",
    end: Annotated[str, Form(max_length=5)] = "",
    contact_name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    parcels: Annotated[str, Form(max_length=4)] = "1",
    request_id: Annotated[str, Form(max_length=64)] = "", csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    from expressdesk.pickups import service as pickups
    from expressdesk.pickups.schemas import PickupCreate

    require_csrf(request, csrf_token)
    now = clock.now()
    form = {"day": day, "start": start, "end": end, "contact_name": contact_name, "phone": phone,
            "address": address, "parcels": parcels}  # fmt: skip
    tz = ZoneInfo(settings.timezone)
    try:
        try:
            window_start = datetime.fromisoformat(f"{day}T{start}").replace(tzinfo=tz)
            window_end = datetime.fromisoformat(f"{day}T{end}").replace(tzinfo=tz)
        except ValueError:
            raise ValidationFailed.on(
                "day", "format", "a day like 2026-12-01 and times like 09:00"
            ) from None
        data = PickupCreate(request_id=request_id or None, contact_name=contact_name, phone=phone,
                            address=address, window_start=window_start, window_end=window_end,
                            parcels=int(parcels) if parcels.isdigit() else 0)  # fmt: skip
        pickups.book(session, data, user, now, settings)
        session.commit()
    except (ValidationError, AppError) as exc:
        session.rollback()
        return _pickups_page(
            request, session, user, now, settings, form, _problem(exc), _status(exc)
        )
    return RedirectResponse("/portal/pickups", status_code=303)


# ------------------------------------------------------------------------------------ tickets


SHIPPER_TICKET_TYPES = ("inquiry", "trace", "urging", "complaint", "suggestion")


def _tickets_page(request: Request, session: Session, user: User, form: dict[str, str],
                  error: str = "", status: int = 200) -> Response:  # fmt: skip
    from expressdesk.desk.rules import ComplaintCategory, TicketType, name_of
    from expressdesk.web.pages import page_locale

    locale = page_locale(request, user)
    rows = session.scalars(select(Ticket).where(Ticket.customer_id == user.customer_id)
                           .order_by(Ticket.received_at.desc()).limit(200)).all()  # fmt: skip
    return render(request, "portal/tickets.html", {
        "tickets": rows, "form": form, "error": error,
        "types": [(t, name_of(TicketType(t), locale)) for t in SHIPPER_TICKET_TYPES],
        "categories": [(c.value, name_of(c, locale)) for c in ComplaintCategory],
        "name_of": lambda v: name_of(v, locale),
    }, status)  # fmt: skip


@router.get("/portal/tickets")
def tickets_page(request: Request, user: Shipper, session: SessionDep) -> Response:
    """The account's tickets, and a form to open one about its parcels."""
    return _tickets_page(request, session, user, {})


@router.post("/portal/tickets")
def tickets_open(
    request: Request, user: Shipper, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    type: Annotated[str, Form(max_length=16)] = "inquiry",
    subject: Annotated[str, Form(max_length=200)] = "",
    waybill: Annotated[str, Form(max_length=40)] = "",
    category: Annotated[str, Form(max_length=24)] = "",
    description: Annotated[str, Form(max_length=10_000)] = "", csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    from expressdesk.desk.api import open_ticket_for
    from expressdesk.desk.clocks import load_setup
    from expressdesk.desk.rules import Channel
    from expressdesk.desk.schemas import TicketCreate

    require_csrf(request, csrf_token)
    form = {"type": type, "subject": subject, "waybill": waybill, "category": category,
            "description": description}  # fmt: skip
    now = clock.now()
    try:
        if type not in SHIPPER_TICKET_TYPES:
            raise ValidationFailed.on("type", "one_of", ", ".join(SHIPPER_TICKET_TYPES))
        data = TicketCreate.model_validate({
            "type": type, "subject": subject, "description": description,
            "waybills": [waybill.strip()] if waybill.strip() else [],
            "category": category or None, "contact_name": user.display_name,
        })  # fmt: skip
        setup = load_setup(session, settings)
        ticket, _merged = open_ticket_for(session, user, data, now, settings, setup, Channel.WEB)
        session.commit()
    except (ValidationError, AppError) as exc:
        session.rollback()
        return _tickets_page(request, session, user, form, _problem(exc), _status(exc))
    return RedirectResponse(f"/portal/tickets/{ticket.number}", status_code=303)


def _own_ticket(session: Session, user: User, number: str) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or ticket.customer_id != user.customer_id:
        raise NotFound(f"ticket {number} not found")  # another account's: not disclosed
    return ticket


@router.get("/portal/tickets/{number}")
def ticket_page(number: Annotated[str, Path(max_length=20)], request: Request, user: Shipper,
                session: SessionDep) -> Response:  # fmt: skip
    ticket = _own_ticket(session, user, number)
    entries = [e for e in ticket.entries if e.public]
    return render(request, "portal/ticket.html", {"ticket": ticket, "entries": entries})


@router.post("/portal/tickets/{number}/reply")
def ticket_reply(
    number: Annotated[str, Path(max_length=20)], request: Request, user: Shipper,
    session: SessionDep, clock: ClockDep, settings: SettingsDep,
    body: Annotated[str, Form(max_length=10_000)] = "", csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    from expressdesk.desk import service as desk
    from expressdesk.desk.clocks import load_setup

    require_csrf(request, csrf_token)
    ticket = _own_ticket(session, user, number)
    if len(body.strip()) < 2:
        entries = [e for e in ticket.entries if e.public]
        return render(request, "portal/ticket.html", {"ticket": ticket, "entries": entries,
                      "error": "body: write your message"}, 422)  # fmt: skip
    setup = load_setup(session, settings)
    desk.customer_message(session, ticket, user.display_name, body.strip(), clock.now(), setup)
    session.commit()
    return RedirectResponse(f"/portal/tickets/{number}", status_code=303)


# ----------------------------------------------------------------------------------- API keys


@router.get("/portal/keys")
def keys_page(request: Request, user: Shipper, session: SessionDep) -> Response:
    from expressdesk.staff import repository

    return render(request, "portal/keys.html", {"tokens": repository.tokens_of(session, user.id)})


@router.post("/portal/keys")
def keys_create(
    request: Request, user: Shipper, session: SessionDep, clock: ClockDep,
    name: Annotated[str, Form(max_length=100)] = "", csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    from expressdesk.staff import repository
    from expressdesk.staff.service import create_api_token

    require_csrf(request, csrf_token)
    if len(name.strip()) < 2:
        return render(request, "portal/keys.html", {
            "tokens": repository.tokens_of(session, user.id),
            "error": "name: give the key a name (2 characters or more)"}, 422)  # fmt: skip
    record, token = create_api_token(session, user, name.strip(), clock.now())
    session.commit()
    # The key is shown this once; only its hash is kept.
    context = {"tokens": repository.tokens_of(session, user.id), "new_token": token,
               "new_name": record.name}  # fmt: skip
    return render(request, "portal/keys.html", context)


@router.post("/portal/keys/{token_id}/revoke")
def keys_revoke(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, user: Shipper,
    session: SessionDep, clock: ClockDep, csrf_token: CSRF = "",
) -> Response:  # fmt: skip
    from expressdesk.staff.service import revoke_api_token

    require_csrf(request, csrf_token)
    revoke_api_token(session, user, token_id, clock.now())
    session.commit()
    return RedirectResponse("/portal/keys", status_code=303)
