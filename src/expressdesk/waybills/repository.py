"""All SQL of the waybill feature."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, joinedload

from expressdesk.db import DriverQuery, Reader
from expressdesk.enums import Product, ShipmentStatus
from expressdesk.models import (
    Customer,
    DeliveryArea,
    Facility,
    NumberSequence,
    RateCard,
    RateCardPrice,
    User,
    Waybill,
    ZoneRule,
)

WAYBILL_SEQUENCE = "waybill"


def take_serials(session: Session, count: int, sequence: str = WAYBILL_SEQUENCE) -> range:
    """Reserve ``count`` consecutive serials with one atomic UPDATE (safe under concurrency)."""
    new_next = session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == sequence)
        .values(next_value=NumberSequence.next_value + count)
        .returning(NumberSequence.next_value)
    ).scalar_one()
    return range(new_next - count, new_next)


def customer_by_code(session: Session, code: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.code == code))


def zone_map(session: Session) -> dict[tuple[str, str], str]:
    rows = session.execute(select(ZoneRule.origin_province, ZoneRule.dest_province, ZoneRule.zone))
    return {(r.origin_province, r.dest_province): r.zone for r in rows}


def list_rate_card(session: Session) -> RateCard | None:
    return session.scalar(
        select(RateCard)
        .where(RateCard.customer_id.is_(None), RateCard.is_active.is_(True))
        .order_by(RateCard.id.desc())
        .limit(1)
    )


def contract_rate_card(session: Session, customer_id: int) -> RateCard | None:
    return session.scalar(
        select(RateCard)
        .where(RateCard.customer_id == customer_id, RateCard.is_active.is_(True))
        .order_by(RateCard.id.desc())
        .limit(1)
    )


def prices_of(session: Session, rate_card_id: int) -> dict[tuple[Product, str], RateCardPrice]:
    rows = session.scalars(select(RateCardPrice).where(RateCardPrice.rate_card_id == rate_card_id))
    return {(p.product, p.zone): p for p in rows}


def existing_order_refs(
    session: Session, customer_id: int, refs: Iterable[str]
) -> dict[str, Waybill]:
    wanted = sorted(set(refs))
    if not wanted:
        return {}
    found: dict[str, Waybill] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for wb in session.scalars(
            select(Waybill).where(Waybill.customer_id == customer_id, Waybill.order_ref.in_(chunk))
        ):
            if wb.order_ref is not None:
                found[wb.order_ref] = wb
    return found


def waybill_by_number(session: Session, number: str) -> Waybill | None:
    return session.scalar(
        select(Waybill)
        .options(
            joinedload(Waybill.customer),
            joinedload(Waybill.origin_facility),
            joinedload(Waybill.dest_facility),
            joinedload(Waybill.dest_area),
        )
        .where(Waybill.number == number)
    )


def search_waybills(
    session: Session,
    *,
    customer_id: int | None = None,
    phone: str | None = None,
    status: ShipmentStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Waybill], int]:
    """Waybills by customer, phone (sender or recipient) and status, newest first."""
    query = select(Waybill)
    if customer_id is not None:
        query = query.where(Waybill.customer_id == customer_id)
    if phone:
        query = query.where(or_(Waybill.recipient_phone == phone, Waybill.sender_phone == phone))
    if status is not None:
        query = query.where(Waybill.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(
            joinedload(Waybill.customer),
            joinedload(Waybill.origin_facility),
            joinedload(Waybill.dest_facility),
            joinedload(Waybill.dest_area),
        )
        .order_by(Waybill.created_at.desc(), Waybill.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


TRACKING_COLUMNS = (
    Waybill.id, Waybill.number, Waybill.created_at, Waybill.customer_id, Waybill.status,
    Waybill.sub_status, Waybill.estimated_delivery_at, Waybill.promised_by, Waybill.last_event_at,
    Waybill.anomaly_count, Waybill.sender_name, Waybill.sender_phone, Waybill.sender_province,
    Waybill.sender_city, Waybill.recipient_name, Waybill.recipient_phone,
    Waybill.recipient_province, Waybill.recipient_city, Waybill.recipient_district,
)  # fmt: skip


_TRACKING_BY_NUMBER = DriverQuery(
    select(*TRACKING_COLUMNS).where(Waybill.number == bindparam("number")), "TrackingRecord"
)


def tracking_record(db: Reader, number: str) -> Any | None:
    """The columns a tracking lookup shows, by number (one indexed lookup, no joins; a hot path:
    see ``DriverQuery``)."""
    return _TRACKING_BY_NUMBER.first(db, number=number)


async def tracking_record_async(conn: Any, dialect: Dialect, number: str) -> Any | None:
    """``tracking_record`` on an asynchronous driver connection (``db.async_read_pool``)."""
    return await _TRACKING_BY_NUMBER.first_async(conn, dialect, number=number)


def status_counts(session: Session, customer_id: int | None = None) -> dict[ShipmentStatus, int]:
    """How many waybills are in each status (one customer's, or all)."""
    query = select(Waybill.status, func.count()).group_by(Waybill.status)
    if customer_id is not None:
        query = query.where(Waybill.customer_id == customer_id)
    return {row[0]: row[1] for row in session.execute(query)}


def table_sizes(session: Session) -> dict[str, int]:
    """Counts of the reference tables shown on the overview."""
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in (
            ("facilities", Facility),
            ("areas", DeliveryArea),
            ("customers", Customer),
            ("users", User),
        )
    }
