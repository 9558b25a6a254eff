"""Any permutation of a parcel's events, re-sent and split into any batches, gives the same
final status and the same timeline (on SQLite and PostgreSQL, through the ingestion service)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import ScanEvent, User, Waybill
from expressdesk.tracking.service import ingest_scans
from tests.support.scans import life, scan
from tests.support.world import World, create_waybills


def _extras(number: str, start: Any) -> list[dict[str, Any]]:
    h = timedelta(hours=1)
    return [
        scan(number, "delivery_failed", start + 30 * h, reason="absent"),
        scan(number, "partner", start + 20 * h, carrier="USPS", carrier_status="Sorting Complete"),
        scan(number, "arrival", start + 40 * h, facility="BJ01"),  # after delivery: an anomaly
        scan(number, "bagging", start + 10 * h, facility="HHZ"),
        scan(number, "departure", start + 11 * h, facility="HBJ"),  # never reached HBJ by then
    ]


@st.composite
def deliveries(draw: st.DrawFn, events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events, some re-sent, shuffled and cut into batches."""
    chosen = draw(
        st.lists(
            st.sampled_from(range(len(events))),
            unique=True,
            min_size=len(events),
            max_size=len(events),
        )
    )
    resent = draw(st.lists(st.sampled_from(range(len(events))), max_size=4))
    order = [events[i] for i in chosen + resent]
    order = draw(st.permutations(order))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(min_value=1, max_value=max(1, len(order) - 1)), max_size=4, unique=True
            )
        )
    )
    batches, last = [], 0
    for cut in [*cuts, len(order)]:
        if cut > last:
            batches.append(list(order[last:cut]))
            last = cut
    return batches


def _outcome(session: Session, number: str) -> tuple[Any, ...]:
    session.rollback()  # end the read transaction: see what other connections committed
    wb = session.scalar(select(Waybill).where(Waybill.number == number))
    assert wb is not None
    timeline = session.execute(
        select(ScanEvent.client_scan_id, ScanEvent.anomaly)
        .where(ScanEvent.waybill_id == wb.id)
        .order_by(ScanEvent.sort_key)
    ).all()
    return (
        wb.status, wb.sub_status, wb.status_reason, wb.current_facility_id, wb.attempts, wb.anomaly_count,
        wb.delivered_at, wb.picked_up_at, wb.estimated_delivery_at,
        (wb.last_event_key or "").replace("twin-", ""), tuple(timeline),
    )  # fmt: skip


def _latest_event_is_kept(session: Session, number: str) -> bool:
    """The state keeps the latest event's time, whatever order the events came in: the tracking
    queries search the events up to it (repository.timeline_rows)."""
    wb = session.scalar(select(Waybill).where(Waybill.number == number))
    assert wb is not None
    latest = session.scalar(
        select(func.max(ScanEvent.event_time)).where(ScanEvent.waybill_id == wb.id)
    )
    return latest is not None and wb.last_event_at == latest


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_arrival_order_gives_the_same_life(
    data: st.DataObject,
    session_factory: sessionmaker[Session],
    world: World,
    settings: Settings,
    clock: FixedClock,
) -> None:
    start = clock.now() - timedelta(days=3)
    with session_factory() as session:
        actor = session.get(User, world.users["ops"].id)
        assert actor is not None
        numbers = create_waybills(session, actor, 2, clock.now(), settings)
        session.commit()
        base = life(numbers[0], start) + _extras(numbers[0], start)
        twin = [
            {**e, "waybill": numbers[1], "client_scan_id": "twin-" + e["client_scan_id"]}
            for e in base
        ]
        # The reference: every event once, in time order, in one batch.
        ingest_scans(session, sorted(twin, key=lambda e: e["time"]), actor, clock.now(), settings)
        session.commit()
        for batch in data.draw(deliveries(base)):
            ingest_scans(session, batch, actor, clock.now(), settings)
            session.commit()
        got, want = _outcome(session, numbers[0]), _outcome(session, numbers[1])

        def strip(t: Any) -> tuple[tuple[str, Any], ...]:
            return tuple((cid.removeprefix("twin-"), a) for cid, a in t)

        assert got[:-1] == want[:-1]
        assert strip(got[-1]) == strip(want[-1])
        assert got[0].value == "DELIVERED"
        assert _latest_event_is_kept(session, numbers[0])
        assert dict(got[-1])[base[-3]["client_scan_id"]] == "scanned_after_delivered"
