"""The address book (地址簿) of a shipper account."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expressdesk.enums import Role
from expressdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import AddressBookEntry, Customer, User
from expressdesk.waybills.addresses import parse_address
from expressdesk.waybills.phones import InvalidPhone, normalize_phone


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(default="recipient", pattern="^(sender|recipient)$")
    label: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=20)
    address: str = Field(min_length=5, max_length=300)
    is_default: bool = False


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    label: str
    name: str
    phone: str
    address: str
    is_default: bool


def account_of(session: Session, actor: User, code: str | None = None) -> Customer:
    """The account a request is about: a shipper's own; staff name it."""
    if actor.role is Role.SHIPPER:
        customer = session.get(Customer, actor.customer_id) if actor.customer_id else None
        if customer is None:
            raise PermissionDenied("this shipper user has no customer account")
        if code and code != customer.code:
            raise NotFound(f"customer {code} not found")
        return customer
    if not code:
        raise ValidationFailed.on("customer", "required", "name the customer account")
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise NotFound(f"customer {code} not found")
    return customer


def entries(session: Session, customer: Customer) -> list[AddressBookEntry]:
    return list(session.scalars(
        select(AddressBookEntry).where(AddressBookEntry.customer_id == customer.id)
        .order_by(AddressBookEntry.kind, AddressBookEntry.label)
    ))  # fmt: skip


def add_entry(
    session: Session, customer: Customer, data: EntryIn, now: datetime
) -> AddressBookEntry:
    try:
        phone = normalize_phone(data.phone)
    except InvalidPhone as exc:
        raise ValidationFailed.on("phone", "phone", str(exc)) from None
    if not parse_address(data.address).province:
        raise ValidationFailed.on(
            "address", "address_unrecognised", "no province or city recognised"
        )
    if data.is_default:
        for other in entries(session, customer):
            if other.kind == data.kind:
                other.is_default = False
    entry = AddressBookEntry(customer_id=customer.id, kind=data.kind, label=data.label,
                             name=data.name, phone=phone, address=data.address,
                             is_default=data.is_default, created_at=now)  # fmt: skip
    session.add(entry)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"label: '{data.label}' is already in the address book") from None
    return entry


def remove_entry(session: Session, customer: Customer, entry_id: int) -> None:
    entry = session.get(AddressBookEntry, entry_id)
    if entry is None or entry.customer_id != customer.id:
        raise NotFound(f"address book entry {entry_id} not found")
    session.delete(entry)
    session.flush()
