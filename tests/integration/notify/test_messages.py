"""Recipient milestones and shipper webhooks through the outbox, sent by the worker to real
receivers on loopback: once per waybill and status, quiet hours, opt-out, signed webhooks in
order, retries with backoff, disabling, a worker killed mid-batch."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import (
    Customer,
    DeliveryAttempt,
    Facility,
    OutboxMessage,
    Waybill,
    WebhookSubscription,
)
from expressdesk.notify.channels import Outcome, SmtpChannel
from expressdesk.notify.sender import default_channels, deliver_due
from tests.support.problems import new_waybill, upload
from tests.support.receivers import HttpReceiver, SmtpReceiver
from tests.support.scans import scan
from tests.support.world import World

H = timedelta(hours=1)
M = timedelta(minutes=1)


def outbox(session: Session, **where: Any) -> list[OutboxMessage]:
    session.rollback()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for k, v in where.items():
        query = query.where(getattr(OutboxMessage, k) == v)
    return list(session.scalars(query))


def subscribe(client: TestClient, world: World, url: str, events: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    response = client.post("/api/v1/webhooks", json={"url": url, "events": events or []},
                           headers=world.headers("shipper_c1"))  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json())


def shipped(client: TestClient, world: World) -> str:
    """A waybill of customer C1 (whose shipper subscribes to webhooks)."""
    from tests.support.world import waybill_payload

    made = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    )
    assert made.status_code == 201, made.text
    return str(made.json()["number"])


def life(number: str, start: datetime) -> list[dict[str, Any]]:
    return [
        scan(number, "pickup", start, facility="HZ01", weight_kg="1.2"),
        scan(number, "arrival", start + 28 * H, facility="BJ01"),
        scan(number, "out_for_delivery", start + 29 * H, facility="BJ01", courier="courier",
             courier_phone="13700001111"),
        scan(number, "signed", start + 31 * H, facility="BJ01", signer_type="mailroom"),
    ]  # fmt: skip


def test_each_milestone_reaches_the_recipient_once_however_often_scans_repeat(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings,
) -> None:  # fmt: skip
    start = clock.now()
    for item in life(number, start):  # each scan uploaded as it happens
        clock.set(datetime.fromisoformat(item["time"]) + M)
        upload(client, world, [item])
    # A second round out for delivery after the signature changes nothing for the recipient.
    upload(client, world, [scan(number, "out_for_delivery", start + 29 * H + M, facility="BJ01",
                                courier="courier", courier_phone="13700001111")])  # fmt: skip
    sms = outbox(session, channel="sms")
    assert [m.event for m in sms] == ["picked_up", "out_for_delivery", "delivered"]
    assert all(m.recipient == "13912345678" for m in sms)
    ofd = sms[1].body
    assert number in ofd and "Courier" in ofd and "13700001111" in ofd
    assert "收发室代收" in sms[2].body
    report = deliver_due(session_factory, settings, clock.now())
    assert report.sent == 3
    log = (settings.data_dir / "sms.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["to"] for line in log] == ["13912345678"] * 3
    assert deliver_due(session_factory, settings, clock.now()).sent == 0  # nothing twice
    # An offline device uploads a whole life late: the recipient hears only where it ended.
    late = new_waybill(client, world)
    upload(client, world, life(late, start))
    session.rollback()  # a fresh snapshot: the waybill was made by the API
    late_id = session.scalar(select(Waybill.id).where(Waybill.number == late))
    assert [m.event for m in outbox(session, channel="sms", waybill_id=late_id)] == ["delivered"]


def test_a_parcel_left_at_a_station_names_the_station_and_the_pickup_code(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session
) -> None:
    start = clock.now()
    stored = scan(number, "stored", start + 30 * H, facility="BJ01", pickup_code="6-2-3018")
    clock.set(start + 30 * H + M)
    upload(client, world, [*life(number, start)[:3], stored])
    sms = outbox(session, channel="sms")
    assert [m.event for m in sms] == ["at_pickup_point"]
    station = session.scalar(select(Facility.name).where(Facility.code == "BJ01"))
    assert station and station in sms[0].body and "6-2-3018" in sms[0].body


def test_no_sms_at_night_it_waits_for_the_morning(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings,
) -> None:  # fmt: skip
    night = datetime.fromisoformat("2026-11-02T22:30:00+08:00")
    clock.set(night)
    upload(client, world, [scan(number, "pickup", night - M, facility="HZ01")])
    message = outbox(session, channel="sms")[0]
    assert message.next_attempt_at == datetime.fromisoformat("2026-11-03T08:00:00+08:00")
    assert deliver_due(session_factory, settings, night + H).sent == 0
    clock.set(datetime.fromisoformat("2026-11-03T08:00:00+08:00"))
    assert deliver_due(session_factory, settings, clock.now()).sent == 1


def test_a_recipient_who_opted_out_gets_nothing(
    client: TestClient, world: World, number: str, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings,
) -> None:  # fmt: skip
    opted = client.post("/api/v1/opt-outs", json={"address": "13912345678", "channel": "sms"},
                        headers=world.headers("agent"))  # fmt: skip
    assert opted.status_code == 201
    upload(client, world, [scan(number, "pickup", clock.now(), facility="HZ01")])
    message = outbox(session, channel="sms")[0]
    assert message.status == "skipped" and "opted out" in message.last_error
    assert deliver_due(session_factory, settings, clock.now()).sent == 0
    assert not (settings.data_dir / "sms.log").exists()


def _verify_as_documented(secret: str, header: str, body: bytes) -> bool:
    """The receiver's recipe from the README, written out independently of our code."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"])


