"""The reports' contents: figures by period, account, outlet, route, region, agent and team,
read from the daily rollup and from the tickets, claims, pickups and survey answers of the
period. Each builder returns plain data; pages, XLSX and PDF render the same object."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from expressdesk.customers.satisfaction import Satisfaction, satisfaction
from expressdesk.desk.rules import TicketType
from expressdesk.errors import ValidationFailed
from expressdesk.models import (
    Claim,
    Customer,
    DailyStat,
    Facility,
    Pickup,
    Problem,
    SurveyResponse,
    Ticket,
    User,
)
from expressdesk.models.reports import ANY
from expressdesk.reports import rollup
from expressdesk.reports.figures import FIGURES, ROLLUP_COUNTS, derived
from expressdesk.reports.regions import REGIONS, region_of

Counts = dict[str, int | float]

NATIONAL = ("delivery_72h_rate", "delay_rate", "damage_rate", "loss_rate")
CUSTOMER_FIGURES = (
    "volume", "revenue", "on_time_rate", "delivery_72h_rate", "pickup_punctuality",
    "arrival_punctuality", "document_accuracy", "damaged", "lost", "complaints",
    "claims_paid_count", "claims_paid",
)  # fmt: skip
PERIOD_FIGURES = ("volume", "on_time_rate", "document_accuracy", "incident_rate", "delay_rate")


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` inclusive, named like 2026-10, 2026-Q4 or 2026."""

    name: str
    first: date
    last: date

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time(0), tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tz).astimezone(UTC)
        return start, end

    def months(self) -> list[str]:
        out, d = [], self.first.replace(day=1)
        while d <= self.last:
            out.append(f"{d:%Y-%m}")
            d = (d + timedelta(days=32)).replace(day=1)
        return out


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str, field_name: str = "month") -> Period:
    """A month (2026-10), a quarter (2026-Q4) or a year (2026)."""
    text = text.strip().upper()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            days = calendar.monthrange(year, month)[1]
            return Period(f"{year:04d}-{month:02d}", date(year, month, 1), date(year, month, days))
    elif m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        if 2000 <= year <= 2100:
            end_month = 3 * q
            end = date(year, end_month, calendar.monthrange(year, end_month)[1])
            return Period(f"{year}-Q{q}", date(year, 3 * q - 2, 1), end)
    elif (m := _YEAR.match(text)) and 2000 <= int(m[1]) <= 2100:
        year = int(m[1])
        return Period(str(year), date(year, 1, 1), date(year, 12, 31))
    raise ValidationFailed.on(
        field_name, "period", "a month like 2026-10, a quarter like 2026-Q4 or a year like 2026"
    )


def previous_month(now: datetime, tz: ZoneInfo) -> Period:
    first_this = now.astimezone(tz).date().replace(day=1)
    return parse_period(f"{first_this - timedelta(days=1):%Y-%m}")


def ensure_rollup(
    session: Session, period: Period, tz: ZoneInfo, now: datetime, fill: bool = True
) -> datetime | None:
    """Fill in the days of the period the rollup has never covered (unless ``fill`` is off: a
    page fills them first in a writing transaction of its own); the report's as-of time."""
    today = now.astimezone(tz).date()
    last = min(period.last, today)
    if fill and period.first <= last:
        missing = rollup.missing_days(session, period.first, last)
        if missing:
            rollup.refresh_days(session, missing, tz, now)
    return rollup.refreshed_at(session, period.first, last)


def periods_read(kind: str, period: Period) -> list[Period]:
    """The periods a report reads from the rollup (the network report's 12-month trend, the
    customer report's month before)."""
    if kind == "network":
        out, d = [], period.last.replace(day=1)
        for _ in range(12):
            out.append(parse_period(f"{d:%Y-%m}"))
            d = (d - timedelta(days=1)).replace(day=1)
        return out
    if kind == "customer" and len(period.months()) == 1:
        return [period, parse_period(f"{period.first - timedelta(days=1):%Y-%m}")]
    return [period]


def fill_rollup(session: Session, kind: str, period: Period, tz: ZoneInfo, now: datetime) -> None:
    for p in periods_read(kind, period):
        ensure_rollup(session, p, tz, now)


