"""Pricing rules (计费): chargeable weight and the price of a waybill. Pure; no I/O.

All money is in fen (分) and all weights in grams, so every figure is an exact integer.
"""

from __future__ import annotations

from dataclasses import dataclass

from expressdesk.enums import Product


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def volumetric_weight_g(length_cm: int, width_cm: int, height_cm: int, divisor: int) -> int:
    """Volumetric weight (体积重量) = L×W×H / divisor kg, in grams, rounded up."""
    return ceil_div(length_cm * width_cm * height_cm * 1000, divisor)


def chargeable_weight_g(actual_g: int, volumetric_g: int) -> int:
    """The heavier of the actual and the volumetric weight."""
    return max(actual_g, volumetric_g)


@dataclass(frozen=True)
class ZonePrice:
    """First weight plus each additional unit (or part of one) for one product and zone."""

    first_weight_g: int
    first_price_fen: int
    additional_unit_g: int
    additional_price_fen: int


@dataclass(frozen=True)
class Surcharges:
    insurance_rate_permille: int
    insurance_min_fen: int
    cod_rate_permille: int
    cod_min_fen: int
    receipt_fee_fen: int


@dataclass(frozen=True)
class Quote:
    zone: str
    product: Product
    volumetric_weight_g: int
    chargeable_weight_g: int
    freight_fen: int
    insurance_fee_fen: int
    cod_fee_fen: int
    receipt_fee_fen: int

    @property
    def total_fen(self) -> int:
        return self.freight_fen + self.insurance_fee_fen + self.cod_fee_fen + self.receipt_fee_fen


def freight_fen(weight_g: int, price: ZonePrice) -> int:
    """First price covers the first weight; each started additional unit costs one more step."""
    if weight_g <= price.first_weight_g:
        return price.first_price_fen
    extra_units = ceil_div(weight_g - price.first_weight_g, price.additional_unit_g)
    return price.first_price_fen + extra_units * price.additional_price_fen


def rate_fee_fen(amount_fen: int, permille: int, minimum_fen: int) -> int:
    """A fee proportional to an amount with a minimum; nothing when the amount is zero."""
    if amount_fen <= 0:
        return 0
    return max(minimum_fen, ceil_div(amount_fen * permille, 1000))


def quote(
    *,
    product: Product,
    zone: str,
    price: ZonePrice,
    surcharges: Surcharges,
    weight_g: int,
    dimensions_cm: tuple[int, int, int] | None,
    volumetric_divisor: int,
    declared_value_fen: int = 0,
    cod_amount_fen: int = 0,
    receipt_return: bool = False,
) -> Quote:
    """The full price of one waybill under one rate card."""
    volumetric = volumetric_weight_g(*dimensions_cm, volumetric_divisor) if dimensions_cm else 0
    chargeable = chargeable_weight_g(weight_g, volumetric)
    return Quote(
        zone=zone,
        product=product,
        volumetric_weight_g=volumetric,
        chargeable_weight_g=chargeable,
        freight_fen=freight_fen(chargeable, price),
        insurance_fee_fen=rate_fee_fen(
            declared_value_fen, surcharges.insurance_rate_permille, surcharges.insurance_min_fen
        ),
        cod_fee_fen=rate_fee_fen(
            cod_amount_fen, surcharges.cod_rate_permille, surcharges.cod_min_fen
        ),
        receipt_fee_fen=surcharges.receipt_fee_fen if receipt_return else 0,
    )


def default_zone(origin_province: str, dest_province: str) -> str:
    """Zone when the zone matrix has no entry: same province 1, remote regions 4, else 3."""
    if origin_province == dest_province:
        return "1"
    if dest_province in REMOTE_PROVINCES or origin_province in REMOTE_PROVINCES:
        return "4"
    return "3"


REMOTE_PROVINCES = frozenset({"新疆维吾尔自治区", "西藏自治区", "青海省", "内蒙古自治区"})
