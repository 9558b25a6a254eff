"""The products a shipper can buy and what each promises (one table, edited here)."""

from __future__ import annotations

from dataclasses import dataclass

from expressdesk.enums import Product


@dataclass(frozen=True)
class ProductInfo:
    product: Product
    name_zh: str
    name_en: str
    # The promise used for the estimated delivery; standard times as commonly cited from
    # GB/T 27917 (same-city ≤ 24 h, domestic ≤ 72 h), not verified here: configurable.
    promise_hours: int
    # Complete-delay limit (彻底延误) after which the parcel counts as lost, in calendar days.
    complete_delay_days: int


PRODUCTS: dict[Product, ProductInfo] = {
    p.product: p
    for p in (
        ProductInfo(Product.STANDARD, "标准快递", "Standard express", 72, 7),
        ProductInfo(Product.NEXT_MORNING, "次晨达", "Next morning", 36, 3),
        ProductInfo(Product.NEXT_DAY, "次日达", "Next day", 48, 3),
        ProductInfo(Product.SAME_DAY, "当天件", "Same day", 12, 3),
    )
}