def _sum_columns() -> list[Any]:
    return [func.coalesce(func.sum(getattr(DailyStat, c)), 0).label(c) for c in ROLLUP_COUNTS]


def rollup_counts(
    session: Session,
    period: Period,
    *,
    group: list[Any] | None = None,
    customer_id: int | None = None,
    **filters: Any,
) -> list[tuple[tuple[Any, ...], Counts]]:
    """Sums of the rollup's counts over the period's days, grouped by the given columns: the
    network rows, or one account's rows."""
    group = group or []
    query = select(*group, *_sum_columns()).where(
        DailyStat.day >= period.first, DailyStat.day <= period.last
    )
    if customer_id is None:
        query = query.where(DailyStat.customer_id == ANY)
    else:
        query = query.where(
            DailyStat.customer_id == customer_id, DailyStat.origin_facility_id == ANY
        )
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(DailyStat, name) == value)
    if group:
        query = query.group_by(*group)
    out = []
    for row in session.execute(query):
        key = tuple(row[: len(group)])
        counts: Counts = {c: int(row._mapping[c]) for c in ROLLUP_COUNTS}
        out.append((key, counts))
    return out


def _total(rows: list[tuple[tuple[Any, ...], Counts]]) -> Counts:
    return rows[0][1] if rows else dict.fromkeys(ROLLUP_COUNTS, 0)


def pickup_counts(
    session: Session, start: datetime, end: datetime, now: datetime, customer_id: int | None = None
) -> Counts:
    """Booked pickups whose window started in the period: how many were due (window over,
    not cancelled) and how many the courier reached inside the window."""
    p = Pickup
    punctual = and_(p.arrived_at >= p.window_start, p.arrived_at <= p.window_end)
    query = select(
        func.count().label("due"),
        func.coalesce(func.sum(case((punctual, 1), else_=0)), 0).label("punctual"),
    ).where(
        p.window_start >= start, p.window_start < end, p.cancelled_at.is_(None),
        (p.window_end <= now) | p.arrived_at.is_not(None),
    )  # fmt: skip
    if customer_id is not None:
        query = query.where(p.customer_id == customer_id)
    row = session.execute(query).one()
    return {"pickups_due": int(row.due), "pickups_punctual": int(row.punctual)}


def ticket_counts(
    session: Session, start: datetime, end: datetime, customer_id: int | None = None
) -> Counts:
    """Complaints received and claims paid in the period."""
    complaints = select(func.count()).where(
        Ticket.type == TicketType.COMPLAINT, Ticket.received_at >= start, Ticket.received_at < end
    )
    claims = select(
        func.count(), func.coalesce(func.sum(func.coalesce(Claim.payable_fen, Claim.amount_fen)), 0)
    ).where(Claim.paid_at.is_not(None), Claim.paid_at >= start, Claim.paid_at < end)
    if customer_id is not None:
        complaints = complaints.where(Ticket.customer_id == customer_id)
        claims = claims.where(Claim.customer_id == customer_id)
    paid, paid_fen = session.execute(claims).one()
    return {
        "complaints": int(session.scalar(complaints) or 0),
        "claims_paid": int(paid),
        "claims_paid_fen": int(paid_fen),
    }


@dataclass
class Line:
    """One row of a breakdown: a label, its counts and its figures."""

    key: str
    label: str
    counts: Counts
    figures: dict[str, float | None] = field(default_factory=dict)
    link: str | None = None


def _line(
    key: str, label: str, counts: Counts, keys: tuple[str, ...], link: str | None = None
) -> Line:
    full = derived(counts)
    return Line(key, label, counts, {k: FIGURES[k].value(full) for k in keys}, link)


# ---------------------------------------------------------------- the monthly customer report


@dataclass
class CustomerReport:
    customer: Customer
    period: Period
    as_of: datetime | None
    total: Line
    by_province: list[Line]
    daily: list[tuple[date, int]]
    previous_volume: int | None


