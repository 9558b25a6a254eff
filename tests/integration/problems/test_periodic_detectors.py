"""The periodic detectors (run by `expressdesk worker`), each with a fake clock."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import Waybill
from expressdesk.problems.detect import detect
from tests.support.problems import H, new_waybill, problems_of, upload
from tests.support.scans import life, scan
from tests.support.world import World


def run(session_factory: sessionmaker[Session], clock: FixedClock, settings: Settings) -> dict[str, int]:  # fmt: skip
    with session_factory() as session:
        report = detect(session, clock.now(), settings)
        session.commit()
    return {k: v for k, v in report.__dict__.items() if v}


def test_a_parcel_without_scans_beyond_its_lane_time_plus_grace_is_stalled(
    client: TestClient,
    world: World,
    number: str,
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    settings: Settings,
) -> None:
    # Picked up in Hangzhou, then nothing. The HZ→BJ lane's normal time is about a day (one
    # nightly truck, 12 h on the road, waits included), the grace 12 h.
    upload(client, world, [scan(number, "pickup", clock.now() - H, facility="HZ01")])
    clock.advance(timedelta(hours=20))
    assert run(session_factory, clock, settings) == {}
    clock.advance(timedelta(hours=30))
    assert run(session_factory, clock, settings) == {"stalled": 1}
    [problem] = problems_of(session, number)
    assert (problem.type.value, problem.detail, problem.source) == (
        "delayed",
        "stalled",
        "detector",
    )
    assert problem.facility_id == world.facilities["HZ01"].id
    # Running again finds nothing new.
    clock.advance(timedelta(hours=1))
    assert run(session_factory, clock, settings) == {}


def test_grace_is_configurable(
    client: TestClient,
    world: World,
    number: str,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    settings: Settings,
) -> None:
    upload(client, world, [scan(number, "pickup", clock.now() - H, facility="HZ01")])
    clock.advance(timedelta(hours=30))
    strict = settings.model_copy(update={"stall_grace_hours": 4.0})
    assert run(session_factory, clock, settings).get("stalled") is None
    assert run(session_factory, clock, strict).get("stalled") == 1


def test_a_parcel_past_its_estimate_without_delivery_is_delayed(
    client: TestClient,
    world: World,
    number: str,
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    settings: Settings,
) -> None:
    upload(client, world, life(number, clock.now() - 30 * H)[:6])
    session.rollback()
    [waybill_eta] = [w.estimated_delivery_at for w in [_waybill(session, number)]]
    assert waybill_eta is not None
    clock.set(waybill_eta - timedelta(minutes=1))
    assert "past_estimate" not in run(session_factory, clock, settings)
    clock.set(waybill_eta + timedelta(minutes=1))
    assert run(session_factory, clock, settings)["past_estimate"] == 1
    [problem] = problems_of(session, number)
    assert problem.detail == "past_estimate"


def test_delivered_parcels_are_never_late_or_stalled(
    client: TestClient,
    world: World,
    number: str,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    settings: Settings,
) -> None:
    upload(client, world, life(number, clock.now() - 40 * H))
    clock.advance(timedelta(days=30))
    assert run(session_factory, clock, settings) == {}


def test_a_parcel_left_at_a_station_beyond_the_limit_is_uncollected(
    client: TestClient,
    world: World,
    number: str,
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    settings: Settings,
) -> None:
    t = clock.now() - 40 * H
    upload(client, world, life(number, t)[:6])
    upload(client, world, [scan(number, "stored", t + 30 * H, facility="BJ01S", pickup_code="5-2-1033")])  # fmt: skip
    clock.set(t + 30 * H + timedelta(hours=47))
    assert "uncollected" not in run(session_factory, clock, settings)
    clock.set(t + 30 * H + timedelta(hours=49))
    assert run(session_factory, clock, settings)["uncollected"] == 1
    kinds = {p.type.value for p in problems_of(session, number)}
    assert "uncollected" in kinds


def test_repeated_failed_attempts_are_held_even_when_the_scans_came_before_the_rule(
    client: TestClient,
    world: World,
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    settings: Settings,
) -> None:
    number = new_waybill(client, world)
    t = clock.now() - 40 * H
    upload(client, world, life(number, t)[:7])
    upload(client, world, [scan(number, "delivery_failed", t + 30 * H, reason="rescheduled")])
    upload(client, world, [scan(number, "delivery_failed", t + 32 * H, reason="rescheduled")])
    # Two rescheduled attempts open nothing at the scan with the default limit of 2…
    assert {p.type.value for p in problems_of(session, number)} == {"held"}
    # …and a stricter limit applied later is caught by the periodic detector.
    other = new_waybill(client, world)
    upload(client, world, life(other, t)[:7])
    upload(client, world, [scan(other, "delivery_failed", t + 30 * H, reason="rescheduled")])
    assert problems_of(session, other) == []
    strict = settings.model_copy(update={"max_failed_attempts": 1})
    assert run(session_factory, clock, strict)["repeatedly_failed"] == 1
    assert [p.type.value for p in problems_of(session, other)] == ["held"]


def _waybill(session: Session, number: str) -> Waybill:
    return session.scalars(select(Waybill).where(Waybill.number == number)).one()
