"""The shipper portal's pages: a quote before a waybill is created, the address book, pickups,
a ticket read and answered, API keys shown once and revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.models import ApiToken, Waybill
from tests.support.web_login import login
from tests.support.world import World

HTML = {"Accept": "text/html"}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


SHIP = {"sender_name": "王芳", "sender_phone": "13800000000",
        "sender_address": "浙江省杭州市西湖区文三路1号", "recipient_name": "李雷",
        "recipient_phone": "13912345678", "recipient_address": "北京市朝阳区建国路88号",
        "weight_kg": "1.2", "contents": "图书", "product": "standard"}  # fmt: skip


def test_a_shipper_sees_the_price_then_creates_the_waybill(
    client: TestClient, world: World, session: Session
) -> None:
    login(client, "shipper_c1")
    token = _csrf(client.get("/portal/ship").text)
    quoted = client.post("/portal/ship", data={**SHIP, "step": "quote", "csrf_token": token})
    assert quoted.status_code == 200 and re.search(r'id="ship-total">¥\d+\.\d\d<', quoted.text)
    assert "CT-C1" in quoted.text  # the account's contract prices
    session.rollback()
    assert session.scalar(select(Waybill.id)) is None  # a quote creates nothing
    made = client.post("/portal/ship", data={**SHIP, "step": "create", "order_ref": "SO-1",
                                             "csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert made.status_code == 303 and made.headers["location"].startswith("/waybills/")
    again = client.post("/portal/ship", data={**SHIP, "step": "create", "order_ref": "SO-1",
                                              "csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert again.headers.get("location") == made.headers["location"]  # the same order, once
    bad = client.post("/portal/ship", data={**SHIP, "recipient_phone": "123", "step": "quote",
                                            "csrf_token": token})  # fmt: skip
    assert bad.status_code == 422 and "phone" in bad.text


def test_address_book_pickups_tickets_and_keys(
    client: TestClient, world: World, session: Session
) -> None:
    ticket = client.post("/api/v1/tickets", headers=world.headers("shipper_c1"),
                         json={"type": "inquiry", "subject": "月结对账"}).json()["number"]  # fmt: skip
    login(client, "shipper_c1")
    token = _csrf(client.get("/portal").text)
    saved = client.post("/portal/addresses", data={
        "kind": "recipient", "label": "北京仓", "name": "李雷", "phone": "13912345678",
        "address": "北京市朝阳区建国路88号", "csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    twice = client.post("/portal/addresses", data={
        "kind": "recipient", "label": "北京仓", "name": "李雷", "phone": "13912345678",
        "address": "北京市朝阳区建国路88号", "csrf_token": token})  # fmt: skip
    assert twice.status_code == 409 and "label" in twice.text
    assert "北京仓" in client.get("/portal/ship").text  # offered when shipping
    booked = client.post("/portal/pickups", data={
        "day": "2026-11-03", "start": "09:00", "end": "11:00", "contact_name": "王芳",
        "phone": "13800000000", "address": "北京市朝阳区建国路88号", "parcels": "3",
        "csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert booked.status_code == 303
    assert "PK" in client.get("/portal/pickups").text
    late = client.post("/portal/pickups", data={
        "day": "2026-11-03", "start": "09:00", "end": "17:00", "contact_name": "王芳",
        "phone": "13800000000", "address": "北京市朝阳区建国路88号", "csrf_token": token})  # fmt: skip
    assert late.status_code == 422 and "window_end" in late.text
    home = client.get("/portal").text
    assert ticket in home
    replied = client.post(f"/portal/tickets/{ticket}/reply",
                          data={"body": "请尽快回复", "csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert replied.status_code == 303
    assert "请尽快回复" in client.get(f"/portal/tickets/{ticket}").text
    created = client.post("/portal/keys", data={"name": "ERP", "csrf_token": token})
    shown = re.search(r"<code>([^<]+)</code>", created.text)
    assert created.status_code == 200 and shown
    key = shown.group(1)
    assert key not in client.get("/portal/keys").text  # shown once
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    session.rollback()
    record = session.scalar(select(ApiToken).where(ApiToken.name == "ERP"))
    assert record is not None and key not in record.token_hash  # stored hashed
    revoked = client.post(f"/portal/keys/{record.id}/revoke", data={"csrf_token": token},
                          follow_redirects=False)  # fmt: skip
    assert revoked.status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_a_shipper_opens_a_ticket_about_its_own_parcel_only(
    client: TestClient, world: World
) -> None:
    from tests.support.world import waybill_payload

    mine = client.post("/api/v1/waybills", json=waybill_payload(),
                       headers=world.headers("shipper_c1")).json()["number"]  # fmt: skip
    theirs = client.post("/api/v1/waybills", json=waybill_payload(),
                         headers=world.headers("shipper_c2")).json()["number"]  # fmt: skip
    login(client, "shipper_c1")
    token = _csrf(client.get("/portal/tickets").text)
    opened = client.post("/portal/tickets", data={"type": "trace", "subject": "三天没有更新",
                                                  "waybill": mine, "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
    assert opened.status_code == 303 and opened.headers["location"].startswith("/portal/tickets/T")
    assert "三天没有更新" in client.get("/portal/tickets").text
    other = client.post("/portal/tickets", data={"type": "trace", "subject": "别人的件",
                                                 "waybill": theirs, "csrf_token": token})  # fmt: skip
    assert other.status_code == 422 and "waybills" in other.text
    complaint = client.post("/portal/tickets", data={"type": "complaint", "subject": "太慢了",
                                                     "csrf_token": token})  # fmt: skip
    assert complaint.status_code == 422 and "category" in complaint.text
