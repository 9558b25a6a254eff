"""Request and response bodies of the customer feature."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ContactIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=50)


class CustomerCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=2, max_length=24, pattern=r"^[A-Z0-9][A-Z0-9\-]*$")
    name: str = Field(min_length=1, max_length=200)
    contact_name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=1, max_length=30)
    email: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    home_outlet_code: str | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    phone: str
    email: str
    title: str


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    contact_name: str
    phone: str
    email: str
    province: str
    city: str
    district: str
    address: str
    is_active: bool
    created_at: datetime
    contacts: list[ContactOut]
