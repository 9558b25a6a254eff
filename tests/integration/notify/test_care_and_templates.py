"""Proactive care (a predicted delay told first, surveys, the first-shipment thank-you), ticket
replies by e-mail, templates checked when saved and previewed with a real waybill, opt-out links."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import Customer, OutboxMessage
from expressdesk.notify.events import care_sweep
from expressdesk.notify.sender import deliver_due
from expressdesk.problems.detect import detect
from tests.support.desk import open_ticket
from tests.support.problems import upload
from tests.support.receivers import SmtpReceiver
from tests.support.scans import scan
from tests.support.world import World, waybill_payload

H = timedelta(hours=1)


def outbox(session: Session, **where: object) -> list[OutboxMessage]:
    session.rollback()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for k, v in where.items():
        query = query.where(getattr(OutboxMessage, k) == v)
    return list(session.scalars(query))


def _c1_email(session: Session, world: World, email: str = "it@shop-c1.example") -> None:
    customer = session.get(Customer, world.customers["C1"].id)
    assert customer is not None
    customer.email = email
    session.commit()


def _shipped(client: TestClient, world: World) -> str:
    made = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    )
    assert made.status_code == 201, made.text
    return str(made.json()["number"])


def test_a_predicted_delay_is_told_to_recipient_and_shipper_before_anyone_calls(
    client: TestClient, world: World, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings,
) -> None:  # fmt: skip
    _c1_email(session, world)
    number = _shipped(client, world)
    upload(client, world, [scan(number, "pickup", clock.now(), facility="HZ01")])
    session.rollback()
    # Nothing more happens: days later the detector finds it past its estimate.
    clock.advance(96 * H)
    with session_factory() as s:
        detect(s, clock.now(), settings)
        s.commit()
    sms = [m for m in outbox(session, channel="sms") if m.event == "delay_predicted"]
    mail = [m for m in outbox(session, channel="email") if m.event == "delay_predicted"]
    assert len(sms) == 1 and number in sms[0].body and sms[0].recipient == "13912345678"
    # The new estimate is planned from where the parcel is now, not the one it already missed.
    import re
    from zoneinfo import ZoneInfo

    found = re.search(r"新的预计时间(\d{4}-\d{2}-\d{2} \d{2}:\d{2})", sms[0].body)
    assert found, sms[0].body
    local_now = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert found.group(1) > local_now
    assert len(mail) == 1 and mail[0].recipient == "it@shop-c1.example"
    assert "/unsubscribe/" in mail[0].body
    # No mail server configured: the e-mail waits in the outbox instead of failing.
    deliver_due(session_factory, settings, clock.now())
    waiting = next(m for m in outbox(session, channel="email") if m.event == "delay_predicted")
    assert waiting.status == "pending" and waiting.attempts == 0
    # Switched off by an admin: the next delayed parcel tells no one.
    off = client.put("/api/v1/desk/rules/care.delay_notice", json={"value": "0"},
                     headers=world.headers("admin"))  # fmt: skip
    assert off.status_code == 200
    other = _shipped(client, world)
    upload(client, world, [scan(other, "pickup", clock.now(), facility="HZ01")])
    clock.advance(96 * H)
    with session_factory() as s:
        detect(s, clock.now(), settings)
        s.commit()
    assert len([m for m in outbox(session) if m.event == "delay_predicted"]) == 2


def test_a_public_reply_is_emailed_threaded_and_a_resolved_ticket_sends_the_survey(
    client: TestClient, world: World, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings, smtp: SmtpReceiver,
) -> None:  # fmt: skip
    made = open_ticket(client, world, subject="Where is my parcel", contact_email="li@example.com",
                       locale="en")  # fmt: skip
    client.post(f"/api/v1/tickets/{made['number']}/replies", headers=world.headers("agent"),
                json={"body": "It arrives tomorrow.", "status": "resolved"})  # fmt: skip
    client.post(f"/api/v1/tickets/{made['number']}/replies", headers=world.headers("agent"),
                json={"body": "internal: checked with BJ01", "public": False})  # fmt: skip
    configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    assert deliver_due(session_factory, configured, clock.now()).sent == 2
    reply, survey = smtp.messages
    assert reply["To"] == "li@example.com"
    assert f"[{made['number']}]" in str(reply["Subject"])
    assert "It arrives tomorrow." in reply.get_content()
    assert reply["In-Reply-To"].startswith("<ticket-")  # the customer's answer threads back
    assert "/survey/" in survey.get_content()
    assert "internal" not in reply.get_content()


def test_surveys_follow_delivery_and_a_new_customer_is_thanked_once(
    client: TestClient, world: World, clock: FixedClock, session: Session,
    session_factory: sessionmaker[Session], settings: Settings,
) -> None:  # fmt: skip
    _c1_email(session, world)
    number = _shipped(client, world)
    start = clock.now()
    clock.advance(2 * H)
    upload(client, world, [scan(number, "pickup", start, facility="HZ01"),
                           scan(number, "signed", start + H, facility="BJ01", signer_type="recipient")])  # fmt: skip
    with session_factory() as s:
        assert care_sweep(s, clock.now(), settings) >= 1
        s.commit()
    with session_factory() as s:
        care_sweep(s, clock.now() + H, settings)  # again: nothing twice
        s.commit()
    surveys = [m for m in outbox(session) if m.event == "survey"]
    assert len(surveys) == 1 and "/survey/" in surveys[0].body
    thanks = [m for m in outbox(session) if m.event == "first_shipment_thanks"]
    assert len(thanks) == 1 and thanks[0].recipient == "it@shop-c1.example"


def test_templates_are_checked_when_saved_and_previewed_with_a_real_waybill(
    client: TestClient, world: World, number: str, session: Session, clock: FixedClock,
) -> None:  # fmt: skip
    url = "/api/v1/notification-templates/out_for_delivery/sms/zh_CN"
    admin = world.headers("admin")
    unknown = client.put(url, json={"body": "快件{waybill}派送中，{courier_nmae}"}, headers=admin)
    assert unknown.status_code == 422
    assert "courier_nmae" in unknown.json()["detail"]
    too_long = client.put(url, json={"body": "快件{waybill}" + "派送中" * 60}, headers=admin)
    assert too_long.status_code == 422 and "segments" in too_long.json()["detail"]
    assert (
        client.put(url, json={"body": "x{waybill}"}, headers=world.headers("agent")).status_code
        == 403
    )
    saved = client.put(url, json={"body": "【新模板】{waybill} 由 {courier} 派送，电话 {courier_phone}"},
                       headers=admin)  # fmt: skip
    assert saved.status_code == 200, saved.text
    preview = client.get(f"{url}/preview?waybill={number}", headers=world.headers("agent"))
    assert preview.status_code == 200 and preview.json()["body"].startswith(f"【新模板】{number}")
    start = clock.now()
    clock.advance(2 * H)
    upload(client, world, [scan(number, "out_for_delivery", start, facility="BJ01",
                                courier="courier", courier_phone="13700001111")])  # fmt: skip
    sms = outbox(session, channel="sms", event="out_for_delivery")
    assert sms[0].body.startswith(f"【新模板】{number}") and "13700001111" in sms[0].body


def test_the_unsubscribe_link_opts_the_recipient_out(
    client: TestClient, world: World, settings: Settings, session: Session
) -> None:
    from expressdesk.notify.service import opt_out_link

    link = opt_out_link(settings, "li@example.com", "email")
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "li@example.com" in page.text
    bad = client.get("/unsubscribe/not-a-token")
    assert bad.status_code == 422
