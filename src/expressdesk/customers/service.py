"""Use cases of the customer feature (寄件客户). Flushes, never commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from expressdesk.customers.rules import churn_watch, key_accounts
from expressdesk.customers.schemas import CustomerCreate
from expressdesk.enums import Role
from expressdesk.errors import Conflict, NotFound, ValidationFailed
from expressdesk.models import Customer, CustomerContact, CustomerNote, Facility, User, Waybill
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


# ----------------------------------------------------------------------------------------------
# Tiers (the 80/20 rule), the churn watch list, lost accounts
# ----------------------------------------------------------------------------------------------

TIER_WINDOW = timedelta(days=91)  # "over the last 3 months"
TRAILING_WEEKS = 13


def _volumes(
    session: Session, since: datetime, until: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    rows = session.execute(
        select(Waybill.customer_id, func.count(), func.coalesce(func.sum(Waybill.total_fen), 0))
        .where(
            Waybill.customer_id.is_not(None),
            Waybill.created_at >= since,
            Waybill.created_at < until,
        )
        .group_by(Waybill.customer_id)
    )
    volume: dict[int, int] = {}
    revenue: dict[int, int] = {}
    for customer_id, count, fen in rows:
        if customer_id is not None:
            volume[customer_id] = int(count)
            revenue[customer_id] = int(fen)
    return volume, revenue


def recompute_tiers(session: Session, now: datetime) -> set[int]:
    """Mark the key accounts of the last 3 months (by volume or revenue); returns their ids."""
    volume, revenue = _volumes(session, now - TIER_WINDOW, now)
    keys = key_accounts(volume, revenue)
    for customer in session.scalars(select(Customer)):
        customer.tier = "key" if customer.id in keys else "regular"
        customer.tier_at = now
    session.flush()
    return keys


def tiers_due(session: Session, now: datetime) -> bool:
    """True when the tiers were never computed or not in the last day (the worker's schedule)."""
    last = session.scalar(select(func.max(Customer.tier_at)))
    return last is None or now - last >= timedelta(days=1)


def watch_list(
    session: Session, now: datetime, drop_share: float, minimum_weekly: float
) -> list[dict[str, object]]:
    """Accounts whose weekly volume fell against their trailing 3-month average, with figures."""
    week_start = now - timedelta(days=7)
    last_week, _ = _volumes(session, week_start, now)
    trailing, _ = _volumes(session, week_start - timedelta(weeks=TRAILING_WEEKS), week_start)
    signals = churn_watch(last_week, trailing, TRAILING_WEEKS, drop_share, minimum_weekly)
    ids = [s.customer_id for s in signals]
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    out: list[dict[str, object]] = []
    for s in signals:
        c = customers[s.customer_id]
        out.append(
            {"customer": c.code, "name": c.name, "last_week": s.last_week,
             "weekly_average": s.weekly_average, "drop": s.drop, "tier": c.tier,
             "lost": c.lost_at is not None}
        )  # fmt: skip
    return out


def mark_lost(session: Session, code: str, reason: str, now: datetime) -> Customer:
    """Record that an account stopped sending, and why (for the analysis seed 001 asks for)."""
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise NotFound(f"customer '{code}' not found")
    if len(reason.strip()) < 2:
        raise ValidationFailed.on("reason", "required", "say why the customer stopped sending")
    customer.lost_at, customer.lost_reason = now, reason.strip()
    session.flush()
    return customer


def _account(session: Session, code: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise NotFound(f"customer '{code}' not found")
    return customer


def set_account_manager(session: Session, code: str, username: str | None) -> Customer:
    """Assign the staff member who looks after the account (客户经理), or nobody."""
    customer = _account(session, code)
    if not username:
        customer.account_manager_id = None
    else:
        manager = session.scalar(select(User).where(User.username == username))
        if manager is None or not manager.is_active:
            raise ValidationFailed.on("username", "exists", f"no active user '{username}'")
        if manager.role not in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT):
            raise ValidationFailed.on("username", "role", "an account manager is a desk agent, "
                                      "a supervisor or an administrator")  # fmt: skip
        customer.account_manager_id = manager.id
    session.flush()
    return customer


def add_note(session: Session, code: str, author: User, body: str, now: datetime) -> CustomerNote:
    """A note on the account's timeline (a visit, a call, a promise made)."""
    customer = _account(session, code)
    text = body.strip()
    if len(text) < 2:
        raise ValidationFailed.on("body", "required", "write the note (2 characters or more)")
    if len(text) > 4000:
        raise ValidationFailed.on("body", "max_length", "at most 4,000 characters")
    note = CustomerNote(customer_id=customer.id, author_id=author.id, body=text, created_at=now)
    session.add(note)
    session.flush()
    return note