def customer_report(
    session: Session, customer: Customer, period: Period, tz: ZoneInfo, now: datetime,
    fill: bool = True,
) -> CustomerReport:  # fmt: skip
    if fill:
        fill_rollup(session, "customer", period, tz, now)
    as_of = ensure_rollup(session, period, tz, now, fill=False)
    start, end = period.bounds(tz)
    counts = _total(rollup_counts(session, period, customer_id=customer.id))
    counts |= pickup_counts(session, start, end, now, customer.id)
    counts |= ticket_counts(session, start, end, customer.id)
    provinces = rollup_counts(
        session, period, group=[DailyStat.dest_province], customer_id=customer.id
    )
    by_province = sorted(
        (_line(k[0] or "—", k[0] or "—", c, ("volume", "on_time_rate", "delivery_72h_rate"))
         for k, c in provinces),
        key=lambda line: -int(line.counts["shipped"]),
    )  # fmt: skip
    daily_rows = rollup_counts(session, period, group=[DailyStat.day], customer_id=customer.id)
    by_day = {k[0]: int(c["shipped"]) for k, c in daily_rows}
    daily = [(d, by_day.get(d, 0)) for d in rollup.days_between(period.first, period.last)]
    previous = None
    if len(period.months()) == 1:
        before = parse_period(f"{period.first - timedelta(days=1):%Y-%m}")
        prev_rows = rollup_counts(session, before, customer_id=customer.id)
        previous = int(_total(prev_rows)["shipped"])
    total = _line(customer.code, customer.name, counts, CUSTOMER_FIGURES)
    return CustomerReport(customer, period, as_of, total, by_province, daily, previous)


# ---------------------------------------------------------------- the network report


@dataclass
class NetworkReport:
    period: Period
    as_of: datetime | None
    total: Line
    trend: list[Line]  # the 12 months up to the period, for the targets chart
    by_outlet: list[Line]
    by_route: list[Line]


def _facility_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Facility.id, Facility.code, Facility.name).where(Facility.id.in_(ids))
    )
    return {r.id: f"{r.code} {r.name}" for r in rows}


def network_report(
    session: Session, period: Period, tz: ZoneInfo, now: datetime, fill: bool = True
) -> NetworkReport:
    if fill:
        fill_rollup(session, "network", period, tz, now)
    as_of = ensure_rollup(session, period, tz, now, fill=False)
    keys = ("volume", *NATIONAL)
    total = _line("all", "", _total(rollup_counts(session, period)), keys)
    months: list[Line] = []
    for p in reversed(periods_read("network", period)):
        months.append(_line(p.name, p.name, _total(rollup_counts(session, p)), keys))
    outlets = rollup_counts(session, period, group=[DailyStat.origin_facility_id])
    names = _facility_names(session, {k[0] for k, _ in outlets if k[0]})
    by_outlet = sorted(
        (_line(str(k[0]), names.get(k[0], "—"), c, keys,
               f"outlet={k[0]}") for k, c in outlets),
        key=lambda line: -int(line.counts["shipped"]),
    )  # fmt: skip
    routes = rollup_counts(
        session, period, group=[DailyStat.origin_province, DailyStat.dest_province]
    )
    by_route = sorted(
        (_line(f"{k[0]}>{k[1]}", f"{k[0] or '—'} → {k[1] or '—'}", c, keys,
               f"origin={k[0]}&dest={k[1]}") for k, c in routes),
        key=lambda line: -int(line.counts["shipped"]),
    )  # fmt: skip
    trend = [m for m in months if m.counts["shipped"]] or months[-1:]
    return NetworkReport(period, as_of, total, trend, by_outlet, by_route)


# ---------------------------------------------------------------- quarterly and yearly


@dataclass
class PeriodReport:
    period: Period
    as_of: datetime | None
    total: Line
    trend: dict[str, dict[str, int]]  # region → month → volume
    heat: list[list[int]]  # month (rows, in period order) × ISO weekday 1–7 (columns)
    regions: list[Line]


