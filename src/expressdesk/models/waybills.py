"""Waybills (运单), their number sequence, and the rate cards that price them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expressdesk.db import Base
from expressdesk.enums import Product, ShipmentStatus, db_enum
from expressdesk.models.customers import Customer
from expressdesk.models.network import DeliveryArea, Facility


class NumberSequence(Base):
    """A named counter; waybill serials are taken from it in blocks with one UPDATE."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger)


class Waybill(Base):
    """One parcel's contract: who sends what to whom, how, and at what price (all money in fen)."""

    __tablename__ = "waybills"
    __table_args__ = (
        UniqueConstraint("customer_id", "order_ref", name="uq_waybills_customer_order_ref"),
        Index("ix_waybills_recipient_phone", "recipient_phone"),
        Index("ix_waybills_sender_phone", "sender_phone"),
        Index("ix_waybills_customer_created", "customer_id", "created_at"),
        # The stalled-parcel detector: parcels of a status whose last scan is old.
        Index("ix_waybills_status_last_event", "status", "last_event_at"),
        # The reports' daily rollup reads one pickup day at a time.
        Index("ix_waybills_picked_up_at", "picked_up_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    order_ref: Mapped[str | None] = mapped_column(String(64))  # the shipper's order number
    product: Mapped[Product] = mapped_column(db_enum(Product))
    status: Mapped[ShipmentStatus] = mapped_column(db_enum(ShipmentStatus), index=True)

    sender_name: Mapped[str] = mapped_column(String(100))
    sender_phone: Mapped[str] = mapped_column(String(20))
    sender_province: Mapped[str | None] = mapped_column(String(20))
    sender_city: Mapped[str | None] = mapped_column(String(30))
    sender_district: Mapped[str | None] = mapped_column(String(30))
    sender_address: Mapped[str] = mapped_column(String(300))  # as typed
    sender_address_parsed: Mapped[bool] = mapped_column(Boolean)

    recipient_name: Mapped[str] = mapped_column(String(100))
    recipient_phone: Mapped[str] = mapped_column(String(20))
    recipient_province: Mapped[str | None] = mapped_column(String(20))
    recipient_city: Mapped[str | None] = mapped_column(String(30))
    recipient_district: Mapped[str | None] = mapped_column(String(30))
    recipient_address: Mapped[str] = mapped_column(String(300))
    recipient_address_parsed: Mapped[bool] = mapped_column(Boolean)

    contents: Mapped[str] = mapped_column(String(200), default="")
    weight_g: Mapped[int] = mapped_column(Integer)
    length_cm: Mapped[int | None] = mapped_column(Integer)
    width_cm: Mapped[int | None] = mapped_column(Integer)
    height_cm: Mapped[int | None] = mapped_column(Integer)
    volumetric_weight_g: Mapped[int] = mapped_column(Integer, default=0)
    chargeable_weight_g: Mapped[int] = mapped_column(Integer)

    declared_value_fen: Mapped[int] = mapped_column(Integer, default=0)  # 保价
    cod_amount_fen: Mapped[int] = mapped_column(Integer, default=0)  # 代收货款
    freight_collect: Mapped[bool] = mapped_column(Boolean, default=False)  # 到付
    receipt_return: Mapped[bool] = mapped_column(Boolean, default=False)  # 签单返回

    freight_fen: Mapped[int] = mapped_column(Integer)
    insurance_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    cod_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    receipt_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(Integer)
    rate_card_id: Mapped[int | None] = mapped_column(ForeignKey("rate_cards.id"))

    origin_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    dest_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    dest_area_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_areas.id"))

    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Tracking state, folded from the scan events (tracking.rules); written by ingestion only.
    sub_status: Mapped[str | None] = mapped_column(String(40))
    status_reason: Mapped[str | None] = mapped_column(String(40))
    status_at: Mapped[datetime | None]
    current_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    last_event_key: Mapped[str | None] = mapped_column(String(160))
    last_event_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    anomaly_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    picked_up_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # The first arrival at the destination outlet (arrival punctuality, 到车及时率).
    dest_arrived_at: Mapped[datetime | None]
    promised_by: Mapped[datetime | None]
    estimated_delivery_at: Mapped[datetime | None] = mapped_column(index=True)

    # Optimistic locking: a concurrent edit raises StaleDataError (answered as 409).
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    customer: Mapped[Customer | None] = relationship()
    origin_facility: Mapped[Facility | None] = relationship(foreign_keys=[origin_facility_id])
    dest_facility: Mapped[Facility | None] = relationship(foreign_keys=[dest_facility_id])
    dest_area: Mapped[DeliveryArea | None] = relationship()
    current_facility: Mapped[Facility | None] = relationship(foreign_keys=[current_facility_id])


class ZoneRule(Base):
    """Which price zone a shipment from one province to another falls in (区域矩阵)."""

    __tablename__ = "zone_rules"
    __table_args__ = (
        UniqueConstraint("origin_province", "dest_province", name="uq_zone_rules_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_province: Mapped[str] = mapped_column(String(20))
    dest_province: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str] = mapped_column(String(8))


class RateCard(Base):
    """A price list: the company's list prices (no customer) or a customer's contract prices."""

    __tablename__ = "rate_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    volumetric_divisor: Mapped[int] = mapped_column(Integer, default=8000)  # cm³ per kg
    insurance_rate_permille: Mapped[int] = mapped_column(Integer, default=5)  # of declared value
    insurance_min_fen: Mapped[int] = mapped_column(Integer, default=100)
    cod_rate_permille: Mapped[int] = mapped_column(Integer, default=10)
    cod_min_fen: Mapped[int] = mapped_column(Integer, default=200)
    receipt_fee_fen: Mapped[int] = mapped_column(Integer, default=300)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    prices: Mapped[list[RateCardPrice]] = relationship(
        back_populates="rate_card", cascade="all, delete-orphan"
    )


class RateCardPrice(Base):
    """First weight plus each additional weight unit, for one product in one zone."""

    __tablename__ = "rate_card_prices"
    __table_args__ = (
        UniqueConstraint("rate_card_id", "product", "zone", name="uq_rate_card_prices_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_card_id: Mapped[int] = mapped_column(ForeignKey("rate_cards.id", ondelete="CASCADE"))
    product: Mapped[Product] = mapped_column(db_enum(Product))
    zone: Mapped[str] = mapped_column(String(8))
    first_weight_g: Mapped[int] = mapped_column(Integer, default=1000)
    first_price_fen: Mapped[int] = mapped_column(Integer)
    additional_unit_g: Mapped[int] = mapped_column(Integer, default=1000)
    additional_price_fen: Mapped[int] = mapped_column(Integer)

    rate_card: Mapped[RateCard] = relationship(back_populates="prices")
