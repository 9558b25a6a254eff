"""Call-backs promised to customers, and the sweep the worker runs: warnings at 80 % of a
target, breaches at 100 %, escalation to the supervisors, late call-backs. Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from expressdesk.desk import repository
from expressdesk.desk.clocks import DeskSetup, refresh
from expressdesk.desk.schemas import CallbackDone, CallbackIn
from expressdesk.desk.service import add_entry, get_ticket
from expressdesk.desk.sla import ClockState
from expressdesk.errors import Conflict, NotFound, ValidationFailed
from expressdesk.models import Callback, Ticket, User

# ----------------------------------------------------------------------------------------------
# Call-backs
# ----------------------------------------------------------------------------------------------


def add_callback(
    session: Session, actor: User, number: str, data: CallbackIn, now: datetime, setup: DeskSetup
) -> Callback:
    """Promise the customer a call back by a due time; it shows in the owner's queue."""
    ticket = get_ticket(session, number)
    due = data.due_at or now + timedelta(minutes=setup.rules.number("callback.default_minutes"))
    if due.tzinfo is None:
        raise ValidationFailed.on("due_at", "offset_required", "give the time with its offset")
    if due < now:
        raise ValidationFailed.on("due_at", "in_past", "a call-back cannot be due in the past")
    callback = Callback(
        ticket_id=ticket.id,
        owner_id=ticket.owner_id or actor.id,
        phone=data.phone or ticket.contact_phone,
        note=data.note,
        due_at=due,
        created_at=now,
    )
    session.add(callback)
    add_entry(
        session, ticket, "callback", now, actor, body=data.note, data={"due_at": due.isoformat()}
    )
    session.flush()
    return callback


def complete_callback(
    session: Session, actor: User, callback_id: int, data: CallbackDone, now: datetime
) -> Callback:
    callback = session.get(Callback, callback_id, with_for_update=True)
    if callback is None:
        raise NotFound(f"call-back {callback_id} not found")
    if callback.done_at is not None:
        raise Conflict(f"call-back {callback_id} was already done")
    callback.done_at, callback.done_by_id, callback.outcome = now, actor.id, data.outcome
    ticket = session.get(Ticket, callback.ticket_id)
    assert ticket is not None
    add_entry(
        session, ticket, "callback_done", now, actor, body=data.outcome,
        data={"callback": callback.id, "late": now > callback.due_at},
    )  # fmt: skip
    session.flush()
    return callback


# ----------------------------------------------------------------------------------------------
# The sweep: warnings at 80 %, breaches at 100 %, escalation to the supervisor
# ----------------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    callbacks_late: int = 0


def sweep(session: Session, setup: DeskSetup, now: datetime) -> SweepReport:
    """Record each clock's warning and breach once, and escalate a breached ticket."""
    report = SweepReport()
    for ticket in repository.tickets_to_sweep(session, now):
        clocks = refresh(ticket, setup, now)
        for clock in clocks:
            metric = clock.metric.value
            if clock.state is ClockState.WARNING and metric not in ticket.warned:
                ticket.warned = [*ticket.warned, metric]
                add_entry(session, ticket, "sla_warning", now, None, data={"metric": metric})
                report.warned += 1
            if clock.state is ClockState.BREACHED and metric not in ticket.breached:
                ticket.breached = [*ticket.breached, metric]
                add_entry(session, ticket, "sla_breach", now, None, data={"metric": metric})
                report.breached += 1
                if ticket.escalated_at is None:
                    ticket.escalated_at = now
                    add_entry(
                        session, ticket, "escalated", now, None,
                        data={"metric": metric},
                    )  # fmt: skip
                    report.escalated += 1
        refresh(ticket, setup, now)  # the breaches recorded: the next moment to look
    for callback in repository.late_callbacks(session, now):
        callback.late_at = now
        called = session.get(Ticket, callback.ticket_id)
        assert called is not None
        add_entry(session, called, "callback_late", now, None, data={"callback": callback.id})
        report.callbacks_late += 1
    session.flush()
    return report