def period_report(
    session: Session, period: Period, tz: ZoneInfo, now: datetime, fill: bool = True
) -> PeriodReport:
    as_of = ensure_rollup(session, period, tz, now, fill)
    start, end = period.bounds(tz)
    counts = _total(rollup_counts(session, period)) | ticket_counts(session, start, end)
    total = _line("all", "", counts, PERIOD_FIGURES)
    months = period.months()
    trend: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(months, 0))
    heat = [[0] * 7 for _ in months]
    region_counts: dict[str, Counts] = defaultdict(lambda: dict.fromkeys(ROLLUP_COUNTS, 0))
    for (day, province), c in rollup_counts(
        session, period, group=[DailyStat.day, DailyStat.dest_province]
    ):
        region = region_of(province)
        month = f"{day:%Y-%m}"
        trend[region][month] += int(c["shipped"])
        heat[months.index(month)][day.isoweekday() - 1] += int(c["shipped"])
        for name in ROLLUP_COUNTS:
            region_counts[region][name] += c[name]
    order = [*REGIONS, "other"]
    regions = [_line(r, r, region_counts[r], PERIOD_FIGURES) for r in order if r in region_counts]
    return PeriodReport(period, as_of, total, dict(trend), heat, regions)


# ---------------------------------------------------------------- the desk report


@dataclass
class AgentLine:
    key: str
    label: str
    team: str
    received: int
    first_responses: int
    first_response_hours: float | None
    resolutions: int
    resolution_hours: float | None
    sla_compliance: float | None
    satisfaction: Satisfaction


@dataclass
class DeskReport:
    period: Period
    total: AgentLine
    agents: list[AgentLine]
    teams: list[AgentLine]
    complaints: int
    shipped: int
    complaints_per_10k: float | None
    problems_by_type: list[tuple[str, int]]
    problems_by_party: list[tuple[str, int]]


def _agent_line(key: str, label: str, team: str, rows: list[Any], start: datetime, end: datetime,
                answers: list[tuple[int, int]]) -> AgentLine:  # fmt: skip
    received = sum(1 for r in rows if start <= r.received_at < end)
    first = [(r.first_response_at - r.received_at).total_seconds() for r in rows
             if r.first_response_at is not None and start <= r.first_response_at < end]  # fmt: skip
    resolved = [r for r in rows if r.resolved_at is not None and start <= r.resolved_at < end]
    to_resolve = [(r.resolved_at - r.received_at).total_seconds() for r in resolved]
    counts: Counts = {
        "first_response_hours": sum(first) / 3600, "first_responses": len(first),
        "resolution_hours": sum(to_resolve) / 3600,
        "resolutions": len(resolved),
        "resolved_in_sla": sum(1 for r in resolved if not r.breached),
    }  # fmt: skip
    return AgentLine(
        key, label, team, received, len(first), FIGURES["first_response_hours"].value(counts),
        len(resolved), FIGURES["resolution_hours"].value(counts),
        FIGURES["sla_compliance"].value(counts), satisfaction(answers),
    )  # fmt: skip


