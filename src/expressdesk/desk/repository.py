"""Every query of the service desk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from expressdesk.desk.assign import Candidate
from expressdesk.desk.rules import DONE, TicketType
from expressdesk.enums import Role
from expressdesk.models import (
    Callback,
    Claim,
    Customer,
    DeskDay,
    DeskRuleValue,
    Facility,
    NumberSequence,
    Search,
    Ticket,
    TicketAttachment,
    TicketWaybill,
    User,
    Waybill,
)


def next_serial(session: Session, name: str) -> int:
    """One serial from a counter with one atomic UPDATE (safe under concurrency)."""
    value: int = session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == name)
        .values(next_value=NumberSequence.next_value + 1)
        .returning(NumberSequence.next_value)
    ).scalar_one()
    return value - 1


def rule_overrides(session: Session) -> dict[str, str]:
    return {r.key: r.value for r in session.scalars(select(DeskRuleValue))}


def desk_days(session: Session) -> list[DeskDay]:
    return list(session.scalars(select(DeskDay).order_by(DeskDay.day)))


def desk_day(session: Session, day: date) -> DeskDay | None:
    return session.get(DeskDay, day)


def ticket_by_number(session: Session, number: str, *, lock: bool = False) -> Ticket | None:
    query = select(Ticket).where(Ticket.number == number.strip().upper())
    if lock:
        query = query.with_for_update()
    return session.scalar(query.execution_options(populate_existing=lock))


def ticket_by_mail_key(session: Session, key: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.mail_key == key))


def waybills_by_number(session: Session, numbers: Iterable[str]) -> dict[str, Waybill]:
    wanted = list(numbers)
    if not wanted:
        return {}
    return {w.number: w for w in session.scalars(select(Waybill).where(Waybill.number.in_(wanted)))}


def customer_by_code(session: Session, code: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.code == code))


def customer_by_email(session: Session, email: str) -> Customer | None:
    if not email:
        return None
    return session.scalar(select(Customer).where(func.lower(Customer.email) == email).limit(1))


def facility_by_code(session: Session, code: str) -> Facility | None:
    return session.scalar(select(Facility).where(Facility.code == code))


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def mergeable_ticket(
    session: Session, waybill_id: int, ticket_type: TicketType, since: datetime
) -> Ticket | None:
    """An unresolved ticket of this type about this parcel, called about since ``since``."""
    return session.scalar(
        select(Ticket)
        .join(TicketWaybill, TicketWaybill.ticket_id == Ticket.id)
        .where(
            TicketWaybill.waybill_id == waybill_id,
            Ticket.type == ticket_type,
            Ticket.status.not_in(list(DONE)),
            func.coalesce(Ticket.last_call_at, Ticket.received_at) >= since,
        )
        .order_by(Ticket.id)
        .limit(1)
        .with_for_update()
    )


def loads(session: Session, user_ids: Sequence[int]) -> dict[int, int]:
    """Open tickets and open searches owned by each person."""
    if not user_ids:
        return {}
    counts = dict.fromkeys(user_ids, 0)
    rows = session.execute(
        select(Ticket.owner_id, func.count())
        .where(Ticket.owner_id.in_(user_ids), Ticket.status.not_in(list(DONE)))
        .group_by(Ticket.owner_id)
    )
    for owner, n in rows:
        if owner is not None:
            counts[owner] += n
    rows = session.execute(
        select(Search.owner_id, func.count())
        .where(Search.owner_id.in_(user_ids), Search.status == "open")
        .group_by(Search.owner_id)
    )
    for owner, n in rows:
        if owner is not None:
            counts[owner] += n
    return counts


def candidates(
    session: Session,
    roles: Iterable[Role],
    *,
    facility_id: int | None = None,
    on_duty: bool = True,
) -> list[Candidate]:
    """Active people of these roles (at this unit), with their load."""
    query = select(User).where(User.is_active.is_(True), User.role.in_(list(roles)))
    if on_duty:
        query = query.where(User.on_duty.is_(True))
    if facility_id is not None:
        query = query.where(User.facility_id == facility_id)
    users = list(session.scalars(query))
    load = loads(session, [u.id for u in users])
    return [
        Candidate(u.id, u.facility_id, u.locale, frozenset(u.desk_skills or ()), load[u.id])
        for u in users
    ]


def staff_people(session: Session) -> list[User]:
    """Active staff, for choosing whom to hand a ticket to."""
    return list(
        session.scalars(
            select(User)
            .where(User.is_active.is_(True), User.role != Role.SHIPPER)
            .order_by(User.role, User.username)
        )
    )


def tickets_of_waybill(session: Session, waybill_id: int) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .join(TicketWaybill, TicketWaybill.ticket_id == Ticket.id)
            .where(TicketWaybill.waybill_id == waybill_id)
            .order_by(Ticket.id.desc())
        )
    )


def waybill_numbers(session: Session, ticket_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in ticket_ids}
    if not ticket_ids:
        return out
    rows = session.execute(
        select(TicketWaybill.ticket_id, Waybill.number)
        .join(Waybill, Waybill.id == TicketWaybill.waybill_id)
        .where(TicketWaybill.ticket_id.in_(ticket_ids))
        .order_by(Waybill.number)
    )
    for ticket_id, number in rows:
        out[ticket_id].append(number)
    return out


def my_tickets(session: Session, owner_id: int, limit: int = 200) -> list[Ticket]:
    """An agent's unresolved tickets, the most urgent first (no due time: last)."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.owner_id == owner_id, Ticket.status.not_in(list(DONE)))
            .order_by(Ticket.due_at.is_(None), Ticket.due_at, Ticket.id)
            .limit(limit)
        )
    )


