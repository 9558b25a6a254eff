"""The clocks of a ticket, computed by pure functions from its facts and an injected ``now``.

Modelled on Frappe Helpdesk's SLA engine: a clock's due time is fixed when it starts and moved
on only by time spent on hold (waiting on the customer), which is accumulated, never forgotten.
Service-level clocks count business time; the regulatory clock counts calendar time, day and
night, and never pauses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from expressdesk.desk.calendar import WorkCalendar, add_business, business_between
from expressdesk.desk.rules import (
    Channel,
    DeskRules,
    Metric,
    Priority,
    TicketType,
    Tier,
)

Pause = tuple[datetime, datetime | None]


class ClockState(StrEnum):
    RUNNING = "running"
    WARNING = "warning"  # past the warning share of its target
    BREACHED = "breached"  # past its due time and still running
    PAUSED = "paused"
    MET = "met"  # stopped in time
    MISSED = "missed"  # stopped, but late


CLOCK_STATE_NAMES: dict[ClockState, tuple[str, str]] = {
    ClockState.RUNNING: ("计时中", "Running"),
    ClockState.WARNING: ("即将超时", "Warning"),
    ClockState.BREACHED: ("已超时", "Breached"),
    ClockState.PAUSED: ("已暂停", "Paused"),
    ClockState.MET: ("已达成", "Met"),
    ClockState.MISSED: ("超时完成", "Met late"),
}


@dataclass(frozen=True)
class Clock:
    """One clock of one ticket as it stands at ``now``."""

    metric: Metric
    target: timedelta
    started_at: datetime
    due_at: datetime | None  # None while paused: the due time moves on when it resumes
    stopped_at: datetime | None
    elapsed: timedelta  # business time for SLA clocks, calendar time for the regulatory one
    state: ClockState
    business: bool

    @property
    def remaining(self) -> timedelta:
        return self.target - self.elapsed

    @property
    def percent(self) -> float:
        if self.target <= timedelta(0):
            return 100.0
        return round(100 * self.elapsed / self.target, 1)


def sla_clock(
    calendar: WorkCalendar,
    metric: Metric,
    started_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause],
    stopped_at: datetime | None,
    now: datetime,
    warn_ratio: float,
) -> Clock:
    """A service-level clock: business time from ``started_at``, minus the pauses."""
    end = min(stopped_at, now) if stopped_at else now
    relevant = [(s, e) for s, e in pauses if s <= end]
    elapsed = business_between(calendar, started_at, end, relevant)
    closed = [(s, e) for s, e in relevant if e is not None and e <= end]
    paused_now = stopped_at is None and any(e is None or e > now for _, e in relevant)
    if stopped_at is not None and stopped_at <= now:
        state = ClockState.MET if elapsed <= target else ClockState.MISSED
        return Clock(
            metric,
            target,
            started_at,
            add_business(calendar, started_at, target, closed),
            stopped_at,
            elapsed,
            state,
            True,
        )
    if paused_now:
        state = ClockState.BREACHED if elapsed >= target else ClockState.PAUSED
        return Clock(metric, target, started_at, None, None, elapsed, state, True)
    due = add_business(calendar, started_at, target, closed)
    if now >= due:
        state = ClockState.BREACHED
    elif elapsed >= target * warn_ratio:
        state = ClockState.WARNING
    else:
        state = ClockState.RUNNING
    return Clock(metric, target, started_at, due, None, elapsed, state, True)


def regulatory_clock(
    received_at: datetime,
    limit: timedelta,
    stopped_at: datetime | None,
    now: datetime,
    warn_ratio: float,
) -> Clock:
    """The legal deadline: calendar time, day and night, never paused."""
    due = received_at + limit
    if stopped_at is not None and stopped_at <= now:
        elapsed = stopped_at - received_at
        state = ClockState.MET if stopped_at <= due else ClockState.MISSED
        return Clock(Metric.REGULATORY, limit, received_at, due, stopped_at, elapsed, state, False)
    elapsed = now - received_at
    if now >= due:
        state = ClockState.BREACHED
    elif elapsed >= limit * warn_ratio:
        state = ClockState.WARNING
    else:
        state = ClockState.RUNNING
    return Clock(Metric.REGULATORY, limit, received_at, due, None, elapsed, state, False)


@dataclass(frozen=True)
class TicketFacts:
    """What the clocks of one ticket depend on."""

    type: TicketType
    channel: Channel
    priority: Priority
    tier: Tier
    received_at: datetime
    first_response_at: datetime | None
    # Set when the customer wrote after our last public reply; cleared by the next reply.
    awaiting_reply_since: datetime | None
    resolved_at: datetime | None  # None while unresolved (a reopening clears it)
    pauses: Sequence[Pause]  # waiting on the customer
    done_periods: Sequence[Pause]  # resolved or closed, then reopened: the resolution clock stops


def regulatory_limit(facts: TicketFacts, rules: DeskRules) -> timedelta | None:
    """The legal deadline of a ticket, if the law sets one: complaints and appeals."""
    if facts.channel is Channel.REGULATOR:
        return timedelta(days=rules.number("regulatory.appeal_days"))
    if facts.type is TicketType.COMPLAINT:
        return timedelta(days=rules.number("regulatory.complaint_days"))
    return None


def ticket_clocks(
    facts: TicketFacts, rules: DeskRules, calendar: WorkCalendar, now: datetime
) -> list[Clock]:
    """Every clock of a ticket, each kept apart: first response, next response (when the
    customer is waiting for one), resolution, and the regulatory deadline where there is one."""
    warn = rules.number("sla.warn_percent") / 100

    def target(metric: Metric) -> timedelta:
        hours = rules.target_hours(metric, facts.type, facts.priority, facts.tier)
        return timedelta(hours=hours)

    clocks = [
        sla_clock(
            calendar,
            Metric.FIRST_RESPONSE,
            facts.received_at,
            target(Metric.FIRST_RESPONSE),
            facts.pauses,
            facts.first_response_at,
            now,
            warn,
        )
    ]
    if facts.awaiting_reply_since is not None and facts.resolved_at is None:
        clocks.append(
            sla_clock(
                calendar,
                Metric.NEXT_RESPONSE,
                facts.awaiting_reply_since,
                target(Metric.NEXT_RESPONSE),
                facts.pauses,
                None,
                now,
                warn,
            )
        )
    clocks.append(
        sla_clock(
            calendar,
            Metric.RESOLUTION,
            facts.received_at,
            target(Metric.RESOLUTION),
            [*facts.pauses, *facts.done_periods],
            facts.resolved_at,
            now,
            warn,
        )
    )
    limit = regulatory_limit(facts, rules)
    if limit is not None:
        clocks.append(regulatory_clock(facts.received_at, limit, facts.resolved_at, now, warn))
    return clocks


def worst(clocks: Sequence[Clock]) -> ClockState:
    """The state that should catch an agent's eye first."""
    order = [
        ClockState.BREACHED,
        ClockState.WARNING,
        ClockState.RUNNING,
        ClockState.PAUSED,
        ClockState.MISSED,
        ClockState.MET,
    ]
    states = {c.state for c in clocks}
    return next((s for s in order if s in states), ClockState.MET)


def next_due(clocks: Sequence[Clock]) -> datetime | None:
    """The earliest due time among the running clocks (for sorting a queue by urgency)."""
    running = [
        c.due_at
        for c in clocks
        if c.due_at is not None
        and c.state in (ClockState.RUNNING, ClockState.WARNING, ClockState.BREACHED)
    ]
    return min(running) if running else None


def next_warning(
    clocks: Sequence[Clock], calendar: WorkCalendar, warn_ratio: float, now: datetime
) -> datetime | None:
    """When the next running clock will cross its warning share (so the worker's sweep can
    look only at tickets whose moment has come)."""
    times: list[datetime] = []
    for c in clocks:
        if c.state is not ClockState.RUNNING:
            continue
        left = c.target * warn_ratio - c.elapsed
        if c.business:
            times.append(add_business(calendar, now, left))
        else:
            times.append(now + left)
    return min(times) if times else None
