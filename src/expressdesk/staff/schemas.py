"""Request and response bodies of the staff feature."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from expressdesk.enums import Role


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    password: str = Field(min_length=1, max_length=200)
    phone: str = ""
    email: str = ""
    locale: str | None = Field(default=None, pattern=r"^(zh_CN|en)$")
    facility_code: str | None = None
    customer_code: str | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    phone: str
    locale: str | None
    facility_id: int | None
    customer_id: int | None
    is_active: bool


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokenCreated(BaseModel):
    id: int
    name: str
    prefix: str
    token: str = Field(description="shown once; only its hash is stored")
    created_at: datetime


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
