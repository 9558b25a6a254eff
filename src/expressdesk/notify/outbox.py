"""Writing messages to the outbox, in the same transaction as the change that causes them.

Nothing here sends anything: the worker does (``notify.sender``). A message's ``key`` makes it
once-only: a parcel's milestone reaches its recipient once per status however often the scans
repeat, and a webhook event once per change.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import ShipmentStatus
from expressdesk.models import (
    Customer,
    Facility,
    NotificationTemplate,
    OptOut,
    OutboxMessage,
    User,
    Waybill,
    WebhookSubscription,
)
from expressdesk.notify.rules import (
    MILESTONES,
    PAYLOAD_VERSION,
    Event,
    QuietHours,
)
from expressdesk.notify.templates import Template, default, render
from expressdesk.tracking.masking import mask_name
from expressdesk.tracking.scan_types import FAILURE_TEXT, SIGNER_TEXT, FailureReason, SignerType

# What a recipient can do after a failed attempt, by reason.
NEXT_STEP: dict[str, tuple[str, str]] = {
    "absent": ("快递员将再次派送，也可改约时间或改放驿站。",
               "We will try again; you may reschedule or choose a station."),
    "unreachable": ("请保持电话畅通，或联系客服改约。",
                    "Please keep your phone on, or contact us to reschedule."),
    "refused": ("快件将退回寄件人。", "The parcel will be returned to the sender."),
    "rescheduled": ("将按您约定的时间派送。", "We will deliver at the time you chose."),
    "address_wrong": ("请联系客服更正地址。", "Please contact us to correct the address."),
}  # fmt: skip


SIGNERS = frozenset(s.value for s in SignerType)
REASONS = frozenset(r.value for r in FailureReason)

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class StatusChange:
    """A parcel's public status changed in a batch of scans (what the recipient and the
    shipper's webhooks hear about)."""

    waybill_id: int
    old: ShipmentStatus
    new: ShipmentStatus
    at: datetime  # the scan's time
    courier_id: int | None = None
    courier_phone: str | None = None
    facility_id: int | None = None
    pickup_code: str | None = None
    signer_type: str | None = None
    reason: str | None = None
    # The courier's and the facility's names when the caller has them at hand (ingestion does):
    # None reads them by their ids.
    courier_name: str | None = None
    facility_name: str | None = None
    # The last change of its parcel in this batch: the one a recipient hears about (a late
    # upload of a whole life tells the recipient "delivered", not every step again).
    final: bool = True


def event_id(key: str) -> str:
    """A stable id for the event of a message (the same on every retry)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"expressdesk:{key}"))


def quiet_hours(settings: Settings) -> QuietHours:
    return QuietHours(
        time.fromisoformat(settings.sms_quiet_start),
        time.fromisoformat(settings.sms_quiet_end),
        ZoneInfo(settings.timezone),
    )


def edited_templates(session: Session) -> dict[tuple[str, str, str], Template]:
    """The templates an admin changed, by (event, channel, locale)."""
    return {
        (t.event, t.channel, t.locale): Template(t.subject, t.body)
        for t in session.scalars(select(NotificationTemplate))
    }


def template_for(session: Session, event: Event, channel: str, locale: str) -> Template | None:
    """The admin's version of a template if there is one, else the default."""
    found = edited_templates(session).get((event.value, channel, locale))
    return found or default(event, channel, locale)


