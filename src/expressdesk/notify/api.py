"""JSON API of notifications: shippers' webhooks with their delivery log and re-delivery,
templates (admin) with previews, opt-outs, and the messages of a parcel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from expressdesk.desk import repository as desk_repository
from expressdesk.enums import Role
from expressdesk.errors import NotFound, ValidationFailed
from expressdesk.models import OutboxMessage, User, WebhookSubscription
from expressdesk.notify import sender, service
from expressdesk.notify.rules import WEBHOOK_EVENTS, Event
from expressdesk.notify.templates import FIELDS, all_defaults
from expressdesk.web.deps import Allow, ClockDep, RecordId, SessionDep, SettingsDep
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["notifications"])
Manager = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.SHIPPER))]
Desk = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]
Admin = Annotated[User, Depends(Allow(Role.ADMIN))]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SubscriptionIn(_In):
    url: str = Field(min_length=8, max_length=500)
    events: list[str] = Field(default_factory=list, max_length=20)  # empty: every event
    customer: str | None = Field(default=None, max_length=24)  # staff: whose; shippers: theirs


class SubscriptionChange(_In):
    active: bool


class TemplateIn(_In):
    subject: str = Field(default="", max_length=300)
    body: str = Field(min_length=1, max_length=5000)


class OptOutIn(_In):
    address: str = Field(min_length=3, max_length=200)
    channel: str = Field(pattern="^(sms|email)$")


def _out(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "url": sub.url,
        "events": sub.events,
        "active": sub.active,
        "failures_in_a_row": sub.failures_in_a_row,
        "disabled_at": sub.disabled_at,
        "disabled_reason": sub.disabled_reason,
        "created_at": sub.created_at,
    }


@router.get("/webhooks/events")
def webhook_events(user: Manager) -> list[str]:
    """The events a subscription can filter on."""
    return sorted(e.value for e in WEBHOOK_EVENTS)


@router.post("/webhooks", status_code=201)
def create_webhook(
    data: SubscriptionIn, user: Manager, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, Any]:  # fmt: skip
    """Subscribe an endpoint to events. The signing secret is in this answer only: keep it."""
    if user.role is Role.SHIPPER:
        if user.customer_id is None:
            raise ValidationFailed.on("customer", "required", "this user has no customer account")
        customer_id = user.customer_id
    else:
        customer = desk_repository.customer_by_code(session, data.customer or "")
        if customer is None:
            raise ValidationFailed.on("customer", "unknown_customer", "name the customer (code)")
        customer_id = customer.id
    sub, secret = service.create_subscription(
        session, user, customer_id, data.url, data.events, clock.now(), settings
    )
    return _out(sub) | {"secret": secret}


@router.get("/webhooks")
def list_webhooks(
    user: Manager, session: SessionDep, customer: Annotated[str | None, Query(max_length=24)] = None
) -> list[dict[str, Any]]:
    """A shipper's subscriptions (staff: of ``customer``)."""
    from sqlalchemy import select

    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if user.role is Role.SHIPPER:
        query = query.where(WebhookSubscription.customer_id == user.customer_id)
    elif customer:
        found = desk_repository.customer_by_code(session, customer)
        query = query.where(WebhookSubscription.customer_id == (found.id if found else -1))
    return [_out(s) for s in session.scalars(query)]


@router.patch("/webhooks/{sub_id}")
def change_webhook(
    sub_id: RecordId, data: SubscriptionChange, user: Manager, session: SessionDep
) -> dict[str, Any]:
    """Pause or enable an endpoint (enabling sends what it missed, in order)."""
    sub = service.subscription_for(session, user, sub_id)
    return _out(service.set_active(session, sub, data.active))


@router.get("/webhooks/{sub_id}/deliveries")
def webhook_deliveries(
    sub_id: RecordId, user: Manager, session: SessionDep
) -> list[dict[str, Any]]:
    """Every event sent to the endpoint with each attempt's status code and latency."""
    return service.deliveries(session, service.subscription_for(session, user, sub_id))


