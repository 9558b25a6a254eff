"""Use cases of notifications: webhook subscriptions, templates (checked when saved), previews,
opt-outs, and the messages a page lists. Flushes, never commits."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Role
from expressdesk.errors import NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import (
    DeliveryAttempt,
    NotificationTemplate,
    OptOut,
    OutboxMessage,
    User,
    Waybill,
    WebhookSubscription,
)
from expressdesk.notify.outbox import template_for, waybill_values
from expressdesk.notify.rules import (
    MAX_SMS_SEGMENTS,
    WEBHOOK_EVENTS,
    Event,
    sms_segments,
    template_problems,
)
from expressdesk.notify.templates import FIELDS, Template, render

SECRET_PREFIX = "whsec_"  # noqa: S105  (a label, not a secret: leaked secrets are recognisable)


def _check_url(url: str, settings: Settings) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValidationFailed.on("url", "url", "must be an http(s) URL")
    if parts.scheme == "http" and settings.environment == "production":
        raise ValidationFailed.on("url", "https_required", "must use https in production")
    return url.strip()


def _events(events: list[str]) -> list[str]:
    allowed = {e.value for e in WEBHOOK_EVENTS}
    unknown = sorted(set(events) - allowed)
    if unknown:
        raise ValidationFailed.on(
            "events",
            "one_of",
            f"unknown event {unknown[0]} (allowed: {', '.join(sorted(allowed))})",
        )
    return sorted(set(events))


def create_subscription(
    session: Session, actor: User, customer_id: int, url: str, events: list[str],
    now: datetime, settings: Settings,
) -> tuple[WebhookSubscription, str]:  # fmt: skip
    """A new endpoint for a customer's events; the signing secret is returned once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    sub = WebhookSubscription(
        customer_id=customer_id,
        url=_check_url(url, settings),
        secret=secret,
        events=_events(events),
        active=True,
        failures_in_a_row=0,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(sub)
    session.flush()
    return sub, secret


def subscription_for(session: Session, actor: User, sub_id: int) -> WebhookSubscription:
    """A subscription the caller may manage (staff any; a shipper only their account's)."""
    sub = session.get(WebhookSubscription, sub_id)
    if sub is None or (actor.role is Role.SHIPPER and sub.customer_id != actor.customer_id):
        raise NotFound(f"webhook subscription {sub_id} not found")
    return sub


def set_active(session: Session, sub: WebhookSubscription, active: bool) -> WebhookSubscription:
    """Enable (the held events then go out, in order) or pause an endpoint."""
    sub.active = active
    if active:
        sub.failures_in_a_row = 0
        sub.disabled_at = None
        sub.disabled_reason = ""
    session.flush()
    return sub


def deliveries(
    session: Session, sub: WebhookSubscription, limit: int = 200
) -> list[dict[str, Any]]:
    """The delivery log: each event with every attempt's status code and latency."""
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.subscription_id == sub.id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
    attempts: dict[int, list[DeliveryAttempt]] = {m.id: [] for m in messages}
    if messages:
        for a in session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.message_id.in_(list(attempts)))
            .order_by(DeliveryAttempt.id)
        ):
            attempts[a.message_id].append(a)
    return [
        {
            "id": m.id,
            "event_id": m.payload.get("id"),
            "event": m.event,
            "status": m.status,
            "created_at": m.created_at,
            "attempts": [
                {
                    "at": a.at,
                    "ok": a.ok,
                    "status_code": a.status_code,
                    "latency_ms": a.latency_ms,
                    "error": a.error,
                }
                for a in attempts[m.id]
            ],
        }
        for m in messages
    ]


# ----------------------------------------------------------------------------------------------
# Templates
# ----------------------------------------------------------------------------------------------


