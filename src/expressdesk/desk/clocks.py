"""The desk's clocks: the rule table and working calendar in force (``DeskSetup``), and each
ticket's SLA clocks computed from its facts, with the due, warning and state kept on the
ticket (``refresh``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import repository
from expressdesk.desk.calendar import WorkCalendar
from expressdesk.desk.rules import DeskRules
from expressdesk.desk.sla import (
    Clock,
    TicketFacts,
    next_due,
    next_warning,
    ticket_clocks,
    worst,
)
from expressdesk.models import Ticket


@dataclass(frozen=True)
class DeskSetup:
    """The rule table and the working calendar as they stand now."""

    rules: DeskRules
    calendar: WorkCalendar
    tz: ZoneInfo
    settings: Settings


def load_setup(session: Session, settings: Settings) -> DeskSetup:
    rules = DeskRules.of(repository.rule_overrides(session))
    days = repository.desk_days(session)
    off = frozenset(d.day for d in days if d.kind == "off")
    work = frozenset(d.day for d in days if d.kind == "work")
    tz = ZoneInfo(settings.timezone)
    return DeskSetup(rules, rules.calendar(tz, off, work), tz, settings)


def _periods(raw: list[list[str | None]]) -> list[tuple[datetime, datetime | None]]:
    return [
        (datetime.fromisoformat(s or ""), datetime.fromisoformat(e) if e else None) for s, e in raw
    ]


def facts_of(ticket: Ticket) -> TicketFacts:
    return TicketFacts(
        type=ticket.type,
        channel=ticket.channel,
        priority=ticket.priority,
        tier=ticket.tier,
        received_at=ticket.received_at,
        first_response_at=ticket.first_response_at,
        awaiting_reply_since=ticket.awaiting_reply_since,
        resolved_at=ticket.resolved_at,
        pauses=_periods(ticket.pauses),
        done_periods=_periods(ticket.done_periods),
    )


def clocks_of(ticket: Ticket, setup: DeskSetup, now: datetime) -> list[Clock]:
    return ticket_clocks(facts_of(ticket), setup.rules, setup.calendar, now)


def refresh(ticket: Ticket, setup: DeskSetup, now: datetime) -> list[Clock]:
    """Recompute the clocks and keep the ticket's due, warning time and state up to date."""
    clocks = clocks_of(ticket, setup, now)
    ticket.due_at = next_due(clocks)
    warn = setup.rules.number("sla.warn_percent") / 100
    moments = [
        c.due_at
        for c in clocks
        if c.due_at is not None and c.stopped_at is None and c.metric.value not in ticket.breached
    ]
    warning = next_warning(clocks, setup.calendar, warn, now)
    if warning is not None:
        moments.append(warning)
    ticket.check_at = min(moments) if moments else None
    ticket.sla_state = worst(clocks).value
    return clocks
