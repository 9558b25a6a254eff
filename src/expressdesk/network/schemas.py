"""Request and response bodies of the network feature."""

from __future__ import annotations

from datetime import time

from pydantic import BaseModel, ConfigDict, Field

from expressdesk.enums import FacilityType, TransportMode

Code = Field(min_length=2, max_length=16, pattern=r"^[A-Z0-9][A-Z0-9\-]*$")


class FacilityCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Code
    name: str = Field(min_length=1, max_length=100)
    type: FacilityType
    address: str = Field(
        min_length=2, max_length=300, description="parsed into province/city/district"
    )
    phone: str = Field(default="", max_length=30)
    parent_code: str | None = Field(default=None, description="the hub this facility reports to")


class FacilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    type: FacilityType
    province: str
    city: str
    district: str
    address: str
    phone: str
    parent_id: int | None
    is_active: bool


class AreaCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=2, max_length=24, pattern=r"^[A-Z0-9][A-Z0-9\-]*$")
    name: str = Field(min_length=1, max_length=100)
    outlet_code: str
    region: str = Field(
        min_length=2,
        max_length=100,
        description="province, city and district, e.g. 浙江省杭州市西湖区",
    )
    keywords: list[str] = Field(default_factory=list, max_length=200)
    is_remote: bool = False
    courier_usernames: list[str] = Field(default_factory=list)


class AreaOut(BaseModel):
    id: int
    code: str
    name: str
    outlet_code: str
    province: str
    city: str
    district: str
    keywords: list[str]
    is_remote: bool
    couriers: list[str]


class AreaMatchRequest(BaseModel):
    address: str = Field(min_length=2, max_length=300)


class AreaMatchOut(BaseModel):
    province: str | None
    city: str | None
    district: str | None
    parsed: bool
    area: AreaOut | None


class ScheduleIn(BaseModel):
    departure: time
    arrival: time
    arrival_day_offset: int = Field(default=0, ge=0, le=3)
    days_of_operation: str = Field(default="1234567", pattern=r"^[1-7]{1,7}$")
    airline_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,3}$")
    flight_number: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,3}\d{1,4}[A-Z]?$")
    aircraft_type: str | None = Field(default=None, max_length=16)


class RouteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=24, pattern=r"^[A-Z0-9][A-Z0-9\-]*$")
    origin_hub_code: str
    dest_hub_code: str
    mode: TransportMode
    schedules: list[ScheduleIn] = Field(min_length=1, max_length=50)


class ScheduleOut(ScheduleIn):
    model_config = ConfigDict(from_attributes=True)


class RouteOut(BaseModel):
    code: str
    origin_hub: str
    dest_hub: str
    mode: TransportMode
    schedules: list[ScheduleOut]


class LaneOut(BaseModel):
    origin_hub: str
    dest_hub: str
    normal_transit_hours: float | None
