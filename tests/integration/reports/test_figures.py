"""Every figure of the reports against a brute-force recomputation from the raw rows, written
here with plain loops and nothing from reports.* (both databases)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.enums import ShipmentStatus
from expressdesk.models import Claim, Customer, Facility, Pickup, Problem, Ticket, Waybill
from expressdesk.reports import data
from tests.integration.reports.conftest import CST, NOV, OCT, Month

TZ = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
DOC = {"label_detached", "missorted", "address_unclear"}


def _raw(session: Session) -> tuple[list[Waybill], dict[int, set[str]]]:
    session.rollback()
    waybills = [w for w in session.scalars(select(Waybill))
                if w.picked_up_at is not None and OCT <= w.picked_up_at < NOV]  # fmt: skip
    problems: dict[int, set[str]] = defaultdict(set)
    for p in session.scalars(select(Problem)):
        problems[p.waybill_id].add(str(p.type.value))
    return waybills, problems


def _expected(ws: list[Waybill], problems: dict[int, set[str]], now: datetime) -> dict[str, Any]:
    """The figures, by their definitions in the docs, one parcel at a time."""
    shipped = len(ws)
    in_72h = late = on_time = arrived = arrived_ok = damaged = lost = doc = 0
    for w in ws:
        assert w.picked_up_at is not None  # shipped: picked up
        if w.delivered_at is not None and w.delivered_at - w.picked_up_at <= 72 * H:
            in_72h += 1
        if w.promised_by is not None:
            if w.delivered_at is not None:
                if w.delivered_at > w.promised_by:
                    late += 1
                else:
                    on_time += 1
            elif w.status not in (ShipmentStatus.RETURNED, ShipmentStatus.CANCELLED,
                                  ShipmentStatus.LOST) and w.promised_by < now:  # fmt: skip
                late += 1
        if w.dest_arrived_at is not None:
            arrived += 1
            if w.promised_by is not None and w.promised_by - w.dest_arrived_at >= 8 * H:
                arrived_ok += 1
        damaged += "damaged" in problems[w.id]
        doc += bool(problems[w.id] & DOC)
        lost += w.status is ShipmentStatus.LOST

    def share(a: int, b: int) -> float | None:
        return a / b if b else None

    return {
        "volume": shipped, "revenue": sum(w.total_fen for w in ws),
        "delivery_72h_rate": share(in_72h, shipped), "delay_rate": share(late, shipped),
        "damage_rate": share(damaged, shipped), "loss_rate": share(lost, shipped),
        "on_time_rate": share(on_time, on_time + late), "arrival_punctuality": share(arrived_ok, arrived),
        "document_accuracy": share(shipped - doc, shipped), "damaged": damaged, "lost": lost,
        "incident_rate": share(damaged + lost, shipped),
    }  # fmt: skip


def _same(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key in actual:
            assert actual[key] == pytest.approx(value), key


def test_the_monthly_customer_report_matches_the_raw_rows(
    month: Month, session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    c1 = session.scalar(select(Customer).where(Customer.code == "C1"))
    assert c1 is not None
    report = data.customer_report(session, c1, data.parse_period("2026-10"), TZ, now)
    session.commit()
    ws, problems = _raw(session)
    mine = [w for w in ws if w.customer_id == c1.id]
    expected = _expected(mine, problems, now)
    assert 60 < expected["volume"] < 110  # some of C1's parcels fall in September or November
    _same(report.total.figures, expected)
    # Pickups: of the 7 October windows, one was cancelled; 3 of the other 6 were kept.
    pickups = [p for p in session.scalars(select(Pickup))
               if OCT <= p.window_start < NOV and p.cancelled_at is None]  # fmt: skip
    kept = [p for p in pickups if p.arrived_at and p.window_start <= p.arrived_at <= p.window_end]
    assert report.total.figures["pickup_punctuality"] == pytest.approx(len(kept) / len(pickups))
    assert (len(kept), len(pickups)) == (3, 6)
    complaints = [t for t in session.scalars(select(Ticket)) if t.type.value == "complaint"
                  and t.customer_id == c1.id and OCT <= t.received_at < NOV]  # fmt: skip
    assert report.total.figures["complaints"] == len(complaints) == 2
    paid = [c for c in session.scalars(select(Claim))
            if c.customer_id == c1.id and c.paid_at is not None and OCT <= c.paid_at < NOV]  # fmt: skip
    assert report.total.figures["claims_paid_count"] == len(paid) == 2
    assert report.total.figures["claims_paid"] == sum(c.payable_fen or 0 for c in paid) == 3000
    # By destination province, and by day (the local day, in Beijing time).
    by_province: dict[str, int] = defaultdict(int)
    by_day: dict[str, int] = defaultdict(int)
    for w in mine:
        assert w.picked_up_at is not None
        by_province[w.recipient_province or "—"] += 1
        by_day[f"{w.picked_up_at.astimezone(CST):%Y-%m-%d}"] += 1
    assert {line.label: line.counts["shipped"] for line in report.by_province} == by_province
    assert {f"{d:%Y-%m-%d}": n for d, n in report.daily if n} == by_day
    assert len(report.daily) == 31


def test_the_network_report_matches_the_raw_rows_by_outlet_and_route(
    month: Month, session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    report = data.network_report(session, data.parse_period("2026-10"), TZ, now)
    session.commit()
    ws, problems = _raw(session)
    _same(report.total.figures, _expected(ws, problems, now))
    provinces = {f.id: f.province for f in session.scalars(select(Facility))}
    outlets: dict[str, list[Waybill]] = defaultdict(list)
    routes: dict[str, list[Waybill]] = defaultdict(list)
    for w in ws:
        outlets[str(w.origin_facility_id or 0)].append(w)
        origin = provinces.get(w.origin_facility_id or 0, "")
        routes[f"{origin}>{w.recipient_province or ''}"].append(w)
    assert {line.key for line in report.by_outlet} == set(outlets)
    assert {line.key for line in report.by_route} == set(routes)
    for line in report.by_outlet:
        _same(line.figures, _expected(outlets[line.key], problems, now))
    for line in report.by_route:
        _same(line.figures, _expected(routes[line.key], problems, now))
    # The parcels behind the delay figure are the late ones, outlet by outlet.
    for line in report.by_outlet[:3]:
        behind = data.parcels_behind(session, report.period, "delay_rate", TZ, now,
                                     outlet=int(line.key))  # fmt: skip
        assert behind.total == line.counts["late"]


def test_the_quarterly_report_matches_the_raw_rows_by_region_month_and_weekday(
    month: Month, session: Session, clock: FixedClock
) -> None:
    from expressdesk.reports.regions import region_of

    now = clock.now()
    report = data.period_report(session, data.parse_period("2026-Q4"), TZ, now)
    session.commit()
    session.rollback()
    q4 = [w for w in session.scalars(select(Waybill)) if w.picked_up_at is not None
          and OCT <= w.picked_up_at < datetime(2027, 1, 1, tzinfo=CST)]  # fmt: skip
    _, problems = _raw(session)
    _same(report.total.figures, _expected(q4, problems, now))
    heat = [[0] * 7 for _ in range(3)]
    trend: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_region: dict[str, list[Waybill]] = defaultdict(list)
    for w in q4:
        assert w.picked_up_at is not None
        local = w.picked_up_at.astimezone(CST)
        heat[local.month - 10][local.isoweekday() - 1] += 1
        trend[region_of(w.recipient_province)][f"{local:%Y-%m}"] += 1
        by_region[region_of(w.recipient_province)].append(w)
    assert report.heat == heat
    assert {r: {m: n for m, n in v.items() if n} for r, v in report.trend.items()} == trend
    for line in report.regions:
        _same(line.figures, _expected(by_region[line.key], problems, now))


def test_the_desk_report_matches_the_raw_rows_by_agent(
    month: Month, session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    report = data.desk_report(session, data.parse_period("2026-10"), TZ, now)
    session.commit()
    session.rollback()
    tickets = list(session.scalars(select(Ticket)))
    october = [t for t in tickets if OCT <= t.received_at < NOV]
    answered = [t for t in tickets if t.first_response_at and OCT <= t.first_response_at < NOV]
    resolved = [t for t in tickets if t.resolved_at and OCT <= t.resolved_at < NOV]
    assert report.total.received == len(october) == 5
    mean_first = sum(
        (t.first_response_at - t.received_at) / H for t in answered if t.first_response_at
    ) / len(answered)
    assert report.total.first_response_hours == pytest.approx(mean_first)
    mean_res = sum((t.resolved_at - t.received_at) / H for t in resolved if t.resolved_at) / len(
        resolved
    )
    assert report.total.resolution_hours == pytest.approx(mean_res)
    assert report.total.sla_compliance == pytest.approx(
        sum(1 for t in resolved if not t.breached) / len(resolved)
    )
    for line in report.agents:
        mine = [t for t in october if str(t.owner_id or 0) == line.key]
        assert line.received == len(mine), line.label
    shipped = len(_raw(session)[0])
    complaints = [t for t in october if t.type.value == "complaint"]
    assert report.complaints == len(complaints) == 3
    assert report.complaints_per_10k == pytest.approx(len(complaints) / shipped * 10_000)
    kinds: dict[str, int] = defaultdict(int)
    for p in session.scalars(select(Problem)):
        if OCT <= p.detected_at < NOV:
            kinds[str(p.type.value)] += 1
    assert dict(report.problems_by_type) == kinds


def test_the_rollup_follows_late_changes_when_refreshed(
    month: Month, session: Session, clock: FixedClock
) -> None:
    from expressdesk.reports import rollup

    now = clock.now()
    period = data.parse_period("2026-10")
    before = data.network_report(session, period, TZ, now).total.counts["lost"]
    session.commit()
    target = next(
        w for w in session.scalars(select(Waybill).order_by(Waybill.id))
        if w.picked_up_at and OCT <= w.picked_up_at < NOV and w.status is not ShipmentStatus.LOST
    )  # fmt: skip
    assert target.picked_up_at is not None
    target.status = ShipmentStatus.LOST  # declared lost weeks after its pickup day
    session.commit()
    # The report reads the rollup: unchanged until the day is rewritten (hourly by the worker).
    assert data.network_report(session, period, TZ, now).total.counts["lost"] == before
    rollup.refresh_days(session, [target.picked_up_at.astimezone(TZ).date()], TZ, now)
    session.commit()
    assert data.network_report(session, period, TZ, now).total.counts["lost"] == before + 1


def test_the_readme_prints_every_figure_with_its_formula() -> None:
    from pathlib import Path

    from expressdesk.reports.figures import FIGURES

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for figure in FIGURES.values():
        assert f"| {figure.en} | {figure.zh} | {figure.formula} |" in readme, figure.key


def test_two_refreshes_of_the_same_days_at_once_leave_one_copy(
    month: Month, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    import threading

    from expressdesk.reports import rollup

    days = rollup.days_between(OCT.date(), (NOV - timedelta(days=1)).date())
    errors: list[Exception] = []

    def refresh() -> None:
        try:
            with session_factory() as s:
                rollup.refresh_days(s, days, TZ, clock.now())
                s.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_factory() as s:
        ws, _ = _raw(s)
        report = data.network_report(s, data.parse_period("2026-10"), TZ, clock.now(), fill=False)
        assert report.total.counts["shipped"] == len(ws)
