"""What the problem desk's API takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from expressdesk.problems.rules import ContactOutcome, Party, ProblemType, Resolution

Text = Annotated[str, Field(max_length=2000)]
Reason = Annotated[str, Field(min_length=2, max_length=500)]
Version = Annotated[int | None, Field(default=None, ge=1, le=2**31 - 1)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProblemCreate(_In):
    """Register a problem (问题件登记) by a person: an agent, a courier, operations."""

    waybill: str = Field(min_length=1, max_length=40)
    type: ProblemType
    note: Text = ""
    facility: str | None = Field(default=None, max_length=16)  # where the parcel is
    source: Literal["agent", "arrival", "courier"] | None = None  # default: from the role


class AssignIn(_In):
    """Hand the problem to ``owner`` (a username; omitted: to yourself)."""

    owner: str | None = Field(default=None, max_length=64)
    reason: Annotated[str, Field(max_length=500)] = ""
    version: Version = None


class ContactIn(_In):
    kind: Literal["contact"]
    channel: Literal["call", "sms"] = "call"
    party: Literal["recipient", "sender"] = "recipient"
    outcome: ContactOutcome
    note: Text = ""
    version: Version = None


class AddressIn(_In):
    kind: Literal["address_corrected"]
    address: str = Field(min_length=5, max_length=300)
    note: Text = ""
    version: Version = None


class RescheduleIn(_In):
    kind: Literal["rescheduled"]
    deliver_on: date
    window: str = Field(default="", max_length=20, pattern=r"^(|\d{2}:\d{2}-\d{2}:\d{2})$")
    note: Text = ""
    version: Version = None


class PickupPointIn(_In):
    kind: Literal["to_pickup_point"]
    facility: str = Field(min_length=1, max_length=16)
    consent: bool
    note: Text = ""
    version: Version = None


class ReturnIn(_In):
    kind: Literal["return_to_sender"]
    reason: Reason
    version: Version = None


class EscalateIn(_In):
    kind: Literal["escalated"]
    reason: Reason
    supervisor: str | None = Field(default=None, max_length=64)
    version: Version = None


class NotifyOutletIn(_In):
    kind: Literal["outlet_notified"]
    message: str = Field(min_length=2, max_length=1000)
    facility: str | None = Field(default=None, max_length=16)  # default: the origin outlet
    version: Version = None


class NoteIn(_In):
    kind: Literal["note"]
    note: str = Field(min_length=1, max_length=2000)
    version: Version = None


ActionIn = Annotated[
    ContactIn
    | AddressIn
    | RescheduleIn
    | PickupPointIn
    | ReturnIn
    | EscalateIn
    | NotifyOutletIn
    | NoteIn,
    Field(discriminator="kind"),
]


class ResolveIn(_In):
    resolution: Resolution
    note: Text = ""
    version: Version = None


class ActionOut(BaseModel):
    id: int
    kind: str
    at: datetime
    actor: str | None
    from_owner: str | None
    to_owner: str | None
    outcome: str | None
    reason: str
    data: dict[str, Any]


class PhotoOut(BaseModel):
    id: int
    original_name: str
    content_type: str
    size_bytes: int
    url: str


class ProblemOut(BaseModel):
    id: int
    waybill: str
    type: ProblemType
    type_name: str
    party: Party
    status: str
    source: str
    detail: str | None
    note: str
    detected_at: datetime
    due_at: datetime
    facility: str | None
    target_facility: str | None
    target_area: str | None
    owner: str | None
    escalated: bool
    first_action_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    version: int
    actions: list[ActionOut] = []
    photos: list[PhotoOut] = []


class RegisterOut(BaseModel):
    created: bool
    problem: ProblemOut


class QueueItem(BaseModel):
    id: int
    type: ProblemType
    type_name: str
    waybill: str
    detected_at: datetime
    due_at: datetime
    age_minutes: int
    overdue: bool
    origin: str | None
    destination: str
    facility: str | None
    owner: str | None
    escalated: bool
    version: int