class Outbox:
    """Messages of one transaction, written together: one query for the keys already there and
    one for opt-outs however many messages (the scan ingestion path writes through this)."""

    def __init__(self, session: Session, settings: Settings | None, now: datetime) -> None:
        self.session = session
        self.settings = settings
        self.now = now
        self.drafts: list[dict[str, Any]] = []
        self._templates: dict[tuple[str, str, str], Template] | None = None
        self._subs: dict[int, list[WebhookSubscription]] = {}

    def template(self, event: Event, channel: str, locale: str) -> Template | None:
        if self._templates is None:
            self._templates = edited_templates(self.session)
        found = self._templates.get((event.value, channel, locale))
        return found or default(event, channel, locale)

    def subscriptions(self, customer_id: int | None, event: Event) -> list[WebhookSubscription]:
        if customer_id is None:
            return []
        if customer_id not in self._subs:
            self._subs[customer_id] = list(
                self.session.scalars(
                    select(WebhookSubscription).where(
                        WebhookSubscription.customer_id == customer_id,
                        WebhookSubscription.active.is_(True),
                    )
                )
            )
        return [s for s in self._subs[customer_id] if not s.events or event.value in s.events]

    def add(
        self,
        *,
        key: str,
        channel: str,
        event: Event,
        recipient: str,
        subject: str = "",
        body: str = "",
        payload: dict[str, Any] | None = None,
        locale: str = "zh_CN",
        waybill_id: int | None = None,
        customer_id: int | None = None,
        ticket_id: int | None = None,
        subscription_id: int | None = None,
    ) -> None:
        due = self.now
        if channel == "sms":
            assert self.settings is not None, "an SMS needs the settings (quiet hours)"
            due = quiet_hours(self.settings).next_allowed(self.now)  # no SMS at night
        self.drafts.append(
            {
                "key": key, "channel": channel, "event": event.value, "recipient": recipient,
                "subscription_id": subscription_id, "waybill_id": waybill_id,
                "customer_id": customer_id, "ticket_id": ticket_id, "locale": locale,
                "subject": subject, "body": body, "payload": payload or {}, "status": "pending",
                "attempts": 0, "next_attempt_at": due, "last_error": "", "created_at": self.now,
                "sent_at": None,
            }
        )  # fmt: skip

    def flush(self) -> int:
        """Write the drafts (one multi-row insert): a key already in the outbox is dropped
        (once-only); a recipient who opted out, or no address, gives a ``skipped`` row (visible
        on the pages). Returns how many rows were written."""
        drafts, self.drafts = self.drafts, []
        unique: dict[str, dict[str, Any]] = {}
        for d in drafts:
            unique.setdefault(d["key"], d)
        if not unique:
            return 0
        keys = list(unique)
        existing: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            existing.update(
                self.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk)))
            )
        fresh = [m for k, m in unique.items() if k not in existing]
        addresses = {
            m["recipient"] for m in fresh if m["channel"] in ("sms", "email") and m["recipient"]
        }
        out: set[tuple[str, str]] = set()
        if addresses:
            rows = self.session.execute(
                select(OptOut.address, OptOut.channel).where(OptOut.address.in_(addresses))
            )
            out = {(a, c) for a, c in rows}
        for m in fresh:
            if not m["recipient"]:
                m["status"], m["last_error"] = "skipped", "no address to send to"
            elif (m["recipient"], m["channel"]) in out:
                m["status"], m["last_error"] = "skipped", "the recipient opted out"
        if fresh:  # Core's executemany: the ORM's bulk insert costs ingestion 3 % more
            self.session.connection().execute(insert(OUTBOX), fresh)
        return len(fresh)


def enqueue(session: Session, *, now: datetime, settings: Settings, **fields: Any) -> bool:
    """One message in the outbox unless one with its key is there already."""
    box = Outbox(session, settings, now)
    box.add(**fields)
    return box.flush() == 1


# What a parcel's messages use of it.
MESSAGE_COLUMNS = (
    Waybill.id,
    Waybill.number,
    Waybill.order_ref,
    Waybill.status,
    Waybill.sub_status,
    Waybill.estimated_delivery_at,
    Waybill.customer_id,
    Waybill.sender_name,
    Waybill.recipient_phone,
)
# A Waybill, or a row of MESSAGE_COLUMNS (both answer the attributes used here).
WaybillLike = Any


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d}" if moment else ""


def waybill_values(session: Session, waybill: WaybillLike, locale: str, settings: Settings,
                   change: StatusChange | None = None) -> dict[str, str]:  # fmt: skip
    """The placeholders a waybill's message can use."""
    tz = ZoneInfo(settings.timezone)
    zh = locale == "zh_CN"
    customer = session.get(Customer, waybill.customer_id) if waybill.customer_id else None
    values = {
        "waybill": waybill.number,
        "status": waybill.status.value,
        "eta": _local(waybill.estimated_delivery_at, tz),
        "shipper": mask_name(customer.name if customer else waybill.sender_name),
        "customer": customer.name if customer else waybill.sender_name,
    }
    if change is not None:
        if change.courier_name is not None:
            values["courier"] = change.courier_name
        elif change.courier_id is not None:
            courier = session.get(User, change.courier_id)
            values["courier"] = courier.display_name if courier else ""
        values["courier_phone"] = change.courier_phone or ""
        if change.facility_name is not None:
            values["station"] = change.facility_name
        elif change.facility_id is not None:
            facility = session.get(Facility, change.facility_id)
            values["station"] = facility.name if facility else ""
        values["pickup_code"] = change.pickup_code or ""
        signer, reason = change.signer_type or "", change.reason or ""
        if signer in SIGNERS:
            values["signer"] = SIGNER_TEXT[SignerType(signer)][0 if zh else 1]
        if reason in REASONS:
            values["reason"] = FAILURE_TEXT[FailureReason(reason)][0 if zh else 1]
            values["next_step"] = NEXT_STEP[reason][0 if zh else 1]
    return values