@router.post("/webhooks/{sub_id}/deliveries/{message_id}/redeliver")
def redeliver(
    sub_id: RecordId, message_id: RecordId, user: Manager, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Send an event again now (same event id, so the receiver can tell it is a repeat)."""
    sub = service.subscription_for(session, user, sub_id)
    message = session.get(OutboxMessage, message_id)
    if message is None or message.subscription_id != sub.id:
        raise NotFound(f"delivery {message_id} not found for this subscription")
    sender.redeliver(session, message_id, clock.now())
    return {"id": message_id, "status": "pending"}


@router.get("/notification-templates")
def list_templates(user: Admin, session: SessionDep) -> list[dict[str, Any]]:
    """Every template in force (the admin's version where there is one) and its placeholders."""
    from expressdesk.notify.outbox import edited_templates

    edited = edited_templates(session)
    out = []
    for (event, channel, locale), template in all_defaults().items():
        mine = edited.get((event.value, channel, locale))
        shown = mine or template
        out.append(
            {
                "event": event.value,
                "channel": channel,
                "locale": locale,
                "subject": shown.subject,
                "body": shown.body,
                "edited": mine is not None,
            }
        )
    return out


@router.get("/notification-templates/fields")
def template_fields(user: Admin) -> list[str]:
    """The placeholders a template may use."""
    return sorted(FIELDS)


@router.put("/notification-templates/{event}/{channel}/{locale}")
def save_template(
    event: Annotated[str, Field(max_length=40)],
    channel: Annotated[str, Field(max_length=8)],
    locale: Annotated[str, Field(max_length=8)],
    data: TemplateIn,
    user: Admin,
    session: SessionDep,
    clock: ClockDep,
) -> dict[str, Any]:
    """Change a template; an unknown placeholder or an SMS too long for two segments is refused."""
    row = service.save_template(
        session, user, event, channel, locale, data.subject, data.body, clock.now()
    )
    return {"event": row.event, "channel": row.channel, "locale": row.locale,
            "subject": row.subject, "body": row.body}  # fmt: skip


@router.get("/notification-templates/{event}/{channel}/{locale}/preview")
def preview_template(
    event: Annotated[str, Field(max_length=40)],
    channel: Annotated[str, Field(max_length=8)],
    locale: Annotated[str, Field(max_length=8)],
    user: Desk,
    session: SessionDep,
    settings: SettingsDep,
    waybill: Annotated[str, Query(min_length=1, max_length=40)],
) -> dict[str, str]:
    """The template filled with a real waybill's data."""
    return service.preview(session, event, channel, locale, waybill.strip().upper(), settings)


@router.post("/opt-outs", status_code=201)
def add_opt_out(data: OptOutIn, user: Desk, session: SessionDep, clock: ClockDep) -> dict[str, str]:
    """Record that a recipient asked not to be messaged on a channel (e.g. on the phone)."""
    service.opt_out(session, data.address, data.channel, clock.now())
    return {"address": data.address, "channel": data.channel}


@router.get("/messages")
def list_messages(
    user: Desk,
    session: SessionDep,
    waybill: Annotated[str | None, Query(max_length=40)] = None,
    customer: Annotated[str | None, Query(max_length=24)] = None,
    failed: bool = False,
) -> list[dict[str, Any]]:
    """Messages sent, pending or failed, with the reason: of a waybill, of a customer account,
    or (``failed=true``) every failure."""
    customer_id = None
    if customer:
        found_customer = desk_repository.customer_by_code(session, customer)
        if found_customer is None:
            raise NotFound(f"customer {customer} not found")
        customer_id = found_customer.id
    waybill_id = None
    if waybill:
        found = desk_repository.waybills_by_number(session, [waybill.strip().upper()])
        if not found:
            raise NotFound(f"waybill {waybill} not found")
        waybill_id = next(iter(found.values())).id
    return [
        {"id": m.id, "event": m.event, "channel": m.channel, "recipient": m.recipient,
         "status": m.status, "attempts": m.attempts, "error": m.last_error,
         "created_at": m.created_at, "sent_at": m.sent_at, "next_attempt_at": m.next_attempt_at}
        for m in service.messages(
            session, waybill_id=waybill_id, customer_id=customer_id, failed_only=failed
        )
    ]  # fmt: skip


@router.get("/notification-events")
def events(user: Desk) -> list[str]:
    return sorted(e.value for e in Event)
