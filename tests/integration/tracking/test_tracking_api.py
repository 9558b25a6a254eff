"""Tracking lookups: masking, the phone check, batches, rate limits, estimates and lateness."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.db import READS_APPLICATION_NAME, read_only
from expressdesk.enums import ShipmentStatus
from expressdesk.tracking.repository import (
    _TIMELINE,
    EARLIEST_BEFORE_ORDER,
    timeline_rows,
    timeline_rows_async,
    usernames,
    usernames_async,
)
from expressdesk.waybills.repository import (
    _TRACKING_BY_NUMBER,
    tracking_record,
    tracking_record_async,
)
from expressdesk.web.app import create_app
from tests.support.scans import life, scan
from tests.support.world import World, waybill_payload


@pytest.fixture
def number(client: TestClient, world: World) -> str:
    return str(
        client.post(
            "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
        ).json()["number"]
    )


def upload(client: TestClient, world: World, scans: list[dict[str, Any]]) -> None:
    response = client.post("/api/v1/scans", json={"scans": scans}, headers=world.headers("ops"))
    assert response.status_code == 200 and response.json()["rejected"] == 0, response.text


def test_public_sees_masked_data_and_the_timeline(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    upload(client, world, life(number, clock.now() - timedelta(days=3)))
    body = client.get(f"/api/v1/tracking/{number}", params={"lang": "zh_CN"}).json()
    assert body["masked"] is True
    assert body["recipient_name"] == "李*"
    assert body["recipient_phone"] == "139****5678"
    assert body["sender_name"] == "王*"
    assert body["destination"] == {"province": "北京市", "city": "北京市", "district": "朝阳区"}
    assert "建国路" not in str(body)  # the street never leaves the building
    assert body["status"] == "DELIVERED" and body["status_label"] == "已签收"
    assert body["events"][0]["description"] == "快件已签收，收发室代收"
    assert len(body["events"]) == 8
    assert body["custody"] is None and body["events"][0]["anomaly"] is None


def test_last_four_digits_of_a_phone_unmask(client: TestClient, world: World, number: str) -> None:
    wrong = client.get(f"/api/v1/tracking/{number}", params={"phone_last4": "1111"}).json()
    assert wrong["masked"] is True
    recipient = client.get(f"/api/v1/tracking/{number}", params={"phone_last4": "5678"}).json()
    assert recipient["masked"] is False and recipient["recipient_name"] == "李雷"
    sender = client.get(f"/api/v1/tracking/{number}", params={"phone_last4": "0000"}).json()
    assert sender["masked"] is False  # the sender's phone is 13800000000
    too_long = client.get(f"/api/v1/tracking/{number}", params={"phone_last4": "56789"})
    assert too_long.status_code == 422


def test_staff_see_custody_anomalies_and_english(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    upload(client, world, life(number, clock.now() - timedelta(days=3)))
    body = client.get(
        f"/api/v1/tracking/{number}", params={"lang": "en"}, headers=world.headers("agent")
    ).json()
    assert body["masked"] is False
    assert body["status_label"] == "Delivered"
    assert body["events"][1]["description"].startswith("Out for delivery from")
    holders = [
        (c["holder"], c["facility"]["code"] if c["facility"] else None) for c in body["custody"]
    ]
    assert holders == [
        ("facility", "HZ01"), ("facility", "HHZ"), ("facility", "HBJ"), ("facility", "BJ01"), ("courier", "BJ01"),
    ]  # fmt: skip
    assert body["custody"][-1]["until"] is None
    assert body["custody"][-1]["person"] == "Courier"


def test_shipper_sees_own_parcels_unmasked_and_others_not_at_all(
    client: TestClient, world: World
) -> None:
    own = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    ).json()["number"]
    assert (
        client.get(f"/api/v1/tracking/{own}", headers=world.headers("shipper_c1")).json()["masked"]
        is False
    )
    assert (
        client.get(f"/api/v1/tracking/{own}", headers=world.headers("shipper_c2")).status_code
        == 404
    )


def test_invalid_and_unknown_numbers(client: TestClient, world: World, number: str) -> None:
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    invalid = client.get(f"/api/v1/tracking/{typo}")
    assert invalid.status_code == 422 and invalid.json()["error"] == "invalid_waybill_number"
    from expressdesk.waybills.numbering import make_waybill_number

    missing = client.get(f"/api/v1/tracking/{make_waybill_number('ED', 55_555_555)}")
    assert missing.status_code == 404


def test_batch_answers_each_number(client: TestClient, world: World, number: str) -> None:
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    body = client.post(
        "/api/v1/tracking/batch", json={"numbers": [number, typo, f" {number[:4]}-{number[4:]} "]}
    ).json()
    assert [(i["found"], i["error"]) for i in body] == [
        (True, None),
        (False, "invalid_waybill_number"),
        (True, None),
    ]
    too_many = client.post("/api/v1/tracking/batch", json={"numbers": [number] * 51})
    assert too_many.status_code == 422


def test_public_lookups_are_rate_limited_with_a_clear_message(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    client.app.state.public_limiter.limit = 5  # type: ignore[attr-defined]
    for _ in range(5):
        assert client.get(f"/api/v1/tracking/{number}").status_code == 200
    refused = client.get(f"/api/v1/tracking/{number}")
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert "at most 5" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) > 0
    # Staff are not limited, and the window moves on.
    assert (
        client.get(f"/api/v1/tracking/{number}", headers=world.headers("agent")).status_code == 200
    )
    clock.advance(timedelta(minutes=1, seconds=1))
    assert client.get(f"/api/v1/tracking/{number}").status_code == 200


def test_the_short_path_and_the_route_answer_alike(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    """Plain anonymous lookups are answered before FastAPI's routing (tracking/public.py);
    the rest reach the route. A caller cannot tell which path answered, and credentials are
    never ignored."""
    upload(client, world, life(number, clock.now() - timedelta(days=3)))
    url = f"/api/v1/tracking/{number}"
    short = client.get(url, params={"lang": "en"})
    # An extra parameter sends the lookup on to the route: the same answer.
    routed = client.get(url, params={"lang": "en", "utm_source": "sms"})
    assert short.status_code == routed.status_code == 200
    assert short.json() == routed.json() and short.json()["masked"] is True
    assert short.headers["content-type"] == routed.headers["content-type"] == "application/json"
    # A token is checked, never taken for an anonymous call; a stale login cookie is the public.
    refused = client.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and refused.json()["error"] == "not_authenticated"
    stale = client.get(url, headers={"Cookie": "ed_session=expired"})
    assert stale.status_code == 200 and stale.json()["masked"] is True
    assert client.get(url, headers=world.headers("agent")).json()["custody"] is not None
    # Out-of-bound parameters get the route's validation error, naming the field.
    too_long = client.get(url, params={"lang": "zh_CN-Hans-x"})
    assert too_long.status_code == 422 and too_long.json()["problems"][0]["field"] == "lang"
    # Spaces and dashes are tolerated on both paths; errors read the same.
    spaced = client.get(f"/api/v1/tracking/{number[:4]}-{number[4:8]} {number[8:]}")
    assert spaced.status_code == 200 and spaced.json()["number"] == number
    assert client.get(f"{url}0").json()["error"] == "invalid_waybill_number"
    assert client.get(f"{url}0", params={"x": "1"}).json()["error"] == "invalid_waybill_number"


def test_estimate_is_set_at_pickup_revised_and_late_is_flagged(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    # Monday 09:00 pickup in Hangzhou; evening dispatch reaches the HZ hub at 20:00, the 21:00
    # truck reaches Beijing Tuesday 09:00, sorted by 10:00, the noon round delivers by 19:00.
    picked = clock.now()
    upload(client, world, [scan(number, "pickup", picked, facility="HZ01")])
    body = client.get(f"/api/v1/tracking/{number}", headers=world.headers("agent")).json()
    assert body["estimated_delivery"].startswith("2026-11-03T11:00:00")  # 19:00 +08:00 in UTC
    assert body["promised_by"].startswith("2026-11-05T01:00:00")  # 72 h standard promise
    assert body["late"] is False
    # The truck is late: the Beijing hub scans the parcel on Wednesday at 10:00.
    clock.advance(timedelta(days=2, hours=1))
    upload(client, world, [scan(number, "arrival", clock.now(), facility="HBJ")])
    revised = client.get(f"/api/v1/tracking/{number}", headers=world.headers("agent")).json()
    # Sorted by 11:00, too late for the 10:30 noon truck: Thursday's morning round, by 12:00.
    assert revised["estimated_delivery"].startswith("2026-11-05T04:00:00")
    clock.advance(timedelta(days=1))
    assert (
        client.get(f"/api/v1/tracking/{number}", headers=world.headers("agent")).json()["late"]
        is False
    )
    clock.advance(timedelta(hours=3))
    assert (
        client.get(f"/api/v1/tracking/{number}", headers=world.headers("agent")).json()["late"]
        is True
    )


def test_the_lookups_driver_reads_return_what_sqlalchemy_returns(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session,
    engine: Engine,
) -> None:  # fmt: skip
    """The hot path reads on the driver's cursor; the values must be SQLAlchemy's, type for type
    (aware UTC datetimes, enums), in a session's transaction and on a bare connection (the
    public lookup's, in autocommit on PostgreSQL)."""
    upload(client, world, life(number, clock.now() - timedelta(days=3)))
    session.rollback()
    expected = session.execute(_TRACKING_BY_NUMBER.statement, {"number": number}).one()
    since = expected.created_at - EARLIEST_BEFORE_ORDER
    expected_events = session.execute(
        _TIMELINE.statement,
        {"waybill_id": expected.id, "since": since, "until": expected.last_event_at},
    ).all()
    assert len(expected_events) == 8
    with read_only(engine).connect() as conn:
        for db in (session, conn):
            record = tracking_record(db, number)
            assert record is not None and record._fields == tuple(expected._fields)
            assert list(record) == list(expected)
            assert [type(v) for v in record] == [type(v) for v in expected]
            assert record.created_at.tzinfo is not None and isinstance(
                record.status, ShipmentStatus
            )
            events = timeline_rows(db, expected)
            assert [list(e) for e in events] == [list(e) for e in expected_events]
            assert [[type(v) for v in e] for e in events] == [
                [type(v) for v in e] for e in expected_events
            ]
            assert tracking_record(db, "ED000000000000") is None


