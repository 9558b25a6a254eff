"""Notifications: the outbox, every delivery attempt, shippers' webhook subscriptions, the
templates an admin edited, and opt-outs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from expressdesk.db import Base


class OutboxMessage(Base):
    """One message to one recipient, written in the same transaction as the change that causes
    it; the worker sends it. ``key`` makes a message once-only (per event, channel, recipient)."""

    __tablename__ = "outbox"
    # Partial indexes: a message leaves the worker's index once sent, and only webhook and
    # ticket messages enter theirs (the scan path writes many SMS rows; each index costs).
    __table_args__ = (
        Index(
            "ix_outbox_due",
            "next_attempt_at",
            sqlite_where=text("status IN ('pending', 'failed', 'sending')"),
            postgresql_where=text("status IN ('pending', 'failed', 'sending')"),
        ),
        Index(
            "ix_outbox_subscription_waybill",
            "subscription_id",
            "waybill_id",
            "id",
            sqlite_where=text("subscription_id IS NOT NULL"),
            postgresql_where=text("subscription_id IS NOT NULL"),
        ),
        Index(
            "ix_outbox_ticket",
            "ticket_id",
            sqlite_where=text("ticket_id IS NOT NULL"),
            postgresql_where=text("ticket_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # email, sms, webhook
    event: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(500))  # address, phone or URL
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    waybill_id: Mapped[int | None] = mapped_column(ForeignKey("waybills.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending → sent; or failed (retrying), dead (gave up), skipped (opted out, no address)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]  # quiet hours push this to the morning
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    """One try at sending a message: what the other side answered and how long it took."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)


class WebhookSubscription(Base):
    """A shipper's endpoint for events, signed with its own secret (HMAC-SHA256)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failures_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class NotificationTemplate(Base):
    """An admin's version of a message template (the defaults live in code)."""

    __tablename__ = "notification_templates"
    __table_args__ = (UniqueConstraint("event", "channel", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OptOut(Base):
    """A recipient who asked not to be messaged on a channel (an address or a phone number)."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("address", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
