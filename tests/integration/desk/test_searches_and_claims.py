"""Lost-parcel searches walking back the custody chain with one owner, the complete-delay
limit declaring a parcel lost with a claim, and claims decided by rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.enums import Role
from expressdesk.models import User, Waybill
from expressdesk.staff.service import create_api_token
from tests.support.desk import open_ticket, run_jobs, ticket
from tests.support.problems import upload
from tests.support.scans import scan
from tests.support.world import World

H = timedelta(hours=1)


def _to_bj01(client: TestClient, world: World, number: str, clock: FixedClock) -> None:
    """Picked up in Hangzhou, through both hubs, arrived at BJ01 — then nothing more."""
    t = clock.now()
    clock.advance(30 * H)  # the scans are in the past when they are uploaded
    upload(client, world, [
        scan(number, "pickup", t, facility="HZ01", weight_kg="1.2"),
        scan(number, "arrival", t + 9 * H, facility="HHZ"),
        scan(number, "departure", t + 12 * H, facility="HHZ"),
        scan(number, "arrival", t + 24 * H, facility="HBJ"),
        scan(number, "departure", t + 26 * H, facility="HBJ"),
        scan(number, "arrival", t + 28 * H, facility="BJ01"),
    ])  # fmt: skip


def _hub_staff(session: Session, world: World, now: datetime) -> None:
    hub = world.facilities["HBJ"]
    person = User(username="ops_hbj", display_name="Hub Ops", role=Role.OPERATIONS,
                  password_hash="x", facility_id=hub.id, created_at=now)  # fmt: skip
    session.add(person)
    session.flush()
    world.users["ops_hbj"] = person
    world.tokens["ops_hbj"] = create_api_token(session, person, "t", now)[1]
    session.commit()


def _search(client: TestClient, world: World, sid: int, user: str = "agent") -> dict[str, Any]:
    response = client.get(f"/api/v1/searches/{sid}", headers=world.headers(user))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_trace_request_opens_a_search_with_the_unit_that_last_scanned_the_parcel(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session
) -> None:
    _to_bj01(client, world, number, clock)
    _hub_staff(session, world, clock.now())
    data = open_ticket(client, world, type="trace", subject="三天无物流", waybills=[number])
    search_entry = next(e for e in data["entries"] if e["kind"] == "search")
    sid = search_entry["data"]["search"]
    search = _search(client, world, sid)
    assert search["unit"] == "BJ01"
    assert search["owner"] in ("ops", "courier")
    assert search["chain"] == ["BJ01", "HBJ", "HHZ", "HZ01"]
    assert search["ticket"] == data["number"]
    owner = search["owner"]
    # Only the owner (or a supervisor) reports; someone else is refused.
    other = client.post(f"/api/v1/searches/{sid}/report", headers=world.headers("ops_hbj"),
                        json={"outcome": "not_found", "looked": "看了"})  # fmt: skip
    assert other.status_code == 403
    # Not found at BJ01: the search moves back one step, to the hub, with a new deadline.
    moved = client.post(f"/api/v1/searches/{sid}/report", headers=world.headers(owner),
                        json={"outcome": "not_found", "looked": "货架、派件区、问题件区都找过"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["unit"] == "HBJ" and moved.json()["owner"] == "ops_hbj"
    # The hub does not answer in time: the deadline moves it on; HHZ has nobody → supervisor.
    clock.advance(25 * H)
    assert run_jobs(app_of(client)).searches_moved == 1
    now_at = _search(client, world, sid)
    assert now_at["at_supervisor"] is True and now_at["owner"] == "super"
    assert [s["outcome"] for s in now_at["steps"]] == [
        "assigned", "not_found", "assigned", "expired", "assigned",
    ]  # fmt: skip
    # The supervisor finds it at the hub: the parcel gets a scan there and moves on.
    found = client.post(f"/api/v1/searches/{sid}/report", headers=world.headers("super"),
                        json={"outcome": "found", "looked": "在分拨中心异常件区找到", "facility": "HBJ"})  # fmt: skip
    assert found.status_code == 200, found.text
    assert found.json()["status"] == "found"
    session.rollback()  # a fresh snapshot
    parcel = session.query(Waybill).filter_by(number=number).one()
    assert parcel.current_facility_id == world.facilities["HBJ"].id
    trail = ticket(client, world, data["number"])["entries"]
    outcomes = [e["data"].get("outcome") for e in trail if e["kind"] == "search"]
    assert outcomes == ["opened", "not_found", "found"]
    closed = client.post(f"/api/v1/searches/{sid}/report", headers=world.headers("super"),
                         json={"outcome": "not_found", "looked": "again"})  # fmt: skip
    assert closed.status_code == 409


def app_of(client: TestClient) -> Any:
    return client.app


def test_past_the_complete_delay_limit_the_parcel_is_declared_lost_with_a_claim(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session
) -> None:
    _to_bj01(client, world, number, clock)
    data = open_ticket(client, world, type="trace", subject="查件", waybills=[number])
    session.rollback()  # a fresh snapshot
    parcel = session.query(Waybill).filter_by(number=number).one()
    promise = parcel.promised_by or parcel.estimated_delivery_at
    assert promise is not None
    # Domestic: 7 calendar days past the promise. One hour before: still searching.
    clock.set(promise + timedelta(days=7) - H)
    assert run_jobs(client.app).declared_lost == 0
    clock.set(promise + timedelta(days=7, hours=1))
    assert run_jobs(client.app).declared_lost == 1
    session.rollback()  # a fresh snapshot
    parcel = session.query(Waybill).filter_by(number=number).one()
    assert parcel.status.value == "LOST"
    trail = ticket(client, world, data["number"])["entries"]
    lost = next(e for e in trail if e["kind"] == "search" and e["data"]["outcome"] == "lost")
    claim = client.get(
        f"/api/v1/claims/{lost['data']['claim']}", headers=world.headers("agent")
    ).json()
    assert claim["kind"] == "loss"
    assert claim["responsible_unit"] == "BJ01" and claim["bearer"] == "outlet"
    # Uninsured: the fee's cap (3 × the fee).
    assert claim["amount"] == f"{3 * parcel.freight_fen / 100:.2f}"
    assert any(e["kind"] == "claim_notice" and e["public"] for e in trail)


def test_claims_follow_the_policy_and_big_ones_wait_for_a_supervisor(
    client: TestClient, world: World, number: str
) -> None:
    small = client.post("/api/v1/claims", headers=world.headers("agent"), json={
        "waybill": number, "kind": "damage", "goods_value": "100", "damage_share": "0.2",
        "reason": "外箱压坏，一本书封面破损"})  # fmt: skip
    assert small.status_code == 201, small.text
    claim = small.json()
    assert claim["amount"] == "20.00" and claim["status"] == "approved"
    assert claim["ticket"].startswith("T")
    paid = client.post(f"/api/v1/claims/{claim['number']}/decision", headers=world.headers("agent"),
                       json={"decision": "pay", "version": claim["version"]})  # fmt: skip
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    notices = [e["body"] for e in ticket(client, world, claim["ticket"])["entries"]
               if e["kind"] == "claim_notice"]  # fmt: skip
    assert len(notices) == 3 and "已支付" in notices[-1]

    delay = client.post("/api/v1/claims", headers=world.headers("agent"),
                        json={"waybill": number, "kind": "delay", "ticket": claim["ticket"]})  # fmt: skip
    assert delay.status_code == 201
    assert delay.json()["amount"] == claim["fee"]  # the fee, nothing more

    big = client.post("/api/v1/claims", headers=world.headers("agent"), json={
        "waybill": number, "kind": "loss", "goods_value": "2000", "bearer": "outlet",
        "responsible_unit": "BJ01"})  # fmt: skip
    assert big.status_code == 201
    assert big.json()["status"] == "approved"  # uninsured: capped at 3× the fee, under 500
    missing_unit = client.post("/api/v1/claims", headers=world.headers("agent"), json={
        "waybill": number, "kind": "loss", "goods_value": "2000", "bearer": "outlet"})  # fmt: skip
    assert missing_unit.status_code == 422 and "responsible_unit" in missing_unit.json()["detail"]


def test_an_insured_claim_above_the_threshold_needs_a_supervisor(
    client: TestClient, world: World
) -> None:
    from tests.support.problems import new_waybill

    insured = new_waybill(client, world, declared_value="3000")
    made = client.post("/api/v1/claims", headers=world.headers("agent"), json={
        "waybill": insured, "kind": "loss", "goods_value": "2500"})  # fmt: skip
    assert made.status_code == 201, made.text
    claim = made.json()
    assert claim["amount"] == "2500.00" and claim["status"] == "pending_approval"
    by_agent = client.post(f"/api/v1/claims/{claim['number']}/decision", headers=world.headers("agent"),
                           json={"decision": "approve", "version": claim["version"]})  # fmt: skip
    assert by_agent.status_code == 403
    early_pay = client.post(f"/api/v1/claims/{claim['number']}/decision", headers=world.headers("super"),
                            json={"decision": "pay", "version": claim["version"]})  # fmt: skip
    assert early_pay.status_code == 409
    approved = client.post(f"/api/v1/claims/{claim['number']}/decision", headers=world.headers("super"),
                           json={"decision": "approve", "version": claim["version"], "reason": "证据齐全"})  # fmt: skip
    assert approved.status_code == 200 and approved.json()["payable"] == "2500.00"
    stale = client.post(f"/api/v1/claims/{claim['number']}/decision", headers=world.headers("super"),
                        json={"decision": "reject", "version": claim["version"], "reason": "x"})  # fmt: skip
    assert stale.status_code == 409
    # The waybill's shipper is nobody here; another shipper cannot see the claim.
    assert (
        client.get(
            f"/api/v1/claims/{claim['number']}", headers=world.headers("shipper_c2")
        ).status_code
        == 404
    )
