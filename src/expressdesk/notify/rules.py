"""What is sent and when, as pure rules: events, the milestones recipients hear about, quiet
hours, retry backoff, SMS length, template placeholders, and the webhook signature. No I/O."""

from __future__ import annotations

import hashlib
import hmac
import string
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from expressdesk.enums import ShipmentStatus


class Event(StrEnum):
    """What happened; webhook subscriptions filter on these."""

    STATUS_CHANGED = "status_changed"
    PICKED_UP = "picked_up"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AT_PICKUP_POINT = "at_pickup_point"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    PROBLEM_OPENED = "problem_opened"
    PROBLEM_RESOLVED = "problem_resolved"
    ETA_REVISED = "eta_revised"
    DELAY_PREDICTED = "delay_predicted"
    TICKET_UPDATED = "ticket_updated"
    FIRST_SHIPMENT_THANKS = "first_shipment_thanks"
    SURVEY = "survey"
    SUBSCRIPTION_DISABLED = "subscription_disabled"
    MONTHLY_REPORT = "monthly_report"


# Events a shipper may subscribe a webhook to (issue 6's list).
WEBHOOK_EVENTS = frozenset(
    {
        Event.STATUS_CHANGED,
        Event.OUT_FOR_DELIVERY,
        Event.DELIVERED,
        Event.DELIVERY_FAILED,
        Event.PROBLEM_OPENED,
        Event.PROBLEM_RESOLVED,
        Event.ETA_REVISED,
        Event.TICKET_UPDATED,
    }
)

# The milestones a recipient hears about, by the status the parcel reached.
MILESTONES: dict[ShipmentStatus, Event] = {
    ShipmentStatus.PICKED_UP: Event.PICKED_UP,
    ShipmentStatus.OUT_FOR_DELIVERY: Event.OUT_FOR_DELIVERY,
    ShipmentStatus.AT_PICKUP_POINT: Event.AT_PICKUP_POINT,
    ShipmentStatus.DELIVERED: Event.DELIVERED,
    ShipmentStatus.ATTEMPT_FAILED: Event.DELIVERY_FAILED,
}

PAYLOAD_VERSION = "2026-11-01"
SIGNATURE_HEADER = "X-ExpressDesk-Signature"
EVENT_ID_HEADER = "X-ExpressDesk-Event-Id"


# ---------------------------------------------------------------------------------------------
# Quiet hours and retries
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """No SMS between ``start`` and ``end`` (local time): queued till the morning."""

    start: time
    end: time
    tz: ZoneInfo

    def next_allowed(self, at: datetime) -> datetime:
        local = at.astimezone(self.tz)
        t = local.timetz().replace(tzinfo=None)
        if self.start <= self.end:
            quiet = self.start <= t < self.end
        else:  # spans midnight, e.g. 21:00–08:00
            quiet = t >= self.start or t < self.end
        if not quiet:
            return at
        morning = datetime.combine(local.date(), self.end, self.tz)
        if morning <= local:
            morning += timedelta(days=1)
        return morning


def backoff(attempts: int, base_seconds: float = 30, cap_seconds: float = 3600) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 30 s, 1 min, 2 min … at most 1 h."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(attempts - 1, 0)))


def gives_up(created_at: datetime, now: datetime, horizon: timedelta) -> bool:
    """At-least-once delivery is tried for ``horizon`` (24 hours by default), then given up."""
    return now - created_at >= horizon


# ---------------------------------------------------------------------------------------------
# SMS length and templates
# ---------------------------------------------------------------------------------------------

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_segments(text: str) -> int:
    """How many SMS segments ``text`` takes (GSM-7 or, with any Chinese, UCS-2)."""
    if all(ch in _GSM for ch in text):
        single, multi = GSM_SINGLE, GSM_MULTI
    else:
        single, multi = UCS2_SINGLE, UCS2_MULTI
    if len(text) <= single:
        return 1
    return -(-len(text) // multi)


MAX_SMS_SEGMENTS = 2


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses (raises ``ValueError`` on a malformed template)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def template_problems(text: str, allowed: frozenset[str]) -> list[str]:
    """Why a template is refused at save time, or an empty list."""
    try:
        used = placeholders(text)
    except ValueError as exc:
        return [f"malformed template: {exc}"]
    problems = [f"unknown placeholder {{{name}}}" for name in sorted(used - allowed)]
    problems += [
        f"{{{name}}} needs a plain name" for name in sorted(used) if not name.isidentifier()
    ]
    return problems


# ---------------------------------------------------------------------------------------------
# Webhook signature
# ---------------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` (the documented recipe)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """A receiver's check: the signature matches and is recent (replays are refused)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
