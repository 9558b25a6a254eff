"""JSON API of the customer feature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from expressdesk.customers import service
from expressdesk.customers.schemas import CustomerCreate, CustomerOut
from expressdesk.enums import Role
from expressdesk.models import User
from expressdesk.web.deps import Allow, AnyUser, ClockDep, Offset, SessionDep, StaffUser

router = APIRouter(prefix="/customers", tags=["customers"])
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


@router.get("/{code}", response_model=CustomerOut)
def get_customer(code: str, user: AnyUser, session: SessionDep) -> CustomerOut:
    """One customer account (a shipper sees only their own)."""
    return CustomerOut.model_validate(service.get_customer(session, code, user))