def test_each_lookup_sees_the_scans_committed_before_it(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    """The public's lookups share long-lived connections (SQLite: one on the event loop;
    PostgreSQL: an asynchronous pool): none may keep an old snapshot, not even after a lookup
    that named a courier (a third read)."""
    scans = life(number, clock.now() - timedelta(days=3))
    url = f"/api/v1/tracking/{number}"
    seen, sent = [], 0
    for upto in (1, 7, 8):  # picked up; out for delivery (the courier named); signed
        upload(client, world, scans[sent:upto])
        sent = upto
        body = client.get(url, params={"lang": "en"}).json()
        seen.append((body["status"], body["events"]))
    assert [status for status, _ in seen] == ["PICKED_UP", "OUT_FOR_DELIVERY", "DELIVERED"]
    assert [len(events) for _, events in seen] == [1, 7, 8]
    assert "(courier " in seen[1][1][0]["description"]


def test_postgresql_awaits_the_public_reads_on_the_event_loop(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session,
    engine: Engine,
) -> None:  # fmt: skip
    """On PostgreSQL the public lookup awaits its reads on an asynchronous pool (no thread pool):
    the rows are the synchronous path's, type for type; a connection the server dropped costs
    no failed lookup; an application built but not started still answers, through the thread
    pool."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the asynchronous read path is PostgreSQL's (SQLite reads on the loop as is)")
    upload(client, world, life(number, clock.now() - timedelta(days=3)))
    session.rollback()
    reads = client.app.state.async_reads  # type: ignore[attr-defined]
    assert reads is not None and not reads.closed
    dialect = reads.dialect  # asyncpg's: the statements are compiled for it

    async def read() -> tuple[Any, list[Any], dict[int, str]]:
        async with reads.connection() as conn:
            record = await tracking_record_async(conn, dialect, number)
            assert record is not None
            events = await timeline_rows_async(conn, dialect, record)
            people = await usernames_async(conn, dialect, [e.courier_id for e in events])
            return record, events, people

    record, events, people = client.portal.call(read)  # type: ignore[union-attr]
    expected = tracking_record(session, number)
    assert expected is not None
    assert list(record) == list(expected) and [type(v) for v in record] == [
        type(v) for v in expected
    ]
    expected_events = timeline_rows(session, expected)
    assert [list(e) for e in events] == [list(e) for e in expected_events]
    assert [[type(v) for v in e] for e in events] == [[type(v) for v in e] for e in expected_events]
    couriers = [e.courier_id for e in events if e.courier_id]
    assert couriers and people == usernames(session, couriers)

    url = f"/api/v1/tracking/{number}"
    answer = client.get(url, params={"lang": "en"}).json()
    # The courier's name, read asynchronously too.
    assert any("(courier " in e["description"] for e in answer["events"])
    # The pool's connections come back as they went (given back without asyncpg's reset
    # round trip, see db._keep_session): idle, outside any transaction.
    states = session.scalars(
        text("SELECT state FROM pg_stat_activity WHERE application_name = :n"),
        {"n": READS_APPLICATION_NAME},
    ).all()
    assert states and set(states) == {"idle"}
    # The server drops the pool's connections (a restart, a fail-over): the next lookup is
    # answered all the same.
    session.execute(
        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :n"),
        {"n": READS_APPLICATION_NAME},
    )
    session.commit()
    assert client.get(url, params={"lang": "en"}).json() == answer

    unstarted = create_app(client.app.state.settings, clock=clock, engine=engine)  # type: ignore[attr-defined]
    assert unstarted.state.async_reads.closed
    assert TestClient(unstarted).get(url, params={"lang": "en"}).json() == answer


def test_postgresql_public_reads_keep_to_their_connection_budget(
    world: World, settings: Settings, clock: FixedClock, engine: Engine, session: Session,
) -> None:  # fmt: skip
    """An operator sizes PostgreSQL's max_connections by EXPRESSDESK_PUBLIC_READ_CONNECTIONS:
    however many lookups run at once, a server process opens no more for them."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the asynchronous read pool is PostgreSQL's")
    app = create_app(settings.model_copy(update={"public_read_connections": 2}), clock=clock,
                     engine=engine)  # fmt: skip
    with TestClient(app) as client:
        number = str(
            client.post(
                "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
            ).json()["number"]
        )
        upload(client, world, life(number, clock.now() - timedelta(days=1))[:3])

        async def lookups() -> list[int]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
                answers = await asyncio.gather(
                    *(http.get(f"/api/v1/tracking/{number}") for _ in range(12))
                )
            return [answer.status_code for answer in answers]

        assert client.portal.call(lookups) == [200] * 12  # type: ignore[union-attr]
        opened = session.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
            {"n": READS_APPLICATION_NAME},
        )
    assert opened is not None and 1 <= opened <= 2
