"""The service desk: tickets and their trail, call-backs, lost-parcel searches, claims, and the
desk's rule table and holiday calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expressdesk.db import Base
from expressdesk.desk.compensation import ClaimKind
from expressdesk.desk.rules import (
    Channel,
    ComplaintCategory,
    Priority,
    TicketStatus,
    TicketType,
    Tier,
)
from expressdesk.enums import db_enum


class DeskRuleValue(Base):
    """An admin's override of one row of ``desk.rules.DESK_RULES``."""

    __tablename__ = "desk_rules"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime]


class DeskDay(Base):
    """A day that breaks the weekly pattern: a holiday (off) or a make-up working day (work)."""

    __tablename__ = "desk_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # off, work
    name: Mapped[str] = mapped_column(String(60), default="")


class Ticket(Base):
    """One customer case (工单) with exactly one owner at a time and its clocks."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_owner_status", "owner_id", "status"),
        Index("ix_tickets_status_due", "status", "due_at"),
        Index("ix_tickets_contact_phone", "contact_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[TicketType] = mapped_column(db_enum(TicketType))
    status: Mapped[TicketStatus] = mapped_column(db_enum(TicketStatus))
    channel: Mapped[Channel] = mapped_column(db_enum(Channel))
    priority: Mapped[Priority] = mapped_column(db_enum(Priority))
    tier: Mapped[Tier] = mapped_column(db_enum(Tier))
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[ComplaintCategory | None] = mapped_column(db_enum(ComplaintCategory))
    responsible_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    awaiting_reply_since: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # [[start, end or null], …] as ISO strings: waiting on the customer; resolved-then-reopened.
    pauses: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    done_periods: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    calls: Mapped[int] = mapped_column(Integer, default=1)  # repeat calls merged into this one
    last_call_at: Mapped[datetime | None]
    # Kept up to date on every change, for the console's order and the worker's sweep.
    due_at: Mapped[datetime | None]
    # The next moment the worker's sweep must look: a warning or a breach not yet recorded.
    check_at: Mapped[datetime | None] = mapped_column(index=True)
    sla_state: Mapped[str] = mapped_column(String(12), default="running")
    breached: Mapped[list[str]] = mapped_column(JSON, default=list)  # metrics escalated already
    warned: Mapped[list[str]] = mapped_column(JSON, default=list)
    escalated_at: Mapped[datetime | None]
    mail_key: Mapped[str] = mapped_column(String(40), unique=True)  # threads e-mail replies
    changed_at: Mapped[datetime] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    entries: Mapped[list[TicketEntry]] = relationship(
        back_populates="ticket", order_by="TicketEntry.id"
    )
    waybill_links: Mapped[list[TicketWaybill]] = relationship(
        cascade="all, delete-orphan", order_by="TicketWaybill.waybill_id"
    )


class TicketWaybill(Base):
    __tablename__ = "ticket_waybills"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    waybill_id: Mapped[int] = mapped_column(ForeignKey("waybills.id"), primary_key=True, index=True)


class TicketEntry(Base):
    """One line of a ticket's trail: a reply, a note, a customer message, or a change (audit)."""

    __tablename__ = "ticket_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: customer/system
    author: Mapped[str] = mapped_column(String(200), default="")  # the customer's name or address
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="entries")


class TicketAttachment(Base):
    """A file attached to a ticket (evidence for a claim, a photo, a scanned document)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_entries.id"))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class Callback(Base):
    """A promised call back to a customer (回访 / 回电), due at a time, counted as an SLA event."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_owner_open", "owner_id", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    phone: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(Text, default="")
    late_at: Mapped[datetime | None]  # when the sweep found it overdue (recorded once)


class Search(Base):
    """A lost-parcel search (找件): one owner at one unit, a deadline, walking back the chain."""

    __tablename__ = "searches"
    __table_args__ = (Index("ix_searches_status_deadline", "status", "deadline_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    waybill_id: Mapped[int] = mapped_column(ForeignKey("waybills.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, found, lost
    # The units of the custody chain, newest first; ``step`` indexes the one searching now.
    chain: Mapped[list[int]] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(Integer, default=0)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    at_supervisor: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    steps: Mapped[list[SearchStep]] = relationship(order_by="SearchStep.id")


class SearchStep(Base):
    """What one unit did in a search: where it looked and what came of it."""

    __tablename__ = "search_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    outcome: Mapped[str] = mapped_column(String(16))  # assigned, found, not_found, expired, lost
    looked: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class Claim(Base):
    """A claim (理赔) for loss, damage, missing contents or delay, decided by the policy."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    waybill_id: Mapped[int] = mapped_column(ForeignKey("waybills.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[ClaimKind] = mapped_column(db_enum(ClaimKind))
    # submitted → pending_approval → approved / rejected → paid
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    goods_value_fen: Mapped[int] = mapped_column(Integer, default=0)
    damage_share_permille: Mapped[int] = mapped_column(Integer, default=1000)
    declared_value_fen: Mapped[int] = mapped_column(Integer, default=0)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    insurance_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    cap_multiple: Mapped[str] = mapped_column(String(12), default="3")
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)  # what the policy gives
    basis: Mapped[str] = mapped_column(Text, default="")
    payable_fen: Mapped[int | None] = mapped_column(Integer)  # as approved
    responsible_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    bearer: Mapped[str] = mapped_column(String(12), default="company")  # company, outlet
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    changed_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