def escalated_tickets(session: Session, limit: int = 200) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.escalated_at.is_not(None), Ticket.status.not_in(list(DONE)))
            .order_by(Ticket.escalated_at)
            .limit(limit)
        )
    )


def tickets_to_sweep(session: Session, now: datetime) -> list[Ticket]:
    """Unresolved tickets whose warning or due moment has come (the sweep re-checks them)."""
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.check_at <= now,
                Ticket.status.not_in(list(DONE)),
            )
            .order_by(Ticket.id)
            .limit(500)
        )
    )


def open_callbacks(session: Session, owner_id: int | None = None) -> list[Callback]:
    query = select(Callback).where(Callback.done_at.is_(None))
    if owner_id is not None:
        query = query.where(Callback.owner_id == owner_id)
    return list(session.scalars(query.order_by(Callback.due_at)))


def attachments_of(session: Session, ticket_id: int) -> list[TicketAttachment]:
    return list(
        session.scalars(
            select(TicketAttachment)
            .where(TicketAttachment.ticket_id == ticket_id)
            .order_by(TicketAttachment.id)
        )
    )


def late_callbacks(session: Session, now: datetime) -> list[Callback]:
    return list(
        session.scalars(
            select(Callback).where(
                Callback.done_at.is_(None), Callback.late_at.is_(None), Callback.due_at <= now
            )
        )
    )


def callbacks_of(session: Session, ticket_id: int) -> list[Callback]:
    return list(
        session.scalars(
            select(Callback).where(Callback.ticket_id == ticket_id).order_by(Callback.id)
        )
    )


def searches_of(session: Session, *, ticket_id: int | None = None, owner_id: int | None = None,
                open_only: bool = False) -> list[Search]:  # fmt: skip
    query = select(Search)
    if ticket_id is not None:
        query = query.where(Search.ticket_id == ticket_id)
    if owner_id is not None:
        query = query.where(Search.owner_id == owner_id)
    if open_only:
        query = query.where(Search.status == "open")
    return list(session.scalars(query.order_by(Search.deadline_at)))


def searches_due(session: Session, now: datetime) -> list[Search]:
    return list(
        session.scalars(
            select(Search).where(Search.status == "open", Search.deadline_at <= now).limit(500)
        )
    )


def open_searches(session: Session) -> list[Search]:
    return list(session.scalars(select(Search).where(Search.status == "open")))


def claims_of(session: Session, *, ticket_id: int | None = None,
              waybill_id: int | None = None) -> list[Claim]:  # fmt: skip
    query = select(Claim)
    if ticket_id is not None:
        query = query.where(Claim.ticket_id == ticket_id)
    if waybill_id is not None:
        query = query.where(Claim.waybill_id == waybill_id)
    return list(session.scalars(query.order_by(Claim.id)))


def claim_by_number(session: Session, number: str, *, lock: bool = False) -> Claim | None:
    query = select(Claim).where(Claim.number == number.strip().upper())
    if lock:
        query = query.with_for_update()
    return session.scalar(query.execution_options(populate_existing=lock))


def find_by_phone(
    session: Session, phone: str, limit: int = 50
) -> tuple[list[Waybill], list[Ticket]]:
    """A caller's parcels (as sender or recipient) and tickets, by phone number."""
    waybills = list(
        session.scalars(
            select(Waybill)
            .where(or_(Waybill.recipient_phone == phone, Waybill.sender_phone == phone))
            .order_by(Waybill.created_at.desc())
            .limit(limit)
        )
    )
    tickets = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.contact_phone == phone)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )
    return waybills, tickets


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def facility_codes(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Facility.id, Facility.code).where(Facility.id.in_(wanted)))
    return {facility_id: code for facility_id, code in rows}
