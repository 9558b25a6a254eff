"""Read models of the desk: a ticket with its clocks and trail, the agent's console, a search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from expressdesk.desk import repository
from expressdesk.desk.clocks import DeskSetup, clocks_of
from expressdesk.desk.rules import METRIC_NAMES
from expressdesk.desk.schemas import AttachmentOut, ClockOut, EntryOut, TicketOut
from expressdesk.desk.sla import Clock, ClockState, worst
from expressdesk.models import Callback, Customer, Search, Ticket, User, Waybill


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def clock_out(clock: Clock, locale: str) -> ClockOut:
    """A clock as the API shows it (times in UTC, like every other time in the API)."""
    zh, en = METRIC_NAMES[clock.metric]
    return ClockOut(
        metric=clock.metric,
        name=zh if locale == "zh_CN" else en,
        business_time=clock.business,
        target_hours=round(clock.target.total_seconds() / 3600, 2),
        started_at=clock.started_at.astimezone(UTC),
        due_at=_utc(clock.due_at),
        stopped_at=_utc(clock.stopped_at),
        elapsed_hours=round(clock.elapsed.total_seconds() / 3600, 2),
        remaining_hours=round(clock.remaining.total_seconds() / 3600, 2),
        percent=clock.percent,
        state=clock.state,
    )


def ticket_out(
    session: Session,
    ticket: Ticket,
    setup: DeskSetup,
    now: datetime,
    locale: str,
    *,
    entries: bool = True,
    public_only: bool = False,
) -> TicketOut:
    clocks = clocks_of(ticket, setup, now)
    people = repository.usernames(
        session,
        [ticket.owner_id, *(e.actor_id for e in ticket.entries)] if entries else [ticket.owner_id],
    )
    units = repository.facility_codes(session, [ticket.responsible_facility_id])
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    shown = [e for e in ticket.entries if e.public or not public_only] if entries else None
    files = [
        AttachmentOut(
            id=a.id,
            name=a.original_name,
            content_type=a.content_type,
            size_bytes=a.size_bytes,
            url=f"/api/v1/tickets/{ticket.number}/attachments/{a.id}",
        )
        for a in repository.attachments_of(session, ticket.id)
    ]
    return TicketOut(
        number=ticket.number,
        type=ticket.type,
        status=ticket.status,
        channel=ticket.channel,
        priority=ticket.priority,
        tier=ticket.tier,
        subject=ticket.subject,
        category=ticket.category,
        responsible_unit=units.get(ticket.responsible_facility_id or 0),
        customer=customer.code if customer else None,
        contact_name=ticket.contact_name,
        contact_phone=ticket.contact_phone,
        contact_email=ticket.contact_email,
        locale=ticket.locale,
        owner=people.get(ticket.owner_id or 0),
        received_at=ticket.received_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        calls=ticket.calls,
        waybills=repository.waybill_numbers(session, [ticket.id])[ticket.id],
        clocks=[clock_out(c, locale) for c in clocks],
        sla_state=worst(clocks),
        due_at=ticket.due_at,
        version=ticket.version,
        attachments=files,
        entries=None
        if shown is None
        else [
            EntryOut(
                id=e.id,
                kind=e.kind,
                public=e.public,
                at=e.at,
                actor=people.get(e.actor_id) if e.actor_id and not public_only else None,
                author=e.author,
                body=e.body,
                data={k: v for k, v in e.data.items() if k != "version_after"},
            )
            for e in shown
        ],
    )


@dataclass
class ConsoleRow:
    ticket: Ticket
    clocks: list[Clock]
    state: ClockState
    waybills: list[str]


@dataclass
class Console:
    """One agent's page: tickets by due time with breaches and warnings on top, call-backs
    due, problem shipments and searches they own."""

    tickets: list[ConsoleRow] = field(default_factory=list)
    callbacks: list[tuple[Callback, Ticket]] = field(default_factory=list)
    searches: list[tuple[Search, Waybill]] = field(default_factory=list)
    escalated: list[Ticket] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)


_URGENCY = {ClockState.BREACHED: 0, ClockState.WARNING: 1}


def console(session: Session, user: User, setup: DeskSetup, now: datetime) -> Console:
    from expressdesk.problems.repository import QueueFilter, queue_rows

    out = Console()
    tickets = repository.my_tickets(session, user.id)
    numbers = repository.waybill_numbers(session, [t.id for t in tickets])
    rows = []
    for t in tickets:
        clocks = clocks_of(t, setup, now)
        rows.append(ConsoleRow(t, clocks, worst(clocks), numbers[t.id]))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda r: (_URGENCY.get(r.state, 2), r.ticket.due_at or far, r.ticket.id))
    out.tickets = rows
    for callback in repository.open_callbacks(session, user.id):
        ticket = session.get(Ticket, callback.ticket_id)
        if ticket is not None:
            out.callbacks.append((callback, ticket))
    for search in repository.searches_of(session, owner_id=user.id, open_only=True):
        waybill = session.get(Waybill, search.waybill_id)
        if waybill is not None:
            out.searches.append((search, waybill))
    if user.role.value in ("supervisor", "admin"):
        out.escalated = repository.escalated_tickets(session)
    out.problems = queue_rows(session, QueueFilter(status="open", owner_id=user.id), limit=50)
    return out
