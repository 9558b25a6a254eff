"""Requests and answers of the pickup API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PickupCreate(_In):
    """Book a pickup. ``request_id`` makes a re-sent booking safe (the same pickup comes back)."""

    request_id: str | None = Field(default=None, min_length=1, max_length=64)
    customer: str | None = Field(default=None, max_length=24)  # staff booking for an account
    contact_name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=20)
    address: str = Field(min_length=5, max_length=300)
    window_start: datetime
    window_end: datetime
    parcels: int = Field(default=1, ge=1, le=500)
    note: str = Field(default="", max_length=500)


class ReturnPickupCreate(_In):
    """A recipient books the pickup of a return: the waybill and its phone's last four digits."""

    waybill: str = Field(min_length=1, max_length=40)
    phone_last4: str = Field(pattern=r"^\d{4}$")
    window_start: datetime
    window_end: datetime
    note: str = Field(default="", max_length=500)


class AssignIn(_In):
    courier: str = Field(min_length=1, max_length=64)


class CancelIn(_In):
    reason: str = Field(min_length=2, max_length=500)


class RescheduleIn(_In):
    window_start: datetime
    window_end: datetime
    reason: str = Field(min_length=2, max_length=500)


class CompleteIn(_In):
    """At the door: the contents inspected (验视) and the sender's ID checked (实名收寄)."""

    inspected: bool
    id_type: str = Field(default="resident_id", max_length=16)
    id_number: str = Field(default="", max_length=32)
    parcels: int | None = Field(default=None, ge=1, le=500)


class PickupOut(BaseModel):
    number: str
    status: str
    customer: str | None
    waybill: str | None
    contact_name: str
    phone: str
    address: str
    area: str | None
    outlet: str | None
    courier: str | None
    window_start: datetime
    window_end: datetime
    parcels: int
    note: str
    booked_at: datetime
    arrived_at: datetime | None
    punctual: bool | None  # arrived within the window
    done_at: datetime | None
    cancelled_at: datetime | None
    reason: str
    reschedules: int
    missed_at: datetime | None
    inspected: bool | None
    id_type: str | None
    id_number: str | None  # masked
    version: int
