"""Notification pages: the admin's failures and template editor with a preview, a shipper's
webhooks with their log (their own only), and a parcel's messages on its page."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.notify.sender import deliver_due
from tests.support.problems import upload
from tests.support.receivers import HttpReceiver
from tests.support.scans import scan
from tests.support.web_login import login
from tests.support.world import World, waybill_payload


def _csrf(client: TestClient) -> str:
    return str(client.cookies.get("ed_csrf"))


def test_the_admin_sees_failures_and_edits_a_template_with_a_preview(
    client: TestClient, world: World, number: str, clock: FixedClock,
    session_factory: sessionmaker[Session], settings: Settings, receiver: HttpReceiver,
) -> None:  # fmt: skip
    client.post("/api/v1/webhooks", json={"url": receiver.url}, headers=world.headers("shipper_c1"))
    mine = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    ).json()["number"]
    receiver.down = True
    upload(client, world, [scan(mine, "pickup", clock.now(), facility="HZ01")])
    deliver_due(session_factory, settings, clock.now())
    login(client, "admin")
    page = client.get("/notifications")
    assert page.status_code == 200
    failures = page.text.split('id="failures"')[1].split("</table>")[0]
    assert receiver.url in failures and "HTTP 503" in failures
    bad = client.post("/notifications/templates", data={
        "csrf_token": _csrf(client), "event": "delivered", "channel": "sms", "locale": "zh_CN",
        "body": "已签收 {waybil}", "action": "save"})  # fmt: skip
    assert bad.status_code == 422 and "waybil" in bad.text
    shown = client.post("/notifications/templates", data={
        "csrf_token": _csrf(client), "event": "delivered", "channel": "sms", "locale": "zh_CN",
        "body": "您的快件{waybill}已签收（{signer}）", "waybill": number, "action": "preview"})  # fmt: skip
    assert shown.status_code == 200
    assert f"您的快件{number}已签收" in shown.text.split('id="preview"')[1]
    client.cookies.clear()
    login(client, "agent")
    assert client.get("/notifications").status_code == 403


def test_a_shipper_sees_only_their_webhooks_and_a_parcel_page_lists_its_messages(
    client: TestClient, world: World, clock: FixedClock, receiver: HttpReceiver,
    session_factory: sessionmaker[Session], settings: Settings,
) -> None:  # fmt: skip
    client.post("/api/v1/webhooks", json={"url": receiver.url}, headers=world.headers("shipper_c1"))
    mine = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    ).json()["number"]
    upload(client, world, [scan(mine, "pickup", clock.now(), facility="HZ01")])
    deliver_due(session_factory, settings, clock.now() + timedelta(minutes=1))
    login(client, "shipper_c1")
    page = client.get("/webhooks")
    assert page.status_code == 200 and receiver.url in page.text and "200" in page.text
    client.cookies.clear()
    login(client, "shipper_c2")
    assert receiver.url not in client.get("/webhooks").text
    by_customer = client.get("/api/v1/messages?customer=C1", headers=world.headers("agent")).json()
    assert {m["event"] for m in by_customer} >= {"picked_up", "status_changed"}
    assert client.get("/api/v1/messages?customer=C2", headers=world.headers("agent")).json() == []
    client.cookies.clear()
    login(client, "agent")
    account = client.get("/customers/C1/messages")
    assert (
        account.status_code == 200 and "picked_up" in account.text and receiver.url in account.text
    )
    assert client.get("/customers/NOPE/messages").status_code == 404
    waybill_page = client.get(f"/waybills/{mine}").text
    messages = waybill_page.split('id="messages"')[1].split("</section>")[0]
    assert "picked_up" in messages and "13912345678" in messages and "status_changed" in messages
