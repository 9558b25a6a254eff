"""Pickup use cases: book (by a shipper, by staff for an account, or by a recipient for a
return), assign to the courier of the delivery area (or a dispatcher's choice), the courier's
day in window order, arrival (was the window kept?), completion with inspection and the ID
check, cancellation and rescheduling with reasons, and missed windows turned into desk tickets."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Role
from expressdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import Customer, DeliveryArea, NumberSequence, Pickup, User, Waybill
from expressdesk.pickups import rules
from expressdesk.pickups.schemas import (
    CompleteIn,
    PickupCreate,
    PickupOut,
    RescheduleIn,
    ReturnPickupCreate,
)
from expressdesk.waybills.phones import InvalidPhone, normalize_phone

SEQUENCE = "pickup"
STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.OPERATIONS)
DISPATCHERS = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATIONS)
OPEN = ("booked", "assigned", "arrived")


def _number(session: Session) -> str:
    from expressdesk.waybills.repository import take_serials

    try:
        serial = take_serials(session, 1, SEQUENCE)[0]
    except NoResultFound:
        session.add(NumberSequence(name=SEQUENCE, next_value=100_001))
        session.flush()
        serial = take_serials(session, 1, SEQUENCE)[0]
    return f"PK{serial:08d}"


def _courier_for(session: Session, area: DeliveryArea | None, day_start: datetime) -> User | None:
    """The area's courier with the fewest pickups that day (ties: the first by id)."""
    if area is None:
        return None
    couriers = [u for u in area.couriers if u.is_active and u.role is Role.COURIER]
    if not couriers:
        return None
    loads = dict(session.execute(
        select(Pickup.courier_id, func.count())
        .where(Pickup.courier_id.in_([c.id for c in couriers]), Pickup.window_start >= day_start,
               Pickup.window_start < day_start + timedelta(days=1))
        .group_by(Pickup.courier_id)
    ).all())  # fmt: skip
    return min(couriers, key=lambda c: (loads.get(c.id, 0), c.id))


def _place(session: Session, pickup: Pickup, address: str, now: datetime, tz: ZoneInfo) -> None:
    from expressdesk.network.service import match_area

    parsed, area = match_area(session, address)
    pickup.province = parsed.province or ""
    pickup.city = parsed.city or ""
    pickup.district = parsed.district or ""
    pickup.area_id = area.id if area else None
    pickup.facility_id = area.outlet_id if area else None
    local_day = pickup.window_start.astimezone(tz).date()
    day_start = datetime.combine(local_day, time(0), tz)
    courier = _courier_for(session, area, day_start)
    pickup.courier_id = courier.id if courier else None
    pickup.status = "assigned" if courier else "booked"
    pickup.assigned_at = now if courier else None


def book(
    session: Session, data: PickupCreate, actor: User, now: datetime, settings: Settings
) -> tuple[Pickup, bool]:
    """Book a pickup; (the pickup, whether it is new). A re-sent request id returns the first."""
    if actor.role is Role.SHIPPER:
        if data.customer is not None and actor.customer_id is not None:
            own = session.get(Customer, actor.customer_id)
            if own is None or own.code != data.customer:
                raise PermissionDenied("a shipper books pickups for their own account only")
        customer_id = actor.customer_id
    elif actor.role in STAFF:
        customer_id = None
        if data.customer:
            customer = session.scalar(select(Customer).where(Customer.code == data.customer))
            if customer is None:
                raise ValidationFailed.on("customer", "exists", f"no account '{data.customer}'")
            customer_id = customer.id
    else:
        raise PermissionDenied("your role may not book pickups")
    if data.request_id:
        existing = session.scalar(select(Pickup).where(
            Pickup.customer_id == customer_id, Pickup.request_id == data.request_id))  # fmt: skip
        if existing is not None:
            return existing, False
    rules.check_window(data.window_start, data.window_end, now)
    try:
        phone = normalize_phone(data.phone)
    except InvalidPhone as exc:
        raise ValidationFailed.on("phone", "phone", str(exc)) from None
    pickup = Pickup(
        number=_number(session), request_id=data.request_id, customer_id=customer_id,
        contact_name=data.contact_name, phone=phone, address=data.address,
        window_start=data.window_start, window_end=data.window_end, parcels=data.parcels,
        note=data.note, booked_at=now, status="booked", reason="", reschedules=0,
    )  # fmt: skip
    _place(session, pickup, data.address, now, ZoneInfo(settings.timezone))
    session.add(pickup)
    session.flush()
    return pickup, True


