"""Scan upload: per-item answers, re-sends, late and out-of-order events, anomalies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.models import ScanEvent, Waybill
from tests.support.scans import life, scan
from tests.support.world import World, waybill_payload

CST = timezone(timedelta(hours=8))


@pytest.fixture
def number(client: TestClient, world: World) -> str:
    return str(
        client.post(
            "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
        ).json()["number"]
    )


def upload(
    client: TestClient, world: World, scans: list[dict[str, Any]], user: str = "ops"
) -> dict[str, Any]:
    response = client.post("/api/v1/scans", json={"scans": scans}, headers=world.headers(user))
    assert response.status_code == 200, response.text
    return dict(response.json())


def state(session: Session, number: str) -> Waybill:
    session.rollback()  # end the read transaction: see what other connections committed
    waybill = session.scalar(select(Waybill).where(Waybill.number == number))
    assert waybill is not None
    return waybill


def start(clock: FixedClock) -> datetime:
    return clock.now() - timedelta(days=3)


def test_a_normal_life_ends_delivered(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    result = upload(client, world, life(number, start(clock)))
    assert (result["accepted"], result["duplicate"], result["rejected"]) == (8, 0, 0)
    wb = state(session, number)
    assert wb.status.value == "DELIVERED"
    assert wb.sub_status == "signed" and wb.status_reason == "mailroom"
    assert wb.anomaly_count == 0
    assert wb.picked_up_at == start(clock)


def test_resending_a_batch_is_safe(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    scans = life(number, start(clock))[:4]
    upload(client, world, scans)
    again = upload(client, world, scans)
    assert again["duplicate"] == 4 and again["accepted"] == 0
    assert [r["outcome"] for r in again["results"]] == ["duplicate"] * 4
    assert session.scalar(select(func.count()).select_from(ScanEvent)) == 4


def test_same_device_and_sequence_is_a_duplicate(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    at = start(clock)
    first = scan(
        number, "pickup", at, facility="HZ01", client_scan_id=None, device_id="PDA-7", device_seq=41
    )
    first.pop("client_scan_id")
    resent = dict(first)
    result = upload(client, world, [first, resent])
    assert [r["outcome"] for r in result["results"]] == ["accepted", "duplicate"]


def test_one_bad_item_never_loses_the_good_ones(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    at = start(clock)
    future = clock.now() + timedelta(hours=2)
    items: list[Any] = [
        scan(number, "pickup", at, facility="HZ01"),
        scan("ED123", "arrival", at, facility="HHZ"),  # not a valid number
        scan(
            number[:-1] + str((int(number[-1]) + 1) % 10), "arrival", at, facility="HHZ"
        ),  # check digit
        scan(number, "arrival", at, facility="NOWHERE"),
        scan(number, "arrival", future, facility="HHZ"),
        {**scan(number, "arrival", at, facility="HHZ"), "time": "2026-11-01T09:00:00"},  # no offset
        scan(number, "delivery_failed", at, reason="dog ate it"),
        scan(number, "out_for_delivery", at, facility="BJ01"),  # no courier
        scan(number, "out_for_delivery", at, facility="BJ01", courier="agent"),  # not a courier
        scan(number, "teleported", at),
        "not even an object",
        {"waybill": number, "type": "arrival", "time": at.isoformat(), "facility": "HHZ"},  # no id
        scan(number, "arrival", at - timedelta(days=30), facility="HHZ"),  # long before the order
        scan(number, "arrival", at + timedelta(hours=9), facility="HHZ"),
    ]
    from expressdesk.waybills.numbering import make_waybill_number

    items.append(scan(make_waybill_number("ED", 77_777_777_777), "arrival", at, facility="HHZ"))
    result = upload(client, world, items)
    reasons = [r["reason"] for r in result["results"]]
    assert reasons == [
        None, "invalid_waybill_number", "invalid_waybill_number", "unknown_facility",
        "time_in_future", "time_without_offset", "invalid_reason", "missing_field",
        "unknown_courier", "unknown_scan_type", "invalid", "invalid", "time_before_order",
        None, "unknown_waybill",
    ]  # fmt: skip
    assert result["accepted"] == 2
    assert "client_scan_id" in result["results"][11]["detail"]
    assert "courier" in result["results"][7]["detail"]


def test_whole_batch_is_bounded(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    too_many = [scan(number, "arrival", start(clock), facility="HHZ") for _ in range(1001)]
    response = client.post("/api/v1/scans", json={"scans": too_many}, headers=world.headers("ops"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "scans"


def test_late_event_with_earlier_time_does_not_undo_delivery(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    events = life(number, start(clock))
    upload(client, world, events[:4] + events[5:])  # the outlet arrival scan is uploaded late
    assert state(session, number).status.value == "DELIVERED"
    late = upload(client, world, [events[4]])
    assert late["accepted"] == 1 and late["results"][0]["anomaly"] is None
    wb = state(session, number)
    assert wb.status.value == "DELIVERED"
    assert wb.anomaly_count == 0


def test_scan_after_delivery_is_kept_and_flagged(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    upload(client, world, life(number, start(clock)))
    after = upload(
        client, world, [scan(number, "arrival", clock.now() - timedelta(hours=1), facility="BJ01")]
    )
    assert after["results"][0]["outcome"] == "accepted"
    assert after["results"][0]["anomaly"] == "scanned_after_delivered"
    wb = state(session, number)
    assert wb.status.value == "DELIVERED" and wb.anomaly_count == 1


def test_departure_before_its_arrival_is_flagged_until_the_arrival_comes(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    events = life(number, start(clock))
    first = upload(client, world, [events[0], events[2]])  # pickup, then departure from HHZ
    assert first["results"][1]["anomaly"] == "left_facility_never_reached"
    assert state(session, number).anomaly_count == 1
    upload(client, world, [events[1]])  # the arrival at HHZ, uploaded late: the life is consistent
    assert state(session, number).anomaly_count == 0
    flags = session.scalars(select(ScanEvent.anomaly).where(ScanEvent.scan_type == "departure"))
    assert list(flags) == [None]


def test_declarations_on_an_ended_parcel_are_refused(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    upload(client, world, life(number, start(clock)))
    result = upload(
        client,
        world,
        [
            scan(number, "cancelled", clock.now() - timedelta(minutes=5)),
            scan(number, "declared_lost", clock.now() - timedelta(minutes=5)),
        ],
        user="super",
    )
    assert [r["reason"] for r in result["results"]] == [
        "illegal_for_terminal",
        "illegal_for_terminal",
    ]


def test_cancelling_after_pickup_is_refused(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    upload(client, world, life(number, start(clock))[:1])
    result = upload(
        client, world, [scan(number, "cancelled", start(clock) + timedelta(hours=1))], user="super"
    )
    assert result["results"][0]["reason"] == "cannot_cancel_after_pickup"


def test_found_after_declared_lost(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    at = start(clock)
    upload(
        client,
        world,
        [
            scan(number, "pickup", at, facility="HZ01"),
            scan(number, "declared_lost", at + timedelta(hours=30)),
        ],
        user="super",
    )
    assert state(session, number).status.value == "LOST"
    found = upload(
        client, world, [scan(number, "arrival", at + timedelta(hours=40), facility="HBJ")]
    )
    assert found["results"][0]["anomaly"] is None
    assert state(session, number).status.value == "IN_TRANSIT"


def test_partner_statuses_map_through_the_table(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock
) -> None:
    at = start(clock)
    upload(
        client,
        world,
        [
            scan(number, "pickup", at, facility="HZ01"),
            scan(number, "international_dispatch", at + timedelta(hours=20)),
            scan(
                number,
                "partner",
                at + timedelta(hours=40),
                carrier="usps",
                carrier_status="  notice   LEFT ",
            ),
        ],
    )
    wb = state(session, number)
    assert (wb.status.value, wb.sub_status) == ("AT_PICKUP_POINT", "partner_notice_left")
    unknown = upload(
        client,
        world,
        [
            scan(
                number,
                "partner",
                at + timedelta(hours=41),
                carrier="USPS",
                carrier_status="Eaten by Goat",
            )
        ],
    )
    assert unknown["accepted"] == 1
    assert (
        state(session, number).status.value == "AT_PICKUP_POINT"
    )  # unknown strings change nothing
    listed = client.get(
        "/api/v1/tracking/partner-statuses/unmapped", headers=world.headers("admin")
    ).json()
    assert [(u["carrier"], u["status"], u["events"]) for u in listed] == [
        ("USPS", "Eaten by Goat", 1)
    ]
    view = client.get(f"/api/v1/tracking/{number}", headers=world.headers("agent")).json()
    assert view["events"][0]["partner_raw"] == "Eaten by Goat"
    assert "10" in view["events"][1]["description"]  # Notice Left: held 10 days at the post office


def test_only_scanning_roles_may_upload(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    body = {"scans": [scan(number, "pickup", start(clock), facility="HZ01")]}
    assert (
        client.post("/api/v1/scans", json=body, headers=world.headers("agent")).status_code == 403
    )
    assert (
        client.post("/api/v1/scans", json=body, headers=world.headers("shipper_c1")).status_code
        == 403
    )
    assert (
        client.post("/api/v1/scans", json=body, headers=world.headers("courier")).status_code == 200
    )
