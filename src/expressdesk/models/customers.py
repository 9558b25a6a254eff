"""Shipper customer accounts (寄件客户) and their contacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expressdesk.db import Base


class Customer(Base):
    """A shipper account: an e-commerce seller or a company that sends with us."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(200), default="")
    province: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(30), default="")
    district: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    home_outlet_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Key accounts (重点客户, the 80/20 rule) get tighter service-level targets.
    tier: Mapped[str] = mapped_column(String(12), default="regular", server_default="regular")
    # The contract's cap on uninsured claims, as a multiple of the fee (None: company policy).
    claim_cap_multiple: Mapped[str | None] = mapped_column(String(12))
    tier_at: Mapped[datetime | None]  # when the 80/20 rule last ran
    # A lost account (seed 001: follow up and analyse why customers stop).
    lost_at: Mapped[datetime | None]
    lost_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The staff member who looks after the account (客户经理) and receives its warnings.
    account_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True), index=True
    )
    created_at: Mapped[datetime]

    contacts: Mapped[list[CustomerContact]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )


class CustomerContact(Base):
    __tablename__ = "customer_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(50), default="")

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class SurveyResponse(Base):
    """One answer to a satisfaction survey, after a delivery or a resolved ticket. At most one
    per survey (the unique key), attributed to the courier, outlet and customer it is about."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # waybill, ticket
    subject_id: Mapped[int] = mapped_column(Integer)
    waybill_id: Mapped[int | None] = mapped_column(ForeignKey("waybills.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    courier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    csat: Mapped[int] = mapped_column(Integer)  # 1–5
    nps: Mapped[int] = mapped_column(Integer)  # 0–10
    comment: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    answered_at: Mapped[datetime] = mapped_column(index=True)
    follow_up_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class CustomerNote(Base):
    """A note on an account by the staff (a visit, a call, a promise made): part of its
    timeline, never edited, only added to."""

    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AddressBookEntry(Base):
    """A saved sender or recipient of a shipper account (地址簿), reused when creating waybills
    and booking pickups."""

    __tablename__ = "address_book"
    __table_args__ = (UniqueConstraint("customer_id", "label", name="uq_address_book_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # sender, recipient
    label: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
