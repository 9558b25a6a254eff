"""Problems revealed by the scan itself: missort at arrival, failed attempts, problem scans,
anomalies; and problems ended by the delivery."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from tests.support.problems import H, problems_of, upload
from tests.support.scans import life, scan
from tests.support.world import World


def test_arrival_at_the_wrong_outlet_opens_a_missort_naming_the_right_outlet_and_area(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    t = clock.now() - 30 * H
    result = upload(
        client,
        world,
        [
            scan(number, "pickup", t, facility="HZ01"),
            scan(number, "arrival", t + 28 * H, facility="BJ02"),
        ],
    )
    assert result["accepted"] == 2
    [problem] = problems_of(session, number)
    assert problem.type.value == "missorted"
    assert problem.source == "arrival"
    assert problem.facility_id == world.facilities["BJ02"].id
    assert problem.target_facility_id == world.facilities["BJ01"].id
    assert problem.target_area_id == world.areas["BJ01-01"].id  # 建国路 is in BJ01-01
    assert problem.due_at == clock.now() + timedelta(hours=2)

    shown = client.get(f"/api/v1/problems/{problem.id}", headers=world.headers("agent")).json()
    assert (shown["target_facility"], shown["target_area"]) == ("BJ01", "BJ01-01")
    queue = client.get("/api/v1/problems?type=missorted", headers=world.headers("agent")).json()
    assert [q["waybill"] for q in queue] == [number]


def test_arrival_at_the_right_outlet_and_at_hubs_opens_nothing(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    upload(client, world, life(number, clock.now() - 40 * H)[:6])
    assert problems_of(session, number) == []


def test_a_parcel_no_outlet_serves_is_outside_the_area_at_arrival(
    client: TestClient, world: World, session: Session, clock: FixedClock
) -> None:
    from tests.support.problems import new_waybill

    far = new_waybill(
        client,
        world,
        recipient={"name": "张三", "phone": "13912345678", "address": "北京市丰台区丽泽路1号"},
    )
    upload(client, world, [scan(far, "arrival", clock.now() - H, facility="BJ01")])
    [problem] = problems_of(session, far)
    assert problem.type.value == "outside_area"


def test_failed_attempts_open_their_problem_and_the_second_holds_the_parcel(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    t = clock.now() - 40 * H
    upload(client, world, life(number, t)[:7])
    upload(client, world, [scan(number, "delivery_failed", t + 30 * H, reason="absent")])
    assert [p.type.value for p in problems_of(session, number)] == ["recipient_absent"]
    upload(client, world, [scan(number, "delivery_failed", t + 31 * H, reason="absent")])
    kinds = [p.type.value for p in problems_of(session, number)]
    assert kinds == ["recipient_absent", "held"]  # the same absence is not opened twice
    held = problems_of(session, number)[1]
    assert held.detail == "failed_attempts:2"


def test_a_problem_scan_opens_its_type_and_an_unknown_code_is_refused(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    t = clock.now() - 2 * H
    result = upload(
        client,
        world,
        [
            scan(number, "problem", t, problem_code="damaged", facility="BJ01", note="箱角破"),
            scan(number, "problem", t + H, problem_code="box_wet", facility="BJ01"),
        ],
    )
    assert result["results"][1]["reason"] == "invalid_problem_code"
    assert "problem_code" in result["results"][1]["detail"]
    [problem] = problems_of(session, number)
    assert problem.type.value == "damaged" and problem.source == "scan"
    assert problem.note == "箱角破"
    assert problem.reported_by_id == world.users["ops"].id


def test_a_scan_after_delivery_is_an_anomaly_for_the_desk(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    t = clock.now() - 40 * H
    upload(client, world, life(number, t))
    upload(client, world, [scan(number, "arrival", t + 35 * H, facility="BJ02")])
    [problem] = problems_of(session, number)
    assert problem.type.value == "scan_anomaly"
    assert problem.detail == "scanned_after_delivered"


def test_delivery_ends_the_problems_it_settles_but_not_the_others(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    t = clock.now() - 40 * H
    steps = life(number, t)
    upload(client, world, steps[:7])
    upload(
        client,
        world,
        [
            scan(number, "delivery_failed", t + 29.5 * H, reason="absent"),
            scan(number, "problem", t + 29.6 * H, problem_code="damaged", facility="BJ01"),
        ],
    )
    upload(client, world, [steps[7]])
    problems = {p.type.value: p for p in problems_of(session, number)}
    assert problems["recipient_absent"].status == "resolved"
    assert problems["recipient_absent"].resolution == "delivered"
    assert problems["recipient_absent"].resolved_by_id is None  # by the system
    assert problems["damaged"].status == "open"  # a damaged parcel still needs the desk
