"""Inbound e-mail against a real SMTP server on loopback (aiosmtpd, the same handler
``expressdesk mail serve`` runs): a new mail opens a ticket, a reply lands on its ticket."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.desk.mail import DeskMailHandler, thread_message_id
from expressdesk.models import Ticket, TicketAttachment
from tests.support.desk import ticket
from tests.support.world import World


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(
    session_factory: sessionmaker[Session], settings: Settings, clock: FixedClock
) -> Iterator[tuple[str, int]]:
    handler = DeskMailHandler(session_factory, settings, clock.now)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.hostname, controller.port
    finally:
        controller.stop()


def _send(server: tuple[str, int], message: EmailMessage) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP(*server, timeout=10) as smtp:
        return smtp.send_message(message)


def _mail(subject: str, body: str, sender: str = "Li Lei <lilei@example.com>",
          to: str = "service@expressdesk.local") -> EmailMessage:  # fmt: skip
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    return message


def test_a_new_mail_opens_a_ticket_linked_to_the_waybill_it_names(
    smtp_server: tuple[str, int], session: Session, number: str, client: TestClient, world: World
) -> None:
    message = _mail(
        "快递三天没更新",
        f"你好，我的快递单号 {number[:8]} {number[8:]} 三天没有更新了，请帮忙查一下。",
    )
    message.add_attachment(b"%PDF-1.4 receipt", maintype="application", subtype="pdf",
                           filename="receipt.pdf")  # fmt: skip
    assert _send(smtp_server, message) == {}  # every recipient accepted
    session.rollback()
    found = session.scalars(select(Ticket)).all()
    assert len(found) == 1
    made = found[0]
    assert made.channel.value == "email" and made.contact_email == "lilei@example.com"
    assert made.locale == "zh_CN"
    data = ticket(client, world, made.number)
    assert data["waybills"] == [number]
    assert "三天没有更新" in data["entries"][0]["body"]
    attachment = session.scalars(select(TicketAttachment)).one()
    assert attachment.original_name == "receipt.pdf" and attachment.size_bytes == 16


def test_a_reply_lands_on_its_ticket_by_subject_or_thread(
    smtp_server: tuple[str, int], session: Session, client: TestClient, world: World
) -> None:
    _send(smtp_server, _mail("Where is my parcel?", "It has not arrived."))
    session.rollback()
    made = session.scalars(select(Ticket)).one()
    assert made.locale == "en"
    client.post(f"/api/v1/tickets/{made.number}/replies", headers=world.headers("agent"),
                json={"body": "Could you give us the waybill number?", "status": "waiting_customer"})  # fmt: skip
    _send(smtp_server, _mail(f"Re: Where is my parcel? [{made.number}]", "It is ED-something."))
    threaded = _mail("a changed subject", "Second answer, by thread.")
    threaded["In-Reply-To"] = thread_message_id(made.mail_key, "expressdesk.local")
    _send(smtp_server, threaded)
    session.rollback()
    assert len(session.scalars(select(Ticket)).all()) == 1  # no new tickets
    data = ticket(client, world, made.number)
    customer_entries = [e["body"] for e in data["entries"] if e["kind"] == "customer"]
    assert customer_entries == ["It is ED-something.", "Second answer, by thread."]
    assert data["status"] == "open"  # it was waiting on the customer: the answer opens it
    # Someone else quoting the ticket number does not write on it: a new ticket instead.
    _send(smtp_server, _mail(f"Re: [{made.number}]", "hijack", sender="x@evil.example"))
    session.rollback()
    assert len(session.scalars(select(Ticket)).all()) == 2


def test_mail_for_another_address_is_refused(smtp_server: tuple[str, int]) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(smtp_server, _mail("hi", "spam", to="someone@else.example"))