def desk_report(
    session: Session, period: Period, tz: ZoneInfo, now: datetime, fill: bool = True
) -> DeskReport:
    ensure_rollup(session, period, tz, now, fill)
    start, end = period.bounds(tz)
    t = Ticket
    rows = session.execute(
        select(t.id, t.owner_id, t.received_at, t.first_response_at, t.resolved_at, t.breached)
        .where(
            (t.received_at >= start) & (t.received_at < end)
            | (t.first_response_at >= start) & (t.first_response_at < end)
            | (t.resolved_at >= start) & (t.resolved_at < end)
        )
    ).all()  # fmt: skip
    answers_by_ticket = {
        r.ticket_id: (r.csat, r.nps)
        for r in session.execute(
            select(SurveyResponse.ticket_id, SurveyResponse.csat, SurveyResponse.nps).where(
                SurveyResponse.kind == "ticket", SurveyResponse.answered_at >= start,
                SurveyResponse.answered_at < end)
        )
    }  # fmt: skip
    owners = {r.owner_id for r in rows if r.owner_id}
    users = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(owners)))}
        if owners
        else {}
    )
    teams = _facility_names(session, {u.facility_id for u in users.values() if u.facility_id})
    by_agent: dict[int | None, list[Any]] = defaultdict(list)
    for r in rows:
        by_agent[r.owner_id].append(r)

    def answers_of(items: list[Any]) -> list[tuple[int, int]]:
        return [answers_by_ticket[r.id] for r in items if r.id in answers_by_ticket]

    def team_of(uid: int | None) -> str:
        u = users.get(uid) if uid else None
        return teams.get(u.facility_id, "—") if u and u.facility_id else "—"

    agents = [
        _agent_line(str(uid or 0), users[uid].display_name if uid in users else "—", team_of(uid),
                    items, start, end, answers_of(items))
        for uid, items in by_agent.items()
    ]  # fmt: skip
    agents.sort(key=lambda a: (-a.received, a.label))
    by_team: dict[str, list[Any]] = defaultdict(list)
    for uid, items in by_agent.items():
        by_team[team_of(uid)].extend(items)
    team_lines = [_agent_line(name, name, name, items, start, end, answers_of(items))
                  for name, items in sorted(by_team.items())]  # fmt: skip
    total = _agent_line("all", "", "", list(rows), start, end, answers_of(list(rows)))
    tickets = ticket_counts(session, start, end)
    shipped = int(_total(rollup_counts(session, period))["shipped"])
    per_10k = FIGURES["complaints_per_10k"].value(derived({**tickets, "shipped": shipped}))
    problems = session.execute(
        select(Problem.type, Problem.party, func.count())
        .where(Problem.detected_at >= start, Problem.detected_at < end)
        .group_by(Problem.type, Problem.party)
    ).all()
    by_type: dict[str, int] = defaultdict(int)
    by_party: dict[str, int] = defaultdict(int)
    for kind, party, n in problems:
        by_type[str(kind.value if hasattr(kind, "value") else kind)] += n
        by_party[str(party.value if hasattr(party, "value") else party)] += n
    return DeskReport(
        period, total, agents, team_lines, int(tickets["complaints"]), shipped, per_10k,
        sorted(by_type.items(), key=lambda kv: -kv[1]),
        sorted(by_party.items(), key=lambda kv: -kv[1]),
    )  # fmt: skip


# ---------------------------------------------------------------- the parcels behind a figure

# For each national figure, the parcels that count against it: (flag, the flag's value).
BEHIND: dict[str, tuple[str, bool]] = {
    "delivery_72h_rate": ("delivered_72h", False),
    "delay_rate": ("late", True),
    "damage_rate": ("damaged", True),
    "loss_rate": ("lost", True),
}


@dataclass
class ParcelList:
    figure: str
    total: int
    rows: list[Any]


def parcels_behind(
    session: Session, period: Period, figure: str, tz: ZoneInfo, now: datetime, *,
    outlet: int | None = None, origin: str | None = None, dest: str | None = None,
    limit: int = 500,
) -> ParcelList:  # fmt: skip
    """The parcels picked up in the period (of an outlet or a route) that count against a
    figure, judged now by the same conditions the rollup sums."""
    from sqlalchemy import not_

    from expressdesk.models import Waybill

    if figure not in BEHIND:
        raise ValidationFailed.on("figure", "one_of", f"one of {', '.join(BEHIND)}")
    flag, wanted = BEHIND[figure]
    condition = rollup.parcel_flags(now)[flag]
    start, end = period.bounds(tz)
    w = Waybill
    query = (
        select(w.number, w.status, w.picked_up_at, w.promised_by, w.delivered_at,
               w.recipient_province, Facility.code.label("outlet"))
        .outerjoin(Facility, Facility.id == w.origin_facility_id)
        .where(w.picked_up_at >= start, w.picked_up_at < end,
               condition if wanted else not_(condition))
    )  # fmt: skip
    if outlet is not None:
        query = query.where(func.coalesce(w.origin_facility_id, 0) == outlet)
    if origin is not None:
        query = query.where(func.coalesce(Facility.province, "") == origin)
    if dest is not None:
        query = query.where(func.coalesce(w.recipient_province, "") == dest)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(w.picked_up_at).limit(limit)).all()
    return ParcelList(figure, int(total), list(rows))
