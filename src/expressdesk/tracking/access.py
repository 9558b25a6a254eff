"""Who sees what of a parcel's tracking: the rules, in one place for the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request

from expressdesk.enums import STAFF_ROLES, Role
from expressdesk.models import User, Waybill
from expressdesk.tracking.masking import phone_matches_last4
from expressdesk.web.ratelimit import RateLimiter


@dataclass(frozen=True)
class Visibility:
    reveal: bool  # personal data unmasked
    staff: bool  # anomalies, custody chain, raw partner strings


def visibility(
    user: User | None,
    waybill: Waybill | Any,  # a Waybill, or a row of its tracking columns
    phone_last4: str | None = None,
    verified: bool = False,
) -> Visibility:
    """Staff see everything; the waybill's own shipper sees personal data; a visitor sees it after
    confirming the last four digits of the recipient's or sender's phone."""
    if user is not None and user.role in STAFF_ROLES:
        return Visibility(reveal=True, staff=True)
    if user is not None and user.role is Role.SHIPPER and user.customer_id == waybill.customer_id:
        return Visibility(reveal=True, staff=False)
    confirmed = verified or bool(
        phone_last4
        and (
            phone_matches_last4(waybill.recipient_phone, phone_last4)
            or phone_matches_last4(waybill.sender_phone, phone_last4)
        )
    )
    return Visibility(reveal=confirmed, staff=False)


def limit_public(request: Request, user: User | None, units: int, now: datetime) -> None:
    """Anonymous lookups count against the caller's address; logged-in users are not limited."""
    if user is not None:
        return
    limiter: RateLimiter = request.app.state.public_limiter
    client = request.client.host if request.client else "unknown"
    limiter.hit(client, now, units)
