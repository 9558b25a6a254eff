"""What the service desk's API takes and answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from expressdesk.desk.compensation import ClaimKind
from expressdesk.desk.rules import (
    Channel,
    ComplaintCategory,
    Metric,
    Priority,
    TicketStatus,
    TicketType,
    Tier,
)
from expressdesk.desk.sla import ClockState

Body = Annotated[str, Field(min_length=1, max_length=10_000)]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
Version = Annotated[int | None, Field(default=None, ge=1, le=2**31 - 1)]
Username = Annotated[str, Field(min_length=1, max_length=64)]
WaybillNumber = Annotated[str, Field(min_length=1, max_length=40)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TicketCreate(_In):
    """Open a ticket: from a phone call (the agent types it), the API, or the web form."""

    type: TicketType
    subject: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=10_000)
    waybills: list[WaybillNumber] = Field(default_factory=list, max_length=20)
    channel: Channel = Channel.PHONE
    priority: Priority = Priority.NORMAL
    category: ComplaintCategory | None = None
    customer: str | None = Field(default=None, max_length=24)  # customer account code
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=20)
    contact_email: str = Field(default="", max_length=200)
    locale: Literal["zh_CN", "en"] = "zh_CN"
    received_at: datetime | None = None  # an appeal keeps the regulator's receipt time


class PublicTicketIn(_In):
    """The public web form: a waybill and the last four digits of its sender's or recipient's
    phone (the tracking page's check), a type, a message."""

    waybill: str = Field(min_length=1, max_length=40)
    phone_last4: str = Field(pattern=r"^\d{4}$")
    type: Literal["inquiry", "trace", "urging", "complaint", "suggestion"]
    category: ComplaintCategory | None = None
    message: str = Field(min_length=2, max_length=5000)
    name: str = Field(default="", max_length=100)
    phone: str = Field(min_length=5, max_length=20)
    email: str = Field(default="", max_length=200)
    locale: Literal["zh_CN", "en"] = "zh_CN"


class TicketChange(_In):
    """Change a ticket's fields or status; ``version`` is the one you saw (409 if stale)."""

    version: int = Field(ge=1, le=2**31 - 1)
    status: TicketStatus | None = None
    priority: Priority | None = None
    category: ComplaintCategory | None = None
    responsible_unit: str | None = Field(default=None, max_length=16)  # facility code
    subject: str | None = Field(default=None, min_length=2, max_length=200)
    reason: str = Field(default="", max_length=500)


class ReplyIn(_In):
    """A public reply to the customer, or an internal note (``public=false``)."""

    body: Body
    public: bool = True
    status: TicketStatus | None = None  # e.g. reply and wait on the customer
    version: Version = None


class TransferIn(_In):
    """Give the ticket to a person or to a unit (its least-loaded on-duty person)."""

    to_user: Username | None = None
    to_unit: str | None = Field(default=None, max_length=16)
    reason: Reason
    override: bool = False  # a supervisor's override: transfer to a unit with nobody on duty
    version: Version = None


class CallbackIn(_In):
    due_at: datetime | None = None  # default: now + the rule's minutes
    phone: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=2000)


class CallbackDone(_In):
    outcome: str = Field(min_length=2, max_length=2000)


class SearchReport(_In):
    """What a unit did in a lost-parcel search."""

    outcome: Literal["found", "not_found"]
    looked: str = Field(min_length=2, max_length=2000)
    facility: str | None = Field(default=None, max_length=16)  # where it was found
    version: Version = None


class ClaimCreate(_In):
    waybill: WaybillNumber
    kind: ClaimKind
    goods_value: Decimal = Field(default=Decimal(0), ge=0, le=10_000_000, decimal_places=2)
    damage_share: Decimal = Field(default=Decimal(1), ge=0, le=1, decimal_places=3)
    responsible_unit: str | None = Field(default=None, max_length=16)
    bearer: Literal["company", "outlet"] = "company"
    reason: str = Field(default="", max_length=2000)
    ticket: str | None = Field(default=None, max_length=20)  # ticket number


class ClaimDecision(_In):
    decision: Literal["approve", "reject", "pay"]
    payable: Decimal | None = Field(default=None, ge=0, le=10_000_000, decimal_places=2)
    reason: str = Field(default="", max_length=2000)
    version: int = Field(ge=1, le=2**31 - 1)


class ClockOut(BaseModel):
    metric: Metric
    name: str
    business_time: bool
    target_hours: float
    started_at: datetime
    due_at: datetime | None
    stopped_at: datetime | None
    elapsed_hours: float
    remaining_hours: float
    percent: float
    state: ClockState


class EntryOut(BaseModel):
    id: int
    kind: str
    public: bool
    at: datetime
    actor: str | None
    author: str
    body: str
    data: dict[str, object]


class AttachmentOut(BaseModel):
    id: int
    name: str
    content_type: str
    size_bytes: int
    url: str


class TicketOut(BaseModel):
    number: str
    type: TicketType
    status: TicketStatus
    channel: Channel
    priority: Priority
    tier: Tier
    subject: str
    category: ComplaintCategory | None
    responsible_unit: str | None
    customer: str | None
    contact_name: str
    contact_phone: str
    contact_email: str
    locale: str
    owner: str | None
    received_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    calls: int
    waybills: list[str]
    clocks: list[ClockOut]
    sla_state: ClockState
    due_at: datetime | None
    version: int
    entries: list[EntryOut] | None = None
    attachments: list[AttachmentOut] = []


class RuleOut(BaseModel):
    key: str
    value: float | str
    default: float | str
    unit: str
    source: str
    ceiling: float | None
    description: str