def webhook_payload(key: str, event: Event, now: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id(key),
        "version": PAYLOAD_VERSION,
        "type": event.value,
        "created_at": now.isoformat(),
        "data": data,
    }


def to_webhooks(box: Outbox, waybill: WaybillLike, event: Event, unique: str,
                data: dict[str, Any]) -> None:  # fmt: skip
    """The event to every subscription of the waybill's shipper that wants it."""
    for sub in box.subscriptions(waybill.customer_id, event):
        key = f"wh:{sub.id}:{event.value}:{waybill.id}:{unique}"
        box.add(
            key=key, channel="webhook", event=event, recipient=sub.url,
            payload=webhook_payload(key, event, box.now, data), waybill_id=waybill.id,
            customer_id=waybill.customer_id, subscription_id=sub.id,
        )  # fmt: skip


def recipient_locale(waybill: WaybillLike) -> str:
    # Chinese recipients by default; a foreign number or address would change this.
    return "zh_CN"


def to_recipient(
    box: Outbox,
    waybill: WaybillLike,
    event: Event,
    change: StatusChange | None = None,
    eta: datetime | None = None,
) -> None:
    """A milestone SMS to the recipient, once per waybill and event."""
    locale = recipient_locale(waybill)
    template = box.template(event, "sms", locale)
    assert box.settings is not None
    if template is None:
        return
    values = waybill_values(box.session, waybill, locale, box.settings, change)
    if eta is not None:  # a revised estimate (a predicted delay)
        values["eta"] = f"{eta.astimezone(ZoneInfo(box.settings.timezone)):%Y-%m-%d %H:%M}"
    _, body = render(template, values)
    box.add(
        key=f"sms:{event.value}:{waybill.id}", channel="sms", event=event,
        recipient=waybill.recipient_phone, body=body, locale=locale, waybill_id=waybill.id,
        customer_id=waybill.customer_id,
    )  # fmt: skip


def waybill_data(waybill: WaybillLike) -> dict[str, Any]:
    """What a webhook says about a parcel."""
    eta = waybill.estimated_delivery_at
    return {
        "waybill": waybill.number,
        "order_ref": waybill.order_ref,
        "status": waybill.status.value,
        "sub_status": waybill.sub_status,
        "estimated_delivery": eta.isoformat() if eta else None,
    }


def on_status_changes(
    session: Session, changes: Sequence[StatusChange], now: datetime, settings: Settings
) -> None:
    """Recipients hear about the milestones; shippers' webhooks hear about every change."""
    if not changes:
        return
    box = Outbox(session, settings, now)
    ids = [c.waybill_id for c in changes]
    # Columns only (a hot path), read after ingestion's Core UPDATE of the parcels' state.
    waybills = {
        w.id: w for w in session.execute(select(*MESSAGE_COLUMNS).where(Waybill.id.in_(ids)))
    }
    for change in changes:
        waybill = waybills[change.waybill_id]
        milestone = MILESTONES.get(change.new)
        if milestone is not None and change.final:
            to_recipient(box, waybill, milestone, change)
        if not box.subscriptions(waybill.customer_id, Event.STATUS_CHANGED) and not (
            milestone and box.subscriptions(waybill.customer_id, milestone)
        ):
            continue  # nobody subscribed: no payload to build
        data = waybill_data(waybill) | {
            "status": change.new.value,
            "previous_status": change.old.value,
            "event_time": change.at.isoformat(),
        }
        unique = f"{change.new.value}:{change.at.isoformat()}"
        to_webhooks(box, waybill, Event.STATUS_CHANGED, unique, data)
        if milestone in (Event.OUT_FOR_DELIVERY, Event.DELIVERED, Event.DELIVERY_FAILED):
            to_webhooks(box, waybill, milestone, unique, data)
    box.flush()
