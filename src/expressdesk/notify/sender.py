"""The outbox worker: claims due messages, sends each outside any transaction, records every
attempt, retries with backoff for the delivery horizon, keeps webhooks in order per waybill, and
disables a subscription after a run of failures (telling the customer's contact).

Each message is claimed with a lease (status ``sending`` until the lease runs out) in a short
transaction, sent, and its outcome recorded in another: a worker killed mid-batch loses nothing
(an unrecorded claim expires and the message is sent again, with the same event id, so the
receiver can tell) and never resends what was recorded as delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.config import Settings
from expressdesk.models import Customer, DeliveryAttempt, OutboxMessage, User, WebhookSubscription
from expressdesk.notify.channels import (
    Channel,
    Outcome,
    SmsHttpChannel,
    SmsLogChannel,
    SmtpChannel,
    WebhookChannel,
)
from expressdesk.notify.outbox import enqueue, template_for
from expressdesk.notify.rules import Event, backoff, gives_up
from expressdesk.notify.templates import render

log = logging.getLogger("expressdesk.notify")
WAITING = ("pending", "failed")


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0  # waiting behind an earlier event of the same waybill, or a disabled endpoint
    disabled: list[int] = field(default_factory=list)


ChannelFactory = Callable[[str, dict[int, str]], Channel]


def default_channels(settings: Settings) -> ChannelFactory:
    def make(channel: str, secrets: dict[int, str]) -> Channel:
        if channel == "email":
            return SmtpChannel(settings)
        if channel == "sms":
            return (
                SmsHttpChannel(settings)
                if settings.sms_provider == "http"
                else SmsLogChannel(settings)
            )
        return WebhookChannel(settings, secrets)

    return make


def _due(session: Session, now: datetime, limit: int, settings: Settings) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_(("pending", "failed", "sending")),  # the partial index
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if not settings.smtp_host:  # no mail server configured: e-mail waits in the outbox
        query = query.where(OutboxMessage.channel != "email")
    return list(session.scalars(query))


def _earlier_waiting(session: Session, message: OutboxMessage) -> bool:
    """A webhook event waits while an earlier one for the same endpoint and parcel is undelivered
    (a receiver that was down gets every event, in order per waybill)."""
    if message.channel != "webhook" or message.waybill_id is None:
        return False
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.subscription_id == message.subscription_id,
                OutboxMessage.waybill_id == message.waybill_id,
                OutboxMessage.id < message.id,
                OutboxMessage.status.in_((*WAITING, "sending")),
            )
            .limit(1)
        )
        is not None
    )


def _claim(factory: sessionmaker[Session], message_id: int, now: datetime, lease: timedelta
           ) -> tuple[OutboxMessage, str] | None:  # fmt: skip
    """Take the message for sending (a short transaction); None if it is not ours to send."""
    with factory.begin() as session:
        message = session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .with_for_update(skip_locked=True)
        )
        if message is None or message.next_attempt_at > now:
            return None
        if message.status not in (*WAITING, "sending"):
            return None
        secret = ""
        if message.channel == "webhook":
            sub = session.get(WebhookSubscription, message.subscription_id)
            if sub is None or not sub.active:
                return None  # kept until the endpoint is enabled again
            if _earlier_waiting(session, message):
                return None
            secret = sub.secret
        message.status = "sending"
        message.next_attempt_at = now + lease
        session.flush()
        session.expunge(message)
        return message, secret


def _record(factory: sessionmaker[Session], message_id: int, outcome: Outcome, now: datetime,
            settings: Settings, report: SendReport) -> None:  # fmt: skip
    with factory.begin() as session:
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        assert message is not None
        session.add(
            DeliveryAttempt(
                message_id=message.id, at=now, ok=outcome.ok, status_code=outcome.status_code,
                latency_ms=outcome.latency_ms, error=outcome.error[:2000],
            )
        )  # fmt: skip
        message.attempts += 1
        sub = (
            session.get(WebhookSubscription, message.subscription_id)
            if message.subscription_id
            else None
        )
        if outcome.ok:
            message.status, message.sent_at, message.last_error = "sent", now, ""
            if sub is not None:
                sub.failures_in_a_row = 0
            report.sent += 1
            return
        message.last_error = outcome.error or f"HTTP {outcome.status_code}"
        horizon = timedelta(hours=settings.delivery_horizon_hours)
        if gives_up(message.created_at, now, horizon):
            message.status = "dead"
            report.dead += 1
        else:
            message.status = "failed"
            message.next_attempt_at = now + backoff(message.attempts)
            report.failed += 1
        if sub is not None:
            sub.failures_in_a_row += 1
            if sub.active and sub.failures_in_a_row >= settings.webhook_disable_after:
                _disable(session, sub, now, settings)
                report.disabled.append(sub.id)


def _disable(session: Session, sub: WebhookSubscription, now: datetime, settings: Settings) -> None:
    """Stop calling an endpoint that keeps failing, and tell the customer's contact."""
    sub.active = False
    sub.disabled_at = now
    sub.disabled_reason = f"{sub.failures_in_a_row} failed deliveries in a row"
    customer = session.get(Customer, sub.customer_id)
    if customer is None:
        return
    address = customer.email or next(
        (u.email for u in session.scalars(select(User).where(User.customer_id == customer.id))
         if u.email), "",
    )  # fmt: skip
    template = template_for(session, Event.SUBSCRIPTION_DISABLED, "email", "zh_CN")
    if template is None:
        return
    subject, body = render(template, {"customer": customer.name, "url": sub.url,
                                      "failures": str(sub.failures_in_a_row)})  # fmt: skip
    enqueue(
        session, key=f"disabled:{sub.id}:{now.isoformat()}", channel="email",
        event=Event.SUBSCRIPTION_DISABLED, recipient=address, now=now, settings=settings,
        subject=subject, body=body, customer_id=customer.id,
    )  # fmt: skip


def deliver_due(
    factory: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    channels: ChannelFactory | None = None,
    limit: int = 200,
) -> SendReport:
    """Send what is due now; returns what happened."""
    make = channels or default_channels(settings)
    report = SendReport()
    with factory() as session:
        due = _due(session, now, limit, settings)
    lease = timedelta(seconds=settings.webhook_timeout_seconds + 60)
    made: dict[str, Channel] = {}
    for message_id in due:
        claimed = _claim(factory, message_id, now, lease)
        if claimed is None:
            report.held += 1
            continue
        message, secret = claimed
        if message.channel not in made or message.channel == "webhook":
            made[message.channel] = make(message.channel, {message.subscription_id or 0: secret})
        try:
            outcome = made[message.channel].send(message, now)
        except Exception as exc:  # a channel bug must not stop the other messages
            log.exception("sending message %s failed", message_id)
            outcome = Outcome(False, None, f"{type(exc).__name__}: {exc}")
        _record(factory, message_id, outcome, now, settings, report)
    return report


def redeliver(session: Session, message_id: int, now: datetime) -> OutboxMessage:
    """Send a message again now (from the delivery log page), whatever became of it."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        from expressdesk.errors import NotFound

        raise NotFound(f"message {message_id} not found")
    message.status = "pending"
    message.next_attempt_at = now
    message.created_at = now  # a fresh delivery horizon
    session.flush()
    return message