def save_template(
    session: Session, actor: User, event: str, channel: str, locale: str, subject: str,
    body: str, now: datetime,
) -> NotificationTemplate:  # fmt: skip
    """An admin's version of a template; unknown placeholders are refused now, not at send."""
    try:
        kind = Event(event)
    except ValueError:
        raise ValidationFailed.on("event", "one_of", f"unknown event '{event}'") from None
    if channel not in ("sms", "email"):
        raise ValidationFailed.on("channel", "one_of", "must be sms or email")
    if locale not in ("zh_CN", "en"):
        raise ValidationFailed.on("locale", "one_of", "must be zh_CN or en")
    for field, text in (("subject", subject), ("body", body)):
        problems = template_problems(text, FIELDS)
        if problems:
            raise ValidationFailed.on(field, "placeholder", "; ".join(problems))
    if not body.strip():
        raise ValidationFailed.on("body", "required", "a template needs a body")
    if channel == "sms":
        # The longest plausible message must still fit in two SMS segments.
        sample = render(Template("", body), dict.fromkeys(FIELDS, "X" * 14))[1]
        if sms_segments(sample) > MAX_SMS_SEGMENTS:
            raise ValidationFailed.on(
                "body", "sms_length",
                f"too long for {MAX_SMS_SEGMENTS} SMS segments once filled in "
                f"({sms_segments(sample)} segments)",
            )  # fmt: skip
    row = session.scalar(
        select(NotificationTemplate).where(
            NotificationTemplate.event == kind.value,
            NotificationTemplate.channel == channel,
            NotificationTemplate.locale == locale,
        )
    )
    if row is None:
        row = NotificationTemplate(event=kind.value, channel=channel, locale=locale)
        session.add(row)
    row.subject, row.body, row.updated_at, row.updated_by_id = subject, body, now, actor.id
    session.flush()
    return row


def preview(
    session: Session, event: str, channel: str, locale: str, waybill_number: str,
    settings: Settings,
) -> dict[str, str]:  # fmt: skip
    """A template filled with a real waybill's data, as the recipient would read it."""
    waybill = session.scalar(select(Waybill).where(Waybill.number == waybill_number))
    if waybill is None:
        raise ValidationFailed.on("waybill", "unknown_waybill", f"no waybill {waybill_number}")
    try:
        kind = Event(event)
    except ValueError:
        raise ValidationFailed.on("event", "one_of", f"unknown event '{event}'") from None
    template = template_for(session, kind, channel, locale)
    if template is None:
        raise NotFound(f"no {channel} template for {event} in {locale}")
    subject, body = render(template, waybill_values(session, waybill, locale, settings))
    return {"subject": subject, "body": body, "segments": str(sms_segments(body))}


# ----------------------------------------------------------------------------------------------
# Opt-outs
# ----------------------------------------------------------------------------------------------


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="expressdesk-opt-out")


def opt_out_link(settings: Settings, address: str, channel: str) -> str:
    token = _serializer(settings).dumps([address, channel])
    return f"{settings.public_base_url.rstrip('/')}/unsubscribe/{token}"


def opt_out(session: Session, address: str, channel: str, now: datetime) -> None:
    """The recipient asked to hear no more on this channel."""
    exists = session.scalar(
        select(OptOut.id).where(OptOut.address == address, OptOut.channel == channel)
    )
    if exists is None:
        session.add(OptOut(address=address, channel=channel, created_at=now))
        session.flush()


def opt_out_by_token(session: Session, token: str, settings: Settings, now: datetime) -> str:
    try:
        address, channel = _serializer(settings).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise ValidationFailed.on(
            "token", "invalid", "this unsubscribe link is not valid"
        ) from None
    opt_out(session, str(address), str(channel), now)
    return str(address)


# ----------------------------------------------------------------------------------------------
# What pages list
# ----------------------------------------------------------------------------------------------


def messages(
    session: Session, *, waybill_id: int | None = None, customer_id: int | None = None,
    failed_only: bool = False, limit: int = 200,
) -> list[OutboxMessage]:  # fmt: skip
    query = select(OutboxMessage)
    if waybill_id is not None:
        query = query.where(OutboxMessage.waybill_id == waybill_id)
    if customer_id is not None:
        query = query.where(OutboxMessage.customer_id == customer_id)
    if failed_only:
        query = query.where(OutboxMessage.status.in_(("failed", "dead")))
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def may_manage(actor: User, customer_id: int) -> None:
    if actor.role is Role.SHIPPER and actor.customer_id != customer_id:
        raise PermissionDenied("a shipper manages only their own account's webhooks")
