"""Inbound e-mail: mail to the desk's mailbox becomes a ticket, or a reply on the ticket it
answers. ``expressdesk mail serve`` receives it over SMTP (aiosmtpd); the company's mail server
forwards the service mailbox there.

A reply is matched to its ticket by the ticket number in the subject (``[T100001]``) or by the
ticket's thread key in ``In-Reply-To`` / ``References`` (our outgoing mail's Message-ID carries
it), so replies thread even when a customer edits the subject.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from expressdesk.config import Settings
from expressdesk.desk import clocks, repository, service
from expressdesk.desk.attachments import add_attachment
from expressdesk.desk.rules import Channel, TicketType
from expressdesk.desk.schemas import TicketCreate
from expressdesk.errors import AppError
from expressdesk.models import Ticket
from expressdesk.waybills.numbering import normalize_waybill_number

log = logging.getLogger("expressdesk.mail")
TICKET_IN_SUBJECT = re.compile(r"\[(T\d{4,12})\]", re.IGNORECASE)
THREAD_KEY = re.compile(r"<ticket-([0-9a-f]{24})@", re.IGNORECASE)
MAX_ATTACHMENTS = 10


@dataclass
class InboundMessage:
    sender_name: str
    sender_email: str
    subject: str
    body: str
    thread_keys: list[str]
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    message_id: str = ""


def parse(raw: bytes) -> InboundMessage:
    """The parts of a mail the desk uses (the text body; HTML only when there is no text)."""
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    name, address = (getaddresses([str(message.get("From", ""))]) or [("", "")])[0]
    part = message.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/html":
        body = re.sub(r"<[^>]+>", " ", body)
    refs = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    attachments = []
    for attachment in list(message.iter_attachments())[:MAX_ATTACHMENTS]:
        payload = attachment.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append(
                (attachment.get_filename() or "attachment", attachment.get_content_type(), payload)
            )
    return InboundMessage(
        sender_name=name,
        sender_email=address.lower(),
        subject=str(message.get("Subject", "")).strip(),
        body=body.strip(),
        thread_keys=THREAD_KEY.findall(refs),
        attachments=attachments,
        message_id=str(message.get("Message-ID", "")),
    )


def thread_message_id(mail_key: str, domain: str) -> str:
    """The Message-ID of mail we send about a ticket: replies to it find the ticket."""
    return f"<ticket-{mail_key}@{domain}>"


def _waybills_in(text: str, settings: Settings) -> list[str]:
    pattern = re.compile(rf"{settings.waybill_prefix}[\d\s-]{{12,20}}")
    found = []
    for candidate in pattern.findall(text):
        number = normalize_waybill_number(candidate)
        if number not in found:
            found.append(number)
    return found[:5]


def _save_attachments(
    session: Session, ticket: Ticket, entry_id: int | None, message: InboundMessage,
    settings: Settings, now: datetime,
) -> None:  # fmt: skip
    for filename, content_type, data in message.attachments:
        try:
            add_attachment(session, ticket, None, filename, content_type, data, now, settings,
                           entry_id=entry_id)  # fmt: skip
        except AppError as exc:
            log.warning("attachment %s of an inbound mail skipped: %s", filename, exc.message)


def receive(session: Session, raw: bytes, settings: Settings, now: datetime) -> tuple[str, bool]:
    """File one inbound mail: a reply on its ticket, or a new ticket. Returns (number, new)."""
    message = parse(raw)
    setup = clocks.load_setup(session, settings)
    author = f"{message.sender_name} <{message.sender_email}>".strip()
    ticket = None
    match = TICKET_IN_SUBJECT.search(message.subject)
    if match:
        ticket = repository.ticket_by_number(session, match.group(1), lock=True)
    for key in message.thread_keys:
        ticket = ticket or repository.ticket_by_mail_key(session, key)
    if ticket is not None and ticket.contact_email.lower() in ("", message.sender_email):
        entry = service.customer_message(
            session, ticket, author, message.body or message.subject, now, setup,
            data={"message_id": message.message_id, "channel": Channel.EMAIL.value},
        )  # fmt: skip
        session.flush()
        _save_attachments(session, ticket, entry.id, message, settings, now)
        session.flush()
        return ticket.number, False
    text = f"{message.subject} {message.body}"
    known = repository.waybills_by_number(session, _waybills_in(text, settings))
    customer = repository.customer_by_email(session, message.sender_email)
    data = TicketCreate(
        type=TicketType.INQUIRY,
        subject=(message.subject or "(no subject)")[:200].ljust(2, "."),
        description=message.body[:10_000],
        waybills=list(known),
        channel=Channel.EMAIL,
        customer=customer.code if customer else None,
        contact_name=message.sender_name[:100],
        contact_email=message.sender_email[:200],
        locale="zh_CN" if re.search(r"[\u4e00-\u9fff]", message.body + message.subject) else "en",
    )
    created, _ = service.create_ticket(session, None, data, now, settings, setup)
    entry_id = created.entries[0].id if created.entries else None
    _save_attachments(session, created, entry_id, message, settings, now)
    session.flush()
    return created.number, True


class DeskMailHandler:
    """The aiosmtpd handler: accepts mail for the desk's mailbox only; files each message in
    its own transaction (committed before the 250 reply, so an accepted mail is never lost)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        now: Callable[[], datetime],
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.now = now
        self.mailbox = settings.desk_mailbox.lower()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() != self.mailbox:
            return f"550 5.1.1 <{address}>: this server takes mail for {self.mailbox} only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import anyio.to_thread

        raw = envelope.original_content or envelope.content
        try:
            number, new = await anyio.to_thread.run_sync(self._file, raw)
        except Exception:
            log.exception("could not file an inbound mail")
            return "451 4.3.0 the desk could not file this message now; try again later"
        log.info("inbound mail filed on %s (%s)", number, "new ticket" if new else "reply")
        return f"250 OK filed on {number}"

    def _file(self, raw: bytes) -> tuple[str, bool]:
        with self.factory() as session:
            result = receive(session, raw, self.settings, self.now())
            session.commit()
            return result
