"""JSON API of the customer feature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, Field

from expressdesk.customers import service
from expressdesk.customers.schemas import CustomerCreate, CustomerOut
from expressdesk.enums import Role
from expressdesk.models import User
from expressdesk.web.deps import (
    Allow,
    AnyUser,
    ClockDep,
    Offset,
    SessionDep,
    SettingsDep,
    StaffUser,
)
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/customers", tags=["customers"])
AccountManager = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]


@router.post("", response_model=CustomerOut, status_code=status.HTTP_201_CREATED)
def create_customer(
    data: CustomerCreate, user: AccountManager, session: SessionDep, clock: ClockDep
) -> CustomerOut:
    """Open a shipper account."""
    return CustomerOut.model_validate(service.create_customer(session, data, clock.now()))


@router.get("", response_model=list[CustomerOut])
def list_customers(
    user: StaffUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[CustomerOut]:
    """Customer accounts, by code."""
    return [CustomerOut.model_validate(c) for c in service.list_customers(session, limit, offset)]


Supervisor = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR))]


class LostIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)


@router.get("/watch-list")
def churn_watch_list(
    user: AccountManager, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> list[dict[str, object]]:
    """Accounts whose last week fell against their trailing 3-month weekly average."""
    return service.watch_list(
        session, clock.now(), settings.churn_drop_share, settings.churn_min_weekly
    )


@router.post("/tiers/recompute")
def recompute_tiers(user: Supervisor, session: SessionDep, clock: ClockDep) -> dict[str, object]:
    """Apply the 80/20 rule now (the worker does it daily): key accounts by volume or revenue."""
    keys = service.recompute_tiers(session, clock.now())
    return {"key_accounts": len(keys)}


@router.post("/{code}/lost")
def mark_lost(
    code: Annotated[str, Path(max_length=24)], data: LostIn, user: AccountManager,
    session: SessionDep, clock: ClockDep,
) -> dict[str, object]:  # fmt: skip
    """Record a lost account and why."""
    customer = service.mark_lost(session, code, data.reason, clock.now())
    return {"customer": customer.code, "lost_at": customer.lost_at, "reason": customer.lost_reason}


class ManagerIn(BaseModel):
    username: str | None = Field(default=None, max_length=64)  # null: nobody


class NoteIn(BaseModel):
    body: str = Field(min_length=2, max_length=4000)


@router.put("/{code}/account-manager")
def set_account_manager(
    code: Annotated[str, Path(max_length=24)], data: ManagerIn, user: Supervisor,
    session: SessionDep,
) -> dict[str, object]:  # fmt: skip
    """Assign the account's manager (客户经理), a supervisor's decision."""
    customer = service.set_account_manager(session, code, data.username)
    return {"customer": customer.code, "account_manager": data.username or None}


@router.post("/{code}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    code: Annotated[str, Path(max_length=24)], data: NoteIn, user: AccountManager,
    session: SessionDep, clock: ClockDep,
) -> dict[str, object]:  # fmt: skip
    """Add a note to the account's timeline."""
    note = service.add_note(session, code, user, data.body, clock.now())
    return {"id": note.id, "customer": code, "body": note.body, "author": user.username,
            "created_at": note.created_at}  # fmt: skip


@router.get("/{code}", response_model=CustomerOut)
def get_customer(code: str, user: AnyUser, session: SessionDep) -> CustomerOut:
    """One customer account (a shipper sees only their own)."""
    return CustomerOut.model_validate(service.get_customer(session, code, user))
