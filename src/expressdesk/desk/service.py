"""Tickets (工单): opening them from any channel, one owner at a time, replies and notes, status
changes under the clocks, call-backs, and the sweep that warns, breaches and escalates.

Flushes, never commits. Every change is checked against the version the caller saw (409 on a
stale one) and leaves an entry in the ticket's trail.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import repository
from expressdesk.desk.assign import choose_owner
from expressdesk.desk.clocks import DeskSetup, load_setup, refresh
from expressdesk.desk.rules import (
    DONE,
    PAUSED,
    TRANSITIONS,
    Channel,
    Priority,
    TicketStatus,
    TicketType,
    Tier,
)
from expressdesk.desk.schemas import (
    PublicTicketIn,
    ReplyIn,
    TicketChange,
    TicketCreate,
    TransferIn,
)
from expressdesk.enums import Role
from expressdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import Customer, Ticket, TicketEntry, TicketWaybill, User, Waybill
from expressdesk.waybills.service import check_waybill_number

DESK_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})
SUPERVISING = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Repeat calls about one parcel join the open ticket for these types (seed 002: 催件 three times).
MERGED_TYPES = frozenset({TicketType.URGING, TicketType.TRACE, TicketType.INQUIRY})
# On this many calls the ticket's priority goes up one step.
CALLS_TO_RAISE = 3


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class TicketChanged(Conflict):
    code = "ticket_changed"


class IllegalTicketStatus(Conflict):
    code = "illegal_status_change"


class NobodyOnDuty(Conflict):
    code = "nobody_on_duty"


def _open_period(periods: list[list[str | None]], now: datetime) -> list[list[str | None]]:
    if periods and periods[-1][1] is None:
        return periods
    return [*periods, [now.isoformat(), None]]


def _close_period(periods: list[list[str | None]], now: datetime) -> list[list[str | None]]:
    if periods and periods[-1][1] is None:
        return [*periods[:-1], [periods[-1][0], now.isoformat()]]
    return periods


# ----------------------------------------------------------------------------------------------
# Trail
# ----------------------------------------------------------------------------------------------


def add_entry(
    session: Session,
    ticket: Ticket,
    kind: str,
    now: datetime,
    actor: User | None,
    *,
    body: str = "",
    public: bool = False,
    author: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEntry:
    entry = TicketEntry(
        ticket=ticket,
        kind=kind,
        public=public,
        actor_id=actor.id if actor else None,
        author=author,
        body=body,
        data=data or {},
        at=now,
    )
    session.add(entry)
    ticket.changed_at = now
    return entry


def _name(user: User | None) -> str | None:
    return user.username if user else None


# ----------------------------------------------------------------------------------------------
# Opening a ticket
# ----------------------------------------------------------------------------------------------


def _waybills(session: Session, numbers: list[str], settings: Settings) -> list[Waybill]:
    cleaned: list[str] = []
    for i, raw in enumerate(numbers):
        cleaned.append(check_waybill_number(raw, settings, field_name=f"waybills[{i}]"))
    found = repository.waybills_by_number(session, cleaned)
    for i, number in enumerate(cleaned):
        if number not in found:
            raise ValidationFailed.on(f"waybills[{i}]", "unknown_waybill", f"no waybill {number}")
    return [found[n] for n in dict.fromkeys(cleaned)]


def _customer(session: Session, data: TicketCreate, waybills: list[Waybill]) -> Customer | None:
    if data.customer:
        customer = repository.customer_by_code(session, data.customer)
        if customer is None:
            raise ValidationFailed.on(
                "customer", "unknown_customer", f"no customer {data.customer}"
            )
        return customer
    for w in waybills:
        if w.customer_id is not None:
            return session.get(Customer, w.customer_id)
    return None


def _assign_new(session: Session, ticket: Ticket, waybills: list[Waybill]) -> int | None:
    outlet = next((w.dest_facility_id for w in waybills if w.dest_facility_id), None)
    people = repository.candidates(session, [Role.AGENT])
    if not people:
        people = repository.candidates(session, SUPERVISING)
    return choose_owner(
        people, ticket_type=ticket.type.value, facility_id=outlet, locale=ticket.locale
    )


def _raise(priority: Priority) -> Priority:
    order = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
    return order[min(order.index(priority) + 1, len(order) - 1)]


def create_ticket(
    session: Session,
    actor: User | None,
    data: TicketCreate,
    now: datetime,
    settings: Settings,
    setup: DeskSetup,
) -> tuple[Ticket, bool]:
    """Open a ticket, or add the call to the open one about the same parcel (催件 three times
    in a day is one ticket with three calls). Returns (ticket, merged)."""
    if data.type is TicketType.COMPLAINT and data.category is None:
        raise ValidationFailed.on(
            "category", "required", "a complaint needs its category (delay, loss, damage, …)"
        )
    if data.channel is Channel.REGULATOR and data.type is not TicketType.COMPLAINT:
        raise ValidationFailed.on("type", "appeal_is_complaint", "an appeal (申诉) is a complaint")
    received = data.received_at or now
    if received.tzinfo is None:
        raise ValidationFailed.on("received_at", "offset_required", "give the time with its offset")
    if received > now + timedelta(minutes=5):
        raise ValidationFailed.on("received_at", "in_future", "cannot be in the future")
    if not (data.contact_phone or data.contact_email or data.customer or actor):
        raise ValidationFailed.on("contact_phone", "required", "say how to reach the customer")
    waybills = _waybills(session, data.waybills, settings)
    if data.type in MERGED_TYPES and waybills and data.channel is not Channel.REGULATOR:
        window = timedelta(hours=setup.rules.number("merge.urging_window_hours"))
        existing = repository.mergeable_ticket(session, waybills[0].id, data.type, now - window)
        if existing is not None:
            existing.calls += 1
            existing.last_call_at = now
            if existing.calls == CALLS_TO_RAISE:
                existing.priority = _raise(existing.priority)
            add_entry(
                session,
                existing,
                "call",
                now,
                actor,
                body=data.description or data.subject,
                author=data.contact_name or data.contact_phone,
                data={"calls": existing.calls, "channel": data.channel.value},
            )
            if existing.first_response_at is not None and existing.awaiting_reply_since is None:
                existing.awaiting_reply_since = now
            refresh(existing, setup, now)
            session.flush()
            return existing, True
    customer = _customer(session, data, waybills)
    serial = repository.next_serial(session, "ticket")
    ticket = Ticket(
        number=f"T{serial}",
        type=data.type,
        status=TicketStatus.NEW,
        channel=data.channel,
        priority=data.priority,
        tier=Tier.KEY if customer and customer.tier == Tier.KEY.value else Tier.REGULAR,
        subject=data.subject,
        category=data.category,
        customer_id=customer.id if customer else None,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
        locale=data.locale,
        created_by_id=actor.id if actor else None,
        received_at=received,
        last_call_at=received,
        pauses=[],
        done_periods=[],
        breached=[],
        warned=[],
        mail_key=secrets.token_hex(12),
        changed_at=now,
        calls=1,
    )
    session.add(ticket)
    for w in waybills:
        ticket.waybill_links.append(TicketWaybill(waybill_id=w.id))
    session.flush()
    ticket.owner_id = _assign_new(session, ticket, waybills)
    add_entry(
        session,
        ticket,
        "created",
        now,
        actor,
        body=data.description,
        public=True,
        author=data.contact_name or data.contact_email or data.contact_phone,
        data={"channel": data.channel.value, "owner": ticket.owner_id},
    )
    refresh(ticket, setup, now)
    session.flush()
    return ticket, False


def open_public_ticket(
    session: Session, data: PublicTicketIn, now: datetime, settings: Settings
) -> tuple[Ticket, bool]:
    """The public web form: the visitor proves they know the parcel (last four digits of its
    sender's or recipient's phone, as on the tracking page) before a ticket is opened."""
    from expressdesk.tracking.access import visibility

    number = check_waybill_number(data.waybill, settings, field_name="waybill")
    waybill = repository.waybills_by_number(session, [number]).get(number)
    if waybill is None or not visibility(None, waybill, data.phone_last4).reveal:
        # One answer for both: the form must not reveal which waybills exist.
        raise ValidationFailed.on(
            "phone_last4", "no_match", "the waybill and the phone's last four digits do not match"
        )
    create = TicketCreate(
        type=TicketType(data.type),
        subject=data.message[:60].ljust(2, "."),
        description=data.message,
        waybills=[number],
        channel=Channel.WEB,
        category=data.category,
        contact_name=data.name,
        contact_phone=data.phone,
        contact_email=data.email,
        locale=data.locale,
    )
    return create_ticket(session, None, create, now, settings, load_setup(session, settings))


# ----------------------------------------------------------------------------------------------
# Working a ticket
# ----------------------------------------------------------------------------------------------


def get_ticket(session: Session, number: str) -> Ticket:
    ticket = repository.ticket_by_number(session, number)
    if ticket is None:
        raise TicketNotFound(f"ticket {number} not found")
    return ticket


def for_change(session: Session, number: str, version: int | None) -> Ticket:
    """The ticket, locked for this change, checked against the version the caller saw."""
    ticket = repository.ticket_by_number(session, number, lock=True)
    if ticket is None:
        raise TicketNotFound(f"ticket {number} not found")
    if version is not None and version != ticket.version:
        changed = [
            f"{e.kind} by {_who(session, e)}"
            for e in ticket.entries
            if e.data.get("version_after", 0) > version
        ]
        what = f": {', '.join(changed)}" if changed else ""
        raise TicketChanged(
            f"ticket {ticket.number} was changed by someone else since you opened it "
            f"(version {ticket.version}, you saw {version}){what}; reload it and try again"
        )
    return ticket


def _who(session: Session, entry: TicketEntry) -> str:
    if entry.actor_id is not None:
        user = session.get(User, entry.actor_id)
        return user.username if user else str(entry.actor_id)
    return entry.author or "the system"


def _stamp(entry: TicketEntry, ticket: Ticket) -> None:
    # The version the ticket will have after this change: a 409 lists what came after.
    entry.data = {**entry.data, "version_after": ticket.version + 1}


def set_status(
    session: Session, ticket: Ticket, new: TicketStatus, now: datetime, actor: User | None,
    reason: str = "",
) -> TicketEntry | None:  # fmt: skip
    """Move the ticket to ``new`` if the table allows it, keeping the pauses and done periods."""
    old = ticket.status
    if new == old:
        return None
    if new not in TRANSITIONS[old]:
        raise IllegalTicketStatus(
            f"status: a ticket that is {old.value} cannot become {new.value} "
            f"(allowed: {', '.join(sorted(s.value for s in TRANSITIONS[old])) or 'none'})"
        )
    if new in PAUSED:
        ticket.pauses = _open_period(ticket.pauses, now)
    elif old in PAUSED:
        ticket.pauses = _close_period(ticket.pauses, now)
    if new is TicketStatus.RESOLVED:
        ticket.resolved_at = now
        ticket.done_periods = _open_period(ticket.done_periods, now)
        ticket.awaiting_reply_since = None
    elif new is TicketStatus.CLOSED:
        ticket.closed_at = now
    elif new is TicketStatus.REOPENED:
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.done_periods = _close_period(ticket.done_periods, now)
    ticket.status = new
    return add_entry(
        session, ticket, "status", now, actor, body=reason,
        data={"from": old.value, "to": new.value},
    )  # fmt: skip


def change_ticket(
    session: Session, actor: User, number: str, data: TicketChange, now: datetime, setup: DeskSetup
) -> Ticket:
    """Change fields and status; every change lands in the trail."""
    ticket = for_change(session, number, data.version)
    changes: dict[str, list[str | None]] = {}
    if data.priority is not None and data.priority != ticket.priority:
        changes["priority"] = [ticket.priority.value, data.priority.value]
        ticket.priority = data.priority
    if data.category is not None and data.category != ticket.category:
        changes["category"] = [ticket.category.value if ticket.category else None, data.category]
        ticket.category = data.category
    if data.subject is not None and data.subject != ticket.subject:
        changes["subject"] = [ticket.subject, data.subject]
        ticket.subject = data.subject
    if data.responsible_unit is not None:
        unit = repository.facility_by_code(session, data.responsible_unit)
        if unit is None:
            raise ValidationFailed.on(
                "responsible_unit", "unknown_facility", f"no facility {data.responsible_unit}"
            )
        if unit.id != ticket.responsible_facility_id:
            old = repository.facility_codes(session, [ticket.responsible_facility_id])
            changes["responsible_unit"] = [old.get(ticket.responsible_facility_id or 0), unit.code]
            ticket.responsible_facility_id = unit.id
    entries = []
    if changes:
        entries.append(
            add_entry(
                session, ticket, "changed", now, actor, body=data.reason, data={"changes": changes}
            )
        )
    if data.status is not None:
        resolving = data.status is TicketStatus.RESOLVED
        if resolving and ticket.type is TicketType.COMPLAINT and ticket.category is None:
            raise ValidationFailed.on("category", "required", "a complaint needs a category")
        entry = set_status(session, ticket, data.status, now, actor, data.reason)
        if entry is not None:
            entries.append(entry)
            if data.status is TicketStatus.RESOLVED:
                _resolved(session, ticket, now, setup)
    if not entries:
        raise ValidationFailed.on("status", "no_change", "nothing to change")
    for e in entries:
        _stamp(e, ticket)
    refresh(ticket, setup, now)
    session.flush()
    return ticket


def reply(
    session: Session, actor: User, number: str, data: ReplyIn, now: datetime, setup: DeskSetup
) -> tuple[Ticket, TicketEntry]:
    """A public reply (stops the first / next response clock) or an internal note."""
    ticket = for_change(session, number, data.version)
    entry = add_entry(
        session, ticket, "reply" if data.public else "note", now, actor, body=data.body,
        public=data.public,
    )  # fmt: skip
    if data.public:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.awaiting_reply_since = None
        if ticket.status in (TicketStatus.NEW, TicketStatus.REOPENED) and data.status is None:
            set_status(session, ticket, TicketStatus.OPEN, now, actor)
    if data.status is not None:
        set_status(session, ticket, data.status, now, actor)
    _stamp(entry, ticket)
    refresh(ticket, setup, now)
    session.flush()
    if data.public:
        from expressdesk.notify.events import on_ticket_reply  # notify builds on the desk

        on_ticket_reply(session, ticket, entry.id, data.body, now, setup.settings)
    if data.status is TicketStatus.RESOLVED:
        _resolved(session, ticket, now, setup)
    return ticket, entry


def _resolved(session: Session, ticket: Ticket, now: datetime, setup: DeskSetup) -> None:
    from expressdesk.notify.events import on_ticket_resolved

    on_ticket_resolved(session, ticket, now, setup.settings)


def customer_message(
    session: Session,
    ticket: Ticket,
    author: str,
    body: str,
    now: datetime,
    setup: DeskSetup,
    *,
    data: dict[str, Any] | None = None,
) -> TicketEntry:
    """The customer wrote (e-mail, web): the next-response clock starts, a waiting ticket opens
    again and a resolved or closed one is reopened."""
    entry = add_entry(
        session, ticket, "customer", now, None, body=body, public=True, author=author,
        data=data or {},
    )  # fmt: skip
    if ticket.first_response_at is not None and ticket.awaiting_reply_since is None:
        ticket.awaiting_reply_since = now
    if ticket.status is TicketStatus.WAITING_CUSTOMER:
        set_status(session, ticket, TicketStatus.OPEN, now, None)
    elif ticket.status in DONE:
        set_status(session, ticket, TicketStatus.REOPENED, now, None, "the customer wrote again")
    _stamp(entry, ticket)
    refresh(ticket, setup, now)
    session.flush()
    return entry


def transfer(
    session: Session, actor: User, number: str, data: TransferIn, now: datetime, setup: DeskSetup
) -> Ticket:
    """Give the ticket to one new owner, with who, when and why on the trail. A unit with nobody
    on duty takes it only on a supervisor's override."""
    if (data.to_user is None) == (data.to_unit is None):
        raise ValidationFailed.on("to_user", "one_target", "give either to_user or to_unit")
    ticket = for_change(session, number, data.version)
    override = False
    if data.to_user is not None:
        target = repository.user_by_username(session, data.to_user)
        if target is None or not target.is_active or target.role is Role.SHIPPER:
            raise ValidationFailed.on(
                "to_user", "unknown_user", f"no active staff '{data.to_user}'"
            )
        if not target.on_duty:
            if not (data.override and actor.role in SUPERVISING):
                raise NobodyOnDuty(f"{target.username} is not on duty; a supervisor may override")
            override = True
        owner_id: int | None = target.id
        unit_code: str | None = None
    else:
        unit = repository.facility_by_code(session, data.to_unit or "")
        if unit is None:
            raise ValidationFailed.on("to_unit", "unknown_facility", f"no facility {data.to_unit}")
        staff_roles = [r for r in Role if r is not Role.SHIPPER]
        on_duty = repository.candidates(session, staff_roles, facility_id=unit.id)
        if not on_duty:
            if not data.override:
                raise NobodyOnDuty(
                    f"nobody at {unit.code} is on duty; a supervisor may transfer with override"
                )
            if actor.role not in SUPERVISING:
                raise PermissionDenied("only a supervisor may override: nobody is on duty there")
            on_duty = repository.candidates(
                session, staff_roles, facility_id=unit.id, on_duty=False
            )
            if not on_duty:
                raise ValidationFailed.on("to_unit", "no_staff", f"{unit.code} has no staff at all")
            override = True
        owner_id = choose_owner(on_duty, ticket_type=ticket.type.value)
        unit_code = unit.code
        ticket.responsible_facility_id = ticket.responsible_facility_id or unit.id
    if owner_id == ticket.owner_id:
        raise ValidationFailed.on("to_user", "same_owner", "the ticket already belongs to them")
    entry = add_entry(
        session,
        ticket,
        "transfer",
        now,
        actor,
        body=data.reason,
        data={
            "from": repository.usernames(session, [ticket.owner_id]).get(ticket.owner_id or 0),
            "to": repository.usernames(session, [owner_id]).get(owner_id or 0),
            "unit": unit_code,
            "override": override,
        },
    )
    ticket.owner_id = owner_id
    _stamp(entry, ticket)
    refresh(ticket, setup, now)
    session.flush()
    return ticket


def link_waybill(session: Session, ticket: Ticket, waybill: Waybill) -> None:
    if all(link.waybill_id != waybill.id for link in ticket.waybill_links):
        ticket.waybill_links.append(TicketWaybill(waybill_id=waybill.id))
