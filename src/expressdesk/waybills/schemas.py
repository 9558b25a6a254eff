"""Request and response bodies of the waybill feature (money in yuan on the wire, fen inside)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from expressdesk.enums import Product, ShipmentStatus
from expressdesk.waybills.phones import InvalidPhone, normalize_phone

Yuan = Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class PartyIn(BaseModel):
    """A sender or recipient as typed: name, phone, free-text address."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: Name
    phone: str = Field(min_length=1, max_length=30, description="mainland mobile or landline")
    address: str = Field(min_length=2, max_length=300)

    @field_validator("phone")
    @classmethod
    def _mainland_phone(cls, value: str) -> str:
        try:
            return normalize_phone(value)
        except InvalidPhone as exc:
            raise PydanticCustomError("phone_cn", "{reason}", {"reason": str(exc)}) from None


class WaybillCreate(BaseModel):
    """A new waybill. Weight in kg, sizes in cm, money in yuan."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    customer_code: str | None = Field(default=None, max_length=24)
    order_ref: str | None = Field(default=None, max_length=64)
    product: Product = Product.STANDARD
    sender: PartyIn
    recipient: PartyIn
    contents: str = Field(default="", max_length=200)
    weight_kg: Decimal = Field(gt=0, le=100, decimal_places=3)
    length_cm: int | None = Field(default=None, gt=0, le=300)
    width_cm: int | None = Field(default=None, gt=0, le=300)
    height_cm: int | None = Field(default=None, gt=0, le=300)
    declared_value: Yuan = Decimal(0)
    cod_amount: Yuan = Decimal(0)
    freight_collect: bool = False
    receipt_return: bool = False

    @model_validator(mode="after")
    def _dimensions_all_or_none(self) -> WaybillCreate:
        given = [d is not None for d in (self.length_cm, self.width_cm, self.height_cm)]
        if any(given) and not all(given):
            raise ValueError("length_cm, width_cm and height_cm must be given together")
        return self

    @property
    def dimensions(self) -> tuple[int, int, int] | None:
        if self.length_cm and self.width_cm and self.height_cm:
            return (self.length_cm, self.width_cm, self.height_cm)
        return None


class QuoteRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    customer_code: str | None = None
    product: Product = Product.STANDARD
    origin: str = Field(min_length=2, max_length=300, description="an address or region")
    destination: str = Field(min_length=2, max_length=300)
    weight_kg: Decimal = Field(gt=0, le=100, decimal_places=3)
    length_cm: int | None = Field(default=None, gt=0, le=300)
    width_cm: int | None = Field(default=None, gt=0, le=300)
    height_cm: int | None = Field(default=None, gt=0, le=300)
    declared_value: Yuan = Decimal(0)
    cod_amount: Yuan = Decimal(0)
    receipt_return: bool = False


class Money(BaseModel):
    fen: int
    yuan: str


def money(fen: int) -> Money:
    return Money(fen=fen, yuan=f"{fen / 100:.2f}")


class QuoteOut(BaseModel):
    rate_card: str
    zone: str
    product: Product
    volumetric_weight_kg: str
    chargeable_weight_kg: str
    freight: Money
    insurance_fee: Money
    cod_fee: Money
    receipt_fee: Money
    total: Money


class AddressOut(BaseModel):
    province: str | None
    city: str | None
    district: str | None
    address: str
    parsed: bool


class PartyOut(BaseModel):
    name: str
    phone: str
    address: AddressOut


class WaybillOut(BaseModel):
    number: str
    status: ShipmentStatus
    product: Product
    customer_code: str | None
    order_ref: str | None
    sender: PartyOut
    recipient: PartyOut
    contents: str
    weight_kg: str
    dimensions_cm: list[int] | None
    volumetric_weight_kg: str
    chargeable_weight_kg: str
    declared_value: Money
    cod_amount: Money
    freight_collect: bool
    receipt_return: bool
    freight: Money
    insurance_fee: Money
    cod_fee: Money
    receipt_fee: Money
    total: Money
    origin_facility: str | None
    dest_facility: str | None
    dest_area: str | None
    created_at: datetime
    version: int


class WaybillList(BaseModel):
    items: list[WaybillOut]
    total: int


class ImportResult(BaseModel):
    created: int
    numbers: list[str]


def kg(grams: int) -> str:
    return f"{grams / 1000:.3f}".rstrip("0").rstrip(".") if grams else "0"


def waybill_out(wb: Any) -> WaybillOut:
    """The API view of a waybill (``wb`` is a ``models.Waybill``)."""

    def party(prefix: str) -> PartyOut:
        return PartyOut(
            name=getattr(wb, f"{prefix}_name"),
            phone=getattr(wb, f"{prefix}_phone"),
            address=AddressOut(
                province=getattr(wb, f"{prefix}_province"),
                city=getattr(wb, f"{prefix}_city"),
                district=getattr(wb, f"{prefix}_district"),
                address=getattr(wb, f"{prefix}_address"),
                parsed=getattr(wb, f"{prefix}_address_parsed"),
            ),
        )

    dims = [wb.length_cm, wb.width_cm, wb.height_cm] if wb.length_cm else None
    return WaybillOut(
        number=wb.number,
        status=wb.status,
        product=wb.product,
        customer_code=wb.customer.code if wb.customer else None,
        order_ref=wb.order_ref,
        sender=party("sender"),
        recipient=party("recipient"),
        contents=wb.contents,
        weight_kg=kg(wb.weight_g),
        dimensions_cm=dims,
        volumetric_weight_kg=kg(wb.volumetric_weight_g),
        chargeable_weight_kg=kg(wb.chargeable_weight_g),
        declared_value=money(wb.declared_value_fen),
        cod_amount=money(wb.cod_amount_fen),
        freight_collect=wb.freight_collect,
        receipt_return=wb.receipt_return,
        freight=money(wb.freight_fen),
        insurance_fee=money(wb.insurance_fee_fen),
        cod_fee=money(wb.cod_fee_fen),
        receipt_fee=money(wb.receipt_fee_fen),
        total=money(wb.total_fen),
        origin_facility=wb.origin_facility.code if wb.origin_facility else None,
        dest_facility=wb.dest_facility.code if wb.dest_facility else None,
        dest_area=wb.dest_area.code if wb.dest_area else None,
        created_at=wb.created_at,
        version=wb.version,
    )
