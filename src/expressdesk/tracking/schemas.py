"""Request and response bodies of the tracking feature."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from expressdesk.enums import ShipmentStatus
from expressdesk.tracking.scan_types import ScanType, SignerType

MAX_BATCH = 1000


class ScanIn(BaseModel):
    """One scan from a handheld terminal, a sorting line or a partner feed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    waybill: str = Field(min_length=1, max_length=40)
    type: ScanType
    time: AwareDatetime = Field(description="when the scan happened, with its UTC offset")
    facility: str | None = Field(default=None, max_length=16, description="facility code")
    operator: str | None = Field(
        default=None, max_length=64, description="username; default: the caller"
    )
    device_id: str | None = Field(default=None, max_length=40)
    device_seq: int | None = Field(default=None, ge=0, le=2**62)
    client_scan_id: str | None = Field(default=None, max_length=64)
    weight_kg: Decimal | None = Field(default=None, gt=0, le=100, decimal_places=3)
    courier: str | None = Field(default=None, max_length=64, description="courier's username")
    courier_phone: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=40)
    signer_type: SignerType | None = None
    signer_name: str | None = Field(default=None, max_length=50)
    pickup_code: str | None = Field(default=None, max_length=16)
    problem_code: str | None = Field(default=None, max_length=32)
    carrier: str | None = Field(default=None, max_length=16)
    carrier_status: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _identified(self) -> ScanIn:
        if not self.client_scan_id and not (self.device_id and self.device_seq is not None):
            raise ValueError(
                "give client_scan_id, or device_id with device_seq, so a re-send is recognised"
            )
        return self


class ScanBatch(BaseModel):
    scans: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="up to 1,000 scans (each a ScanIn); each one is answered on its own",
    )


ItemOutcome = Literal["accepted", "duplicate", "rejected"]


class ScanResult(BaseModel):
    index: int
    outcome: ItemOutcome
    client_scan_id: str | None = None
    reason: str | None = Field(default=None, description="why it was rejected (a stable code)")
    detail: str | None = None
    anomaly: str | None = Field(
        default=None, description="accepted but contradicting the parcel's life"
    )


class BatchResult(BaseModel):
    accepted: int
    duplicate: int
    rejected: int
    results: list[ScanResult]


class FacilityRef(BaseModel):
    # Frozen: one instance per facility is shared by every tracking view (query._ref).
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    city: str


class TimelineEvent(BaseModel):
    time: datetime = Field(description="in the offset the scanner sent")
    type: ScanType
    status: ShipmentStatus | None
    description: str
    facility: FacilityRef | None
    anomaly: str | None = None
    partner_raw: str | None = None
    operator: str | None = None
    device: str | None = None


class CustodyOut(BaseModel):
    holder: str
    facility: FacilityRef | None
    person: str | None
    carrier: str | None
    since: datetime
    until: datetime | None


class PlaceOut(BaseModel):
    province: str | None
    city: str | None
    district: str | None = None


class TrackingOut(BaseModel):
    number: str
    status: ShipmentStatus
    status_label: str
    status_meaning: str
    sub_status: str | None
    estimated_delivery: datetime | None
    promised_by: datetime | None
    late: bool
    last_update: datetime | None
    origin: PlaceOut
    destination: PlaceOut
    recipient_name: str
    recipient_phone: str
    sender_name: str
    masked: bool
    events: list[TimelineEvent]
    custody: list[CustodyOut] | None = None
    anomalies: int | None = None


class TrackingBatchIn(BaseModel):
    numbers: list[str] = Field(min_length=1, max_length=50)


class TrackingBatchItem(BaseModel):
    number: str
    found: bool
    error: str | None = None
    tracking: TrackingOut | None = None