def book_return(
    session: Session, data: ReturnPickupCreate, now: datetime, settings: Settings
) -> Pickup:
    """A recipient's return: the pickup at the recipient's address, proven by the phone check."""
    from expressdesk.tracking.masking import phone_matches_last4
    from expressdesk.waybills.service import check_waybill_number

    number = check_waybill_number(data.waybill, settings)
    waybill = session.scalar(select(Waybill).where(Waybill.number == number))
    if waybill is None or not phone_matches_last4(waybill.recipient_phone, data.phone_last4):
        # One answer for both: a stranger learns nothing about which numbers exist.
        raise NotFound("no parcel with this number and recipient phone")
    request_id = f"return:{waybill.number}"
    existing = session.scalar(select(Pickup).where(Pickup.request_id == request_id,
                                                   Pickup.status.in_(OPEN)))  # fmt: skip
    if existing is not None:
        return existing
    rules.check_window(data.window_start, data.window_end, now)
    pickup = Pickup(
        number=_number(session), request_id=None, customer_id=waybill.customer_id,
        waybill_id=waybill.id, contact_name=waybill.recipient_name, phone=waybill.recipient_phone,
        address=waybill.recipient_address, window_start=data.window_start,
        window_end=data.window_end, parcels=1, note=data.note or f"退货 return of {waybill.number}",
        booked_at=now, status="booked", reason="", reschedules=0,
    )  # fmt: skip
    pickup.request_id = request_id
    _place(session, pickup, waybill.recipient_address, now, ZoneInfo(settings.timezone))
    session.add(pickup)
    session.flush()
    return pickup


def get(session: Session, number: str, actor: User) -> Pickup:
    pickup = session.scalar(select(Pickup).where(Pickup.number == number))
    if pickup is None or not can_see(actor, pickup):
        raise NotFound(f"pickup {number} not found")
    return pickup


def can_see(actor: User, pickup: Pickup) -> bool:
    if actor.role is Role.SHIPPER:
        return actor.customer_id is not None and pickup.customer_id == actor.customer_id
    if actor.role is Role.COURIER:
        return pickup.courier_id == actor.id
    return True


def day_list(
    session: Session, actor: User, day: date, tz: ZoneInfo, courier: str | None = None
) -> list[Pickup]:
    """A day's pickups in window order: a courier's own; staff any courier's, or all."""
    start = datetime.combine(day, time(0), tz)
    query = select(Pickup).where(Pickup.window_start >= start,
                                 Pickup.window_start < start + timedelta(days=1))  # fmt: skip
    if actor.role is Role.COURIER:
        query = query.where(Pickup.courier_id == actor.id)
    elif actor.role is Role.SHIPPER:
        query = query.where(Pickup.customer_id == actor.customer_id)
    elif courier:
        user = session.scalar(select(User).where(User.username == courier))
        if user is None:
            raise ValidationFailed.on("courier", "exists", f"no user '{courier}'")
        query = query.where(Pickup.courier_id == user.id)
    return list(session.scalars(query.order_by(Pickup.window_start, Pickup.window_end, Pickup.id)))


def _must_be_open(pickup: Pickup, action: str) -> None:
    if pickup.status not in OPEN:
        raise Conflict(f"pickup {pickup.number} is {pickup.status}: it cannot be {action}")


def assign(
    session: Session, pickup: Pickup, courier_name: str, actor: User, now: datetime
) -> Pickup:
    if actor.role not in DISPATCHERS:
        raise PermissionDenied("only a dispatcher (operations), a supervisor or an admin reassigns")
    _must_be_open(pickup, "reassigned")
    courier = session.scalar(select(User).where(User.username == courier_name))
    if courier is None or courier.role is not Role.COURIER or not courier.is_active:
        raise ValidationFailed.on(
            "courier", "courier", f"'{courier_name}' is not an active courier"
        )
    pickup.courier_id, pickup.assigned_at = courier.id, now
    if pickup.status == "booked":
        pickup.status = "assigned"
    session.flush()
    return pickup


def arrive(session: Session, pickup: Pickup, actor: User, now: datetime) -> Pickup:
    """The courier is at the door: the arrival time decides whether the window was kept."""
    if actor.role is Role.COURIER and pickup.courier_id != actor.id:
        raise PermissionDenied("this pickup is another courier's")
    _must_be_open(pickup, "arrived at")
    if pickup.arrived_at is None:
        pickup.arrived_at = now
        if pickup.courier_id is None and actor.role is Role.COURIER:
            pickup.courier_id = actor.id
    pickup.status = "arrived"
    session.flush()
    return pickup