def test_webhooks_are_signed_filtered_and_carry_an_event_id_and_version(
    client: TestClient, world: World, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings, receiver: HttpReceiver,
) -> None:  # fmt: skip
    everything = subscribe(client, world, receiver.url)
    delivered_only = subscribe(client, world, receiver.url + "?only=delivered", ["delivered"])
    assert everything["secret"].startswith("whsec_")
    number = shipped(client, world)
    start = clock.now()
    clock.advance(32 * H)
    upload(client, world, life(number, start))
    report = deliver_due(session_factory, settings, clock.now())
    # 1 SMS (a late whole life: "delivered"); 4 status changes + OFD + delivered; 1 filtered
    assert report.sent == 1 + 7
    got = receiver.requests
    assert len(got) == 7
    for r in got:
        secret = delivered_only["secret"] if "only=" in r.path else everything["secret"]
        assert _verify_as_documented(secret, r.headers["X-ExpressDesk-Signature"], r.body)
        assert r.json()["version"] and r.json()["id"] == r.headers["X-ExpressDesk-Event-Id"]
    filtered = [r.json()["type"] for r in got if "only=" in r.path]
    assert filtered == ["delivered"]
    changes = [r.json()["data"]["status"] for r in got
               if "only=" not in r.path and r.json()["type"] == "status_changed"]  # fmt: skip
    assert changes == ["PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    # Another shipper's parcel sends nothing to C1's endpoints.
    other = new_waybill(client, world)
    upload(client, world, [scan(other, "pickup", clock.now(), facility="HZ01")])
    deliver_due(session_factory, settings, clock.now())
    assert len(receiver.requests) == 7


def test_a_receiver_down_for_ten_minutes_gets_every_event_once_in_order_per_waybill(
    client: TestClient, world: World, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings, receiver: HttpReceiver,
) -> None:  # fmt: skip
    subscribe(client, world, receiver.url, ["status_changed"])
    parcels = [shipped(client, world) for _ in range(2)]
    start = clock.now()
    clock.advance(32 * H)
    receiver.down = True
    for number in parcels:
        upload(client, world, life(number, start))
    down_until = clock.now() + 10 * M
    while clock.now() < down_until:  # the worker keeps trying every minute
        deliver_due(session_factory, settings, clock.now())
        clock.advance(M)
    assert receiver.requests == [] and receiver.attempts > 2
    receiver.down = False
    for _ in range(40):  # backoff has grown; give it time
        deliver_due(session_factory, settings, clock.now())
        clock.advance(M)
    bodies = [r.json() for r in receiver.requests]
    ids = [b["id"] for b in bodies]
    assert len(ids) == len(set(ids)) == 8  # every event, once
    for number in parcels:
        statuses = [b["data"]["status"] for b in bodies if b["data"]["waybill"] == number]
        assert statuses == ["PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    attempts = session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.ok.is_(False))).all()
    assert attempts and all(a.status_code == 503 for a in attempts)


def test_failures_back_off_and_a_failing_endpoint_is_disabled_and_the_customer_told(
    client: TestClient, world: World, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings, receiver: HttpReceiver,
    smtp: SmtpReceiver,
) -> None:  # fmt: skip
    sub = subscribe(client, world, receiver.url, ["status_changed"])
    number = shipped(client, world)
    customer = session.get(Customer, world.customers["C1"].id)
    assert customer is not None
    customer.email = "it@shop-c1.example"
    session.commit()
    strict = settings.model_copy(update={"webhook_disable_after": 3, "smtp_host": "127.0.0.1",
                                         "smtp_port": smtp.port})  # fmt: skip
    receiver.down = True
    upload(client, world, [scan(number, "pickup", clock.now(), facility="HZ01")])
    waits = []
    for _ in range(3):
        deliver_due(session_factory, strict, clock.now())
        message = outbox(session, channel="webhook")[0]
        waits.append(message.next_attempt_at - clock.now())
        clock.set(message.next_attempt_at)
    assert waits[:2] == [timedelta(seconds=30), timedelta(seconds=60)]
    session.rollback()
    disabled = session.get(WebhookSubscription, sub["id"])
    assert disabled is not None and not disabled.active and "3 failed" in disabled.disabled_reason
    deliver_due(session_factory, strict, clock.now())
    told = [m for m in smtp.messages if "Webhook" in str(m["Subject"])]
    assert told and told[0]["To"] == "it@shop-c1.example" and receiver.url in told[0].get_content()
    # Fixed and enabled again: what it missed goes out.
    receiver.down = False
    enabled = client.patch(f"/api/v1/webhooks/{sub['id']}", json={"active": True},
                           headers=world.headers("shipper_c1"))  # fmt: skip
    assert enabled.status_code == 200
    deliver_due(session_factory, strict, clock.now())
    assert [r.json()["data"]["status"] for r in receiver.requests] == ["PICKED_UP"]
    log = client.get(
        f"/api/v1/webhooks/{sub['id']}/deliveries", headers=world.headers("shipper_c1")
    ).json()
    codes = [a["status_code"] for a in log[0]["attempts"]]
    assert codes == [503, 503, 503, 200]
    assert all(a["latency_ms"] >= 0 for a in log[0]["attempts"])
    # Re-delivery from the log sends it again with the same event id.
    again = client.post(f"/api/v1/webhooks/{sub['id']}/deliveries/{log[0]['id']}/redeliver",
                        headers=world.headers("shipper_c1"))  # fmt: skip
    assert again.status_code == 200
    deliver_due(session_factory, strict, clock.now())
    assert len(receiver.requests) == 2
    assert receiver.requests[0].json()["id"] == receiver.requests[1].json()["id"]
    # Another shipper cannot see or touch this endpoint.
    assert client.get(f"/api/v1/webhooks/{sub['id']}/deliveries",
                      headers=world.headers("shipper_c2")).status_code == 404  # fmt: skip


class _Killed(BaseException):
    """Stands for the worker process dying (not an error the sender would catch)."""


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_nothing_acknowledged(
    client: TestClient, world: World, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings, receiver: HttpReceiver,
) -> None:  # fmt: skip
    subscribe(client, world, receiver.url, ["status_changed"])
    parcels = [shipped(client, world) for _ in range(4)]
    for number in parcels:
        upload(client, world, [scan(number, "pickup", clock.now(), facility="HZ01")])
    real = default_channels(settings)
    sent = 0

    def dying(channel: str, secrets: dict[int, str]) -> Any:
        inner = real(channel, secrets)

        class Dies:
            def send(self, message: OutboxMessage, now: datetime) -> Outcome:
                nonlocal sent
                if channel == "webhook" and sent == 2:
                    # Killed after the receiver acknowledged the third, before we recorded it.
                    inner.send(message, now)
                    raise _Killed
                outcome = inner.send(message, now)
                if channel == "webhook":
                    sent += 1
                return outcome

        return Dies()

    with pytest.raises(_Killed):
        deliver_due(session_factory, settings, clock.now(), channels=dying)
    assert len(receiver.requests) == 3
    # Restarted: the claim of the one in flight expires; the rest go out; nothing recorded as
    # delivered goes twice. The one in flight may repeat (same event id: the receiver can tell).
    clock.advance(5 * M)
    deliver_due(session_factory, settings, clock.now())
    ids = [r.json()["id"] for r in receiver.requests]
    assert len(set(ids)) == 4
    assert len(ids) - len(set(ids)) <= 1
    assert all(m.status == "sent" for m in outbox(session, channel="webhook"))


def test_email_goes_out_over_smtp_to_a_real_server(
    smtp: SmtpReceiver, settings: Settings, clock: FixedClock
) -> None:
    configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    message = OutboxMessage(id=7, key="email:test:1", channel="email", event="survey",
                            recipient="wang@example.com", subject="请评价我们的服务",
                            body="您好：请花一分钟评价。", payload={})  # fmt: skip
    outcome = SmtpChannel(configured).send(message, clock.now())
    assert outcome.ok, outcome.error
    got = smtp.messages[0]
    assert got["To"] == "wang@example.com" and got["Subject"] == "请评价我们的服务"
    assert "请花一分钟评价" in got.get_content()
    down = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 1})
    failed = SmtpChannel(down).send(message, clock.now())
    assert not failed.ok and failed.error


def test_the_http_sms_provider_posts_with_its_token(
    settings: Settings, clock: FixedClock, receiver: HttpReceiver
) -> None:
    from expressdesk.notify.channels import SmsHttpChannel

    configured = settings.model_copy(
        update={"sms_http_url": receiver.url, "sms_http_token": "tok-1"}
    )
    message = OutboxMessage(key="sms:x:1", channel="sms", event="picked_up",
                            recipient="13912345678", body="您的快件已揽收", payload={})  # fmt: skip
    assert SmsHttpChannel(configured).send(message, clock.now()).ok
    got = receiver.requests[0]
    assert got.headers["Authorization"] == "Bearer tok-1"
    assert got.json() == {"to": "13912345678", "text": "您的快件已揽收", "id": "sms:x:1"}
    receiver.fail_next = 1
    assert not SmsHttpChannel(configured).send(message, clock.now()).ok
