"""The other moments that send messages: problems opened and resolved, estimates revised, a
ticket answered; and proactive care — a predicted delay told before anyone calls, a thank-you
after a new customer's first shipment, a satisfaction survey after delivery or a resolved ticket.

Care rules are rows of the desk's rule table (``care.*``), so an admin switches and tunes them
on the same page as every other number. Everything here only writes to the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk.rules import DeskRules
from expressdesk.enums import ShipmentStatus
from expressdesk.models import (
    Customer,
    DeskRuleValue,
    Problem,
    Ticket,
    Waybill,
)
from expressdesk.notify.outbox import (
    Outbox,
    to_recipient,
    to_webhooks,
    waybill_data,
    waybill_values,
)
from expressdesk.notify.rules import Event
from expressdesk.notify.service import opt_out_link
from expressdesk.notify.templates import render
from expressdesk.problems.rules import ProblemType


def care(session: Session) -> DeskRules:
    return DeskRules.of({r.key: r.value for r in session.scalars(select(DeskRuleValue))})


def survey_link(settings: Settings, kind: str, ident: int, now: datetime) -> str:
    """A tokenized link to the satisfaction survey (answered on the survey page; it expires)."""
    from expressdesk.customers.surveys import survey_token

    token = survey_token(settings, kind, ident, now)
    return f"{settings.public_base_url.rstrip('/')}/survey/{token}"


def _email_to_customer(box: Outbox, customer: Customer | None, event: Event, key: str,
                       values: dict[str, str], waybill_id: int | None = None) -> None:  # fmt: skip
    if customer is None or not customer.email or box.settings is None:
        return
    template = box.template(event, "email", "zh_CN")
    if template is None:
        return
    values = values | {
        "customer": customer.name,
        "unsubscribe_url": opt_out_link(box.settings, customer.email, "email"),
    }
    subject, body = render(template, values)
    box.add(key=key, channel="email", event=event, recipient=customer.email, subject=subject,
            body=body, waybill_id=waybill_id, customer_id=customer.id)  # fmt: skip


def new_estimate(session: Session, waybill: Waybill, now: datetime, settings: Settings) -> datetime:
    """A delayed parcel's new estimate: planned again from where it is now, as if it moved on
    at once (the next linehaul departures, the outlet's delivery rounds)."""
    from expressdesk.enums import FacilityType
    from expressdesk.tracking.eta import (
        delivery_after_outlet_arrival,
        estimate_from_hub,
        estimate_from_pickup,
    )
    from expressdesk.tracking.repository import network_snapshot

    tz = ZoneInfo(settings.timezone)
    network = network_snapshot(session)
    here = network.by_id.get(waybill.current_facility_id or 0)
    dest = network.by_id.get(waybill.dest_facility_id or 0)
    dest_hub = dest.hub_id if dest else None
    found: datetime | None = None
    if here is not None and dest is not None and here.id == dest.id:
        found = delivery_after_outlet_arrival(now, tz)
    elif here is not None and here.type is FacilityType.HUB and dest_hub is not None:
        found = estimate_from_hub(now, here.id, dest_hub, network.planner, tz)
    elif here is not None:
        found = estimate_from_pickup(now, here.hub_id, dest_hub, network.planner, tz)
    return found or now + timedelta(days=1)


def on_problems(
    session: Session, problems: Sequence[Problem], event: Event, now: datetime,
    settings: Settings | None,
) -> None:  # fmt: skip
    """Problem opened / resolved: the shipper's webhooks; a predicted delay is also told to the
    recipient (SMS) and the shipper (e-mail) before anyone has to call."""
    if not problems:
        return
    box = Outbox(session, settings, now)
    rules = care(session)
    ids = {p.waybill_id for p in problems}
    waybills = {w.id: w for w in session.scalars(select(Waybill).where(Waybill.id.in_(ids)))}
    for problem in problems:
        waybill = waybills[problem.waybill_id]
        data = waybill_data(waybill) | {
            "problem": {"id": problem.id, "type": problem.type.value, "status": problem.status,
                        "party": problem.party.value, "resolution": problem.resolution},
        }  # fmt: skip
        to_webhooks(box, waybill, event, f"{problem.id}", data)
        delay = problem.type is ProblemType.DELAYED and event is Event.PROBLEM_OPENED
        if delay and settings is not None and rules.number("care.delay_notice") > 0:
            eta = new_estimate(session, waybill, now, settings)
            to_recipient(box, waybill, Event.DELAY_PREDICTED, eta=eta)
            customer = session.get(Customer, waybill.customer_id) if waybill.customer_id else None
            values = waybill_values(session, waybill, "zh_CN", settings)
            values["eta"] = f"{eta.astimezone(ZoneInfo(settings.timezone)):%Y-%m-%d %H:%M}"
            _email_to_customer(box, customer, Event.DELAY_PREDICTED,
                               f"email:delay:{waybill.id}", values, waybill.id)  # fmt: skip
            old = waybill.estimated_delivery_at
            data = waybill_data(waybill) | {
                "estimated_delivery": eta.isoformat(),
                "previous_estimate": old.isoformat() if old else None,
            }
            to_webhooks(box, waybill, Event.ETA_REVISED, f"delay:{problem.id}", data)
    box.flush()


def on_eta_revised(
    session: Session, revisions: Sequence[tuple[int, datetime | None, datetime]], now: datetime,
    settings: Settings,
) -> None:  # fmt: skip
    """A revised estimated delivery goes to the shipper's webhooks (an hour or more of change)."""
    moved = [(w, old, new) for w, old, new in revisions
             if old is not None and abs(new - old) >= timedelta(hours=1)]  # fmt: skip
    if not moved:
        return
    box = Outbox(session, settings, now)
    customers = {
        w.id: w
        for w in session.scalars(select(Waybill).where(Waybill.id.in_([w for w, _, _ in moved])))
        if w.customer_id is not None
    }
    for waybill_id, old, new in moved:
        waybill = customers.get(waybill_id)
        if waybill is None or not box.subscriptions(waybill.customer_id, Event.ETA_REVISED):
            continue
        data = waybill_data(waybill) | {"previous_estimate": old.isoformat() if old else None,
                                        "estimated_delivery": new.isoformat()}  # fmt: skip
        to_webhooks(box, waybill, Event.ETA_REVISED, new.isoformat(), data)
    box.flush()


def on_ticket_reply(
    session: Session, ticket: Ticket, entry_id: int, body: str, now: datetime, settings: Settings
) -> None:
    """A public reply reaches the customer by e-mail (threaded: their answer comes back to the
    ticket) and the shipper's webhooks as ``ticket_updated``."""
    from expressdesk.desk.mail import thread_message_id

    box = Outbox(session, settings, now)
    if ticket.contact_email:
        template = box.template(Event.TICKET_UPDATED, "email", ticket.locale)
        if template is not None:
            subject, text = render(template, {"ticket": ticket.number, "message": body})
            domain = settings.desk_mailbox.rsplit("@", 1)[-1]
            box.add(
                key=f"email:ticket:{entry_id}", channel="email", event=Event.TICKET_UPDATED,
                recipient=ticket.contact_email, subject=subject, body=text, locale=ticket.locale,
                ticket_id=ticket.id, customer_id=ticket.customer_id,
                payload={"in_reply_to": thread_message_id(ticket.mail_key, domain)},
            )  # fmt: skip
    if ticket.customer_id is not None:
        for sub in box.subscriptions(ticket.customer_id, Event.TICKET_UPDATED):
            key = f"wh:{sub.id}:ticket:{entry_id}"
            payload: dict[str, Any] = {
                "ticket": ticket.number, "type": ticket.type.value, "status": ticket.status.value,
                "message": body,
            }  # fmt: skip
            from expressdesk.notify.outbox import webhook_payload

            box.add(key=key, channel="webhook", event=Event.TICKET_UPDATED, recipient=sub.url,
                    payload=webhook_payload(key, Event.TICKET_UPDATED, now, payload),
                    customer_id=ticket.customer_id, ticket_id=ticket.id,
                    subscription_id=sub.id)  # fmt: skip
    box.flush()


def on_ticket_resolved(session: Session, ticket: Ticket, now: datetime, settings: Settings) -> None:
    """Care: a resolved ticket sends the satisfaction survey (once per ticket)."""
    if care(session).number("care.survey_after_ticket") <= 0:
        return
    box = Outbox(session, settings, now)
    link = survey_link(settings, "ticket", ticket.id, now)
    values = {"ticket": ticket.number, "survey_url": link, "waybill": ""}
    if ticket.contact_email:
        template = box.template(Event.SURVEY, "email", ticket.locale)
        if template is not None:
            values["unsubscribe_url"] = opt_out_link(settings, ticket.contact_email, "email")
            subject, body = render(template, values)
            box.add(key=f"survey:ticket:{ticket.id}:email", channel="email", event=Event.SURVEY,
                    recipient=ticket.contact_email, subject=subject, body=body,
                    locale=ticket.locale, ticket_id=ticket.id)  # fmt: skip
    elif ticket.contact_phone:
        template = box.template(Event.SURVEY, "sms", ticket.locale)
        if template is not None:
            box.add(key=f"survey:ticket:{ticket.id}:sms", channel="sms", event=Event.SURVEY,
                    recipient=ticket.contact_phone, body=render(template, values)[1],
                    locale=ticket.locale, ticket_id=ticket.id)  # fmt: skip
    box.flush()


def care_sweep(session: Session, now: datetime, settings: Settings) -> int:
    """The worker's care jobs: surveys some hours after delivery, and a thank-you within 24 hours
    of a new customer's first shipment. Returns how many messages were queued."""
    rules = care(session)
    box = Outbox(session, settings, now)
    if rules.number("care.survey_after_delivery") > 0:
        after = timedelta(hours=rules.number("care.survey_delay_hours"))
        window_start = now - after - timedelta(days=1)
        delivered = session.scalars(
            select(Waybill)
            .where(
                Waybill.status == ShipmentStatus.DELIVERED,
                Waybill.delivered_at <= now - after,
                Waybill.delivered_at > window_start,
            )
            .limit(2000)
        )
        for waybill in delivered:
            template = box.template(Event.SURVEY, "sms", "zh_CN")
            if template is None:
                break
            values = {
                "survey_url": survey_link(settings, "waybill", waybill.id, now),
                "waybill": waybill.number,
            }
            box.add(key=f"survey:waybill:{waybill.id}:sms", channel="sms", event=Event.SURVEY,
                    recipient=waybill.recipient_phone, body=render(template, values)[1],
                    waybill_id=waybill.id, customer_id=waybill.customer_id)  # fmt: skip
    if rules.number("care.first_shipment_thanks") > 0:
        # Customers whose very first waybill was created in the last 24 hours.
        firsts = session.execute(
            select(Waybill.customer_id, func.min(Waybill.id))
            .where(Waybill.customer_id.is_not(None))
            .group_by(Waybill.customer_id)
            .having(func.min(Waybill.created_at) > now - timedelta(hours=24))
        )
        for customer_id, waybill_id in firsts:
            customer = session.get(Customer, customer_id)
            first = session.get(Waybill, waybill_id)
            if customer is None or first is None:
                continue
            values = waybill_values(session, first, "zh_CN", settings)
            _email_to_customer(box, customer, Event.FIRST_SHIPMENT_THANKS,
                               f"thanks:{customer.id}", values, first.id)  # fmt: skip
    return box.flush()