def complete(session: Session, pickup: Pickup, data: CompleteIn, actor: User, now: datetime,
             settings: Settings) -> Pickup:  # fmt: skip
    """Take the parcels: only inspected (验视) and with the sender's ID checked (实名收寄); a
    sender who refuses inspection is refused (the pickup ends as ``refused``)."""
    if actor.role is Role.COURIER and pickup.courier_id != actor.id:
        raise PermissionDenied("this pickup is another courier's")
    _must_be_open(pickup, "completed")
    if pickup.arrived_at is None:
        pickup.arrived_at = now
    pickup.inspected = data.inspected
    pickup.done_at = now
    if not data.inspected:
        pickup.status = "refused"
        pickup.reason = "寄件人拒绝验视，不予收寄 (the sender refused inspection)"
        session.flush()
        return pickup
    if not data.id_number:
        raise ValidationFailed.on("id_number", "required", "check the sender's ID (实名收寄)")
    number = rules.check_id(data.id_type, data.id_number)
    pickup.id_type = data.id_type
    pickup.id_number_masked = rules.mask_id(number)
    pickup.id_number_sealed = rules.seal_id(number, settings.secret_key)
    pickup.id_checked_by_id = actor.id
    if data.parcels is not None:
        pickup.parcels = data.parcels
    pickup.status = "done"
    session.flush()
    return pickup


def cancel(session: Session, pickup: Pickup, reason: str, now: datetime) -> Pickup:
    _must_be_open(pickup, "cancelled")
    pickup.status, pickup.cancelled_at, pickup.reason = "cancelled", now, reason
    session.flush()
    return pickup


def reschedule(session: Session, pickup: Pickup, data: RescheduleIn, now: datetime,
               settings: Settings) -> Pickup:  # fmt: skip
    _must_be_open(pickup, "rescheduled")
    rules.check_window(data.window_start, data.window_end, now)
    pickup.window_start, pickup.window_end = data.window_start, data.window_end
    pickup.reason = data.reason
    pickup.reschedules += 1
    pickup.arrived_at = None
    pickup.missed_at = None
    _place(session, pickup, pickup.address, now, ZoneInfo(settings.timezone))
    session.flush()
    return pickup


def sweep_missed(session: Session, now: datetime, settings: Settings) -> int:
    """Windows that ended with nobody there become desk tickets (催件 on the outlet's behalf)."""
    from expressdesk.desk.clocks import load_setup
    from expressdesk.desk.rules import Channel, Priority, TicketType
    from expressdesk.desk.schemas import TicketCreate
    from expressdesk.desk.service import create_ticket

    due = session.scalars(
        select(Pickup).where(Pickup.status.in_(("booked", "assigned")), Pickup.arrived_at.is_(None),
                             Pickup.missed_at.is_(None),
                             Pickup.window_end <= now - rules.MISSED_GRACE)
        .order_by(Pickup.window_end).limit(500)
    ).all()  # fmt: skip
    if not due:
        return 0
    setup = load_setup(session, settings)
    for pickup in due:
        customer = session.get(Customer, pickup.customer_id) if pickup.customer_id else None
        data = TicketCreate(
            type=TicketType.URGING, channel=Channel.SYSTEM, priority=Priority.HIGH,
            subject=f"揽收超时未上门 {pickup.number} · missed pickup window",
            description=(f"预约揽收 {pickup.number} 的时间窗 {pickup.window_start:%Y-%m-%d %H:%M}–"
                         f"{pickup.window_end:%H:%M} (UTC) 已过，快递员未到。联系人 "
                         f"{pickup.contact_name}，地址 {pickup.address}。"),
            customer=customer.code if customer else None, contact_name=pickup.contact_name,
            contact_phone=pickup.phone,
        )  # fmt: skip
        ticket, _merged = create_ticket(session, None, data, now, settings, setup)
        pickup.missed_at, pickup.ticket_id = now, ticket.id
    session.flush()
    return len(due)


# Who may see even the masked ID number of a pickup's sender (实名收寄 records).
ID_READERS = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATIONS, Role.COURIER)


def pickup_out(session: Session, p: Pickup, viewer: User | None = None) -> PickupOut:
    customer = session.get(Customer, p.customer_id) if p.customer_id else None
    waybill = session.get(Waybill, p.waybill_id) if p.waybill_id else None
    area = session.get(DeliveryArea, p.area_id) if p.area_id else None
    courier = session.get(User, p.courier_id) if p.courier_id else None
    from expressdesk.models import Facility

    outlet = session.get(Facility, p.facility_id) if p.facility_id else None
    shows_id = viewer is not None and viewer.role in ID_READERS
    return PickupOut(
        number=p.number, status=p.status, customer=customer.code if customer else None,
        waybill=waybill.number if waybill else None, contact_name=p.contact_name, phone=p.phone,
        address=p.address, area=area.code if area else None, outlet=outlet.code if outlet else None,
        courier=courier.username if courier else None, window_start=p.window_start,
        window_end=p.window_end, parcels=p.parcels, note=p.note, booked_at=p.booked_at,
        arrived_at=p.arrived_at,
        punctual=(rules.kept_window(p.arrived_at, p.window_start, p.window_end)
                  if p.arrived_at else None),
        done_at=p.done_at, cancelled_at=p.cancelled_at, reason=p.reason,
        reschedules=p.reschedules, missed_at=p.missed_at, inspected=p.inspected,
        id_type=p.id_type if shows_id else None,
        id_number=p.id_number_masked if shows_id else None, version=p.version,
    )  # fmt: skip
