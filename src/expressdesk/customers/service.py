"""Use cases of the customer feature (寄件客户). Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from expressdesk.customers.schemas import CustomerCreate
from expressdesk.enums import Role
from expressdesk.errors import Conflict, NotFound, ValidationFailed
from expressdesk.models import Customer, CustomerContact, Facility, User
from expressdesk.waybills.addresses import parse_address
from expressdesk.waybills.phones import InvalidPhone, normalize_phone


def create_customer(session: Session, data: CustomerCreate, now: datetime) -> Customer:
    if session.scalar(select(Customer.id).where(Customer.code == data.code)) is not None:
        raise Conflict(f"code: customer '{data.code}' already exists")
    try:
        phone = normalize_phone(data.phone)
    except InvalidPhone as exc:
        raise ValidationFailed.on("phone", "phone_cn", str(exc)) from exc
    outlet_id = None
    if data.home_outlet_code:
        outlet_id = session.scalar(
            select(Facility.id).where(Facility.code == data.home_outlet_code)
        )
        if outlet_id is None:
            raise ValidationFailed.on(
                "home_outlet_code", "unknown_code", f"no facility '{data.home_outlet_code}'"
            )
    parsed = parse_address(data.address) if data.address else None
    customer = Customer(
        code=data.code,
        name=data.name,
        contact_name=data.contact_name,
        phone=phone,
        email=data.email,
        province=(parsed.province or "") if parsed else "",
        city=(parsed.city or "") if parsed else "",
        district=(parsed.district or "") if parsed else "",
        address=data.address,
        home_outlet_id=outlet_id,
        is_active=True,
        created_at=now,
    )
    for i, contact in enumerate(data.contacts):
        contact_phone = ""
        if contact.phone:
            try:
                contact_phone = normalize_phone(contact.phone)
            except InvalidPhone as exc:
                raise ValidationFailed.on(f"contacts[{i}].phone", "phone_cn", str(exc)) from exc
        customer.contacts.append(
            CustomerContact(
                name=contact.name, phone=contact_phone, email=contact.email, title=contact.title
            )
        )
    session.add(customer)
    session.flush()
    return customer


def get_customer(session: Session, code: str, actor: User) -> Customer:
    """A customer the actor may see: staff see all, a shipper only their own account."""
    customer = session.scalar(
        select(Customer).options(selectinload(Customer.contacts)).where(Customer.code == code)
    )
    if customer is None or (actor.role is Role.SHIPPER and actor.customer_id != customer.id):
        raise NotFound(f"customer '{code}' not found")
    return customer


def list_customers(session: Session, limit: int = 100, offset: int = 0) -> list[Customer]:
    return list(
        session.scalars(
            select(Customer)
            .options(selectinload(Customer.contacts))
            .order_by(Customer.code)
            .limit(limit)
            .offset(offset)
        )
    )
