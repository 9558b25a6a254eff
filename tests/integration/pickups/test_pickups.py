"""Pickup booking with a fake clock: assignment to the area's courier, the courier's day in
window order, punctuality, inspection and the ID check, cancel / reschedule, missed windows
becoming desk tickets, a recipient's return, and a shipper's own pickups only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import Pickup, Ticket
from expressdesk.pickups import rules
from tests.support.world import World, waybill_payload

H = timedelta(hours=1)
BEIJING = "北京市朝阳区建国路88号SOHO现代城"


def _book(client: TestClient, world: World, clock: FixedClock, start_h: float, *,
          who: str = "shipper_c1", address: str = BEIJING, **extra: Any) -> Any:  # fmt: skip
    start = clock.now() + start_h * H
    body = {"contact_name": "王芳", "phone": "138 0000 0000", "address": address,
            "window_start": start.isoformat(), "window_end": (start + 2 * H).isoformat(), **extra}  # fmt: skip
    return client.post("/api/v1/pickups", json=body, headers=world.headers(who))


def test_a_booking_goes_to_the_areas_courier_and_a_resend_is_the_same_pickup(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    made = _book(client, world, clock, 3, request_id="order-77")
    assert made.status_code == 201, made.text
    pickup = made.json()
    assert (pickup["status"], pickup["courier"], pickup["area"]) == (
        "assigned",
        "courier",
        "BJ01-01",
    )
    assert pickup["customer"] == "C1" and pickup["phone"] == "13800000000"
    again = _book(client, world, clock, 3, request_id="order-77")
    assert again.status_code == 200 and again.json()["number"] == pickup["number"]
    # Bad input names the field and the rule.
    for extra, field in (({"phone": "12345"}, "phone"),):
        bad = _book(client, world, clock, 3, **extra)
        assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == field
    start = clock.now() + 3 * H
    too_long = client.post("/api/v1/pickups", headers=world.headers("shipper_c1"), json={
        "contact_name": "王芳", "phone": "13800000000", "address": BEIJING,
        "window_start": start.isoformat(), "window_end": (start + 6 * H).isoformat()})  # fmt: skip
    assert too_long.status_code == 422 and too_long.json()["problems"][0]["field"] == "window_end"
    past = _book(client, world, clock, -5)
    assert past.status_code == 422 and "ended" in past.text
    # Outside every area with a courier: booked, for a dispatcher to assign.
    hz = _book(client, world, clock, 3, address="浙江省杭州市西湖区文三路1号").json()
    assert (hz["status"], hz["courier"]) == ("booked", None)
    assert client.post(f"/api/v1/pickups/{hz['number']}/assign", json={"courier": "courier"},
                       headers=world.headers("agent")).status_code == 403  # fmt: skip
    wrong = client.post(f"/api/v1/pickups/{hz['number']}/assign", json={"courier": "agent"},
                        headers=world.headers("ops"))  # fmt: skip
    assert wrong.status_code == 422
    assigned = client.post(f"/api/v1/pickups/{hz['number']}/assign", json={"courier": "courier"},
                           headers=world.headers("ops"))  # fmt: skip
    assert assigned.json()["status"] == "assigned" and assigned.json()["courier"] == "courier"


def test_the_couriers_day_is_in_window_order_and_arrival_decides_punctuality(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    late = _book(client, world, clock, 5).json()
    early = _book(client, world, clock, 1).json()
    middle = _book(client, world, clock, 3).json()
    day = client.get("/api/v1/pickups", headers=world.headers("courier")).json()
    assert [p["number"] for p in day] == [early["number"], middle["number"], late["number"]]
    clock.advance(1.5 * H)  # inside the first window
    kept = client.post(
        f"/api/v1/pickups/{early['number']}/arrive", headers=world.headers("courier")
    )
    assert kept.json()["punctual"] is True
    clock.advance(4 * H)  # the middle window (3–5 h) is over
    missed_window = client.post(f"/api/v1/pickups/{middle['number']}/arrive",
                                headers=world.headers("courier")).json()  # fmt: skip
    assert missed_window["punctual"] is False
    assert client.post(f"/api/v1/pickups/{late['number']}/arrive",
                       headers=world.headers("shipper_c1")).status_code == 403  # fmt: skip


def test_completion_needs_inspection_and_a_checked_id_kept_sealed(
    client: TestClient, world: World, clock: FixedClock, session: Session, settings: Settings
) -> None:
    refused = _book(client, world, clock, 1).json()
    done = client.post(f"/api/v1/pickups/{refused['number']}/complete", json={"inspected": False},
                       headers=world.headers("courier"))  # fmt: skip
    assert done.json()["status"] == "refused" and "验视" in done.json()["reason"]
    pickup = _book(client, world, clock, 1).json()
    url = f"/api/v1/pickups/{pickup['number']}/complete"
    no_id = client.post(url, json={"inspected": True}, headers=world.headers("courier"))
    assert no_id.status_code == 422 and no_id.json()["problems"][0]["field"] == "id_number"
    bad_id = client.post(url, json={"inspected": True, "id_number": "110105194912310021"},
                         headers=world.headers("courier"))  # fmt: skip
    assert bad_id.status_code == 422 and bad_id.json()["problems"][0]["rule"] == "checksum"
    ok = client.post(url, json={"inspected": True, "id_number": "11010519491231002x", "parcels": 3},
                     headers=world.headers("courier"))  # fmt: skip
    assert ok.status_code == 200, ok.text
    assert (ok.json()["status"], ok.json()["id_number"], ok.json()["parcels"]) == (
        "done", "110***********002X", 3)  # fmt: skip
    session.rollback()
    row = session.scalar(select(Pickup).where(Pickup.number == pickup["number"]))
    assert (
        row is not None
        and row.id_number_sealed
        and "11010519491231002X" not in row.id_number_sealed
    )
    assert rules.open_id(row.id_number_sealed, settings.secret_key) == "11010519491231002X"
    # The shipper sees the pickup, not the sender's ID (not even masked); nor another account.
    mine = client.get(f"/api/v1/pickups/{pickup['number']}", headers=world.headers("shipper_c1"))
    assert mine.status_code == 200 and mine.json()["id_number"] is None
    assert client.get(f"/api/v1/pickups/{pickup['number']}",
                      headers=world.headers("shipper_c2")).status_code == 404  # fmt: skip
    again = client.post(url, json={"inspected": True, "id_number": "11010519491231002X"},
                        headers=world.headers("courier"))  # fmt: skip
    assert again.status_code == 409


def test_cancel_reschedule_and_a_missed_window_becomes_a_desk_ticket_once(
    client: TestClient, world: World, clock: FixedClock,
    session_factory: sessionmaker[Session], settings: Settings, session: Session,
) -> None:  # fmt: skip
    from expressdesk.pickups.service import sweep_missed

    cancelled = _book(client, world, clock, 2).json()
    gone = client.post(f"/api/v1/pickups/{cancelled['number']}/cancel", json={"reason": "客户改约"},
                       headers=world.headers("shipper_c1"))  # fmt: skip
    assert gone.json()["status"] == "cancelled" and gone.json()["reason"] == "客户改约"
    assert client.post(f"/api/v1/pickups/{cancelled['number']}/arrive",
                       headers=world.headers("courier")).status_code == 409  # fmt: skip
    moved = _book(client, world, clock, 2).json()
    new_start = clock.now() + 26 * H
    rescheduled = client.post(f"/api/v1/pickups/{moved['number']}/reschedule", json={
        "window_start": new_start.isoformat(), "window_end": (new_start + 2 * H).isoformat(),
        "reason": "明天再来"}, headers=world.headers("agent"))  # fmt: skip
    assert rescheduled.json()["reschedules"] == 1
    forgotten = _book(client, world, clock, 1).json()
    clock.advance(3.6 * H)  # its window (1–3 h) ended more than 30 minutes ago
    with session_factory() as s:
        assert sweep_missed(s, clock.now(), settings) == 1  # not the rescheduled one
        s.commit()
    with session_factory() as s:
        assert sweep_missed(s, clock.now() + H, settings) == 0  # once
        s.commit()
    session.rollback()
    row = session.scalar(select(Pickup).where(Pickup.number == forgotten["number"]))
    assert row is not None and row.missed_at is not None and row.ticket_id is not None
    ticket = session.get(Ticket, row.ticket_id)
    assert (
        ticket is not None
        and ticket.type.value == "urging"
        and forgotten["number"] in ticket.subject
    )


def test_a_recipient_books_a_return_with_the_phone_check(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    number = client.post("/api/v1/waybills", json=waybill_payload(),
                         headers=world.headers("shipper_c1")).json()["number"]  # fmt: skip
    start = clock.now() + 2 * H
    body = {"waybill": number, "phone_last4": "5678", "window_start": start.isoformat(),
            "window_end": (start + 2 * H).isoformat()}  # fmt: skip
    booked = client.post("/api/v1/public/pickups", json=body)
    assert booked.status_code == 201, booked.text
    out = booked.json()
    assert (
        out["waybill"] == number and out["phone"] == "139****5678" and out["contact_name"] == "李*"
    )
    assert "建国路" not in out["address"]  # the public sees the district, not the street
    assert client.post("/api/v1/public/pickups", json=body).json()["number"] == out["number"]
    wrong = client.post("/api/v1/public/pickups", json={**body, "phone_last4": "0000"})
    assert wrong.status_code == 404


def test_a_missed_pickup_ticket_shows_on_the_desk(
    client: TestClient, world: World, clock: FixedClock,
    session_factory: sessionmaker[Session], settings: Settings, session: Session,
) -> None:  # fmt: skip
    from expressdesk.pickups.service import sweep_missed
    from tests.support.web_login import login

    _book(client, world, clock, 1)
    clock.advance(4 * H)
    with session_factory() as s:
        assert sweep_missed(s, clock.now(), settings) == 1
        s.commit()
    session.rollback()
    ticket = session.scalars(select(Ticket)).one()
    login(client, "agent")
    page = client.get(f"/tickets/{ticket.number}")
    assert page.status_code == 200 and ("系统" in page.text or "System" in page.text)
    assert client.get("/desk").status_code == 200
