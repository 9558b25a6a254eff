"""Closed vocabularies shared by several features, with their zh-CN and English names."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SAEnum


class Role(StrEnum):
    """Who a user is in the company (or, for ``SHIPPER``, in a customer account)."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"  # 客服
    COURIER = "courier"  # 业务员 / 快递员
    OPERATIONS = "operations"  # 后勤
    SHIPPER = "shipper"  # 寄件客户的用户


STAFF_ROLES = frozenset(r for r in Role if r is not Role.SHIPPER)


class FacilityType(StrEnum):
    HUB = "hub"  # 分拨中心
    OUTLET = "outlet"  # 网点
    STATION = "station"  # 驿站
    LOCKER = "locker"  # 快递柜


class TransportMode(StrEnum):
    TRUCK = "truck"
    AIR = "air"
    RAIL = "rail"


def db_enum(enum_cls: type[StrEnum]) -> SAEnum:
    """A portable column type storing the enum's value as text (no native PostgreSQL enum)."""
    values: Any = lambda e: [m.value for m in e]  # noqa: E731
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        validate_strings=True,
        values_callable=values,
        length=24,
    )


class Product(StrEnum):
    """The service a shipper buys; its promise lives in ``waybills.products.PRODUCTS``."""

    STANDARD = "standard"  # 标准快递
    NEXT_MORNING = "next_morning"  # 次晨达
    NEXT_DAY = "next_day"  # 次日达
    SAME_DAY = "same_day"  # 当天件


class ShipmentStatus(StrEnum):
    """The one public status a customer sees (DOMAIN.md, 'Statuses')."""

    CREATED = "CREATED"
    PICKED_UP = "PICKED_UP"
    IN_TRANSIT = "IN_TRANSIT"
    CUSTOMS = "CUSTOMS"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    AT_PICKUP_POINT = "AT_PICKUP_POINT"
    ATTEMPT_FAILED = "ATTEMPT_FAILED"
    DELIVERED = "DELIVERED"
    EXCEPTION = "EXCEPTION"
    RETURNING = "RETURNING"
    RETURNED = "RETURNED"
    LOST = "LOST"
    CANCELLED = "CANCELLED"


# English labels (the msgids of the message catalogs; zh-CN in i18n/locales).
STATUS_LABELS: dict[ShipmentStatus, str] = {
    ShipmentStatus.CREATED: "Order created",
    ShipmentStatus.PICKED_UP: "Picked up",
    ShipmentStatus.IN_TRANSIT: "In transit",
    ShipmentStatus.CUSTOMS: "In customs",
    ShipmentStatus.OUT_FOR_DELIVERY: "Out for delivery",
    ShipmentStatus.AT_PICKUP_POINT: "Waiting at pickup point",
    ShipmentStatus.ATTEMPT_FAILED: "Delivery attempt failed",
    ShipmentStatus.DELIVERED: "Delivered",
    ShipmentStatus.EXCEPTION: "Exception",
    ShipmentStatus.RETURNING: "Returning to sender",
    ShipmentStatus.RETURNED: "Returned to sender",
    ShipmentStatus.LOST: "Lost",
    ShipmentStatus.CANCELLED: "Cancelled",
}
