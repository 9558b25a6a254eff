"""A small, readable network for integration tests: two cities, a few areas, every role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import FacilityType, Product, Role, TransportMode
from expressdesk.models import (
    Customer,
    DeliveryArea,
    Facility,
    LinehaulRoute,
    RateCard,
    RateCardPrice,
    RouteSchedule,
    User,
    ZoneRule,
)
from expressdesk.staff.security import hash_password
from expressdesk.staff.service import create_api_token

PASSWORD = "test-pass-1"


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    facilities: dict[str, Facility] = field(default_factory=dict)
    areas: dict[str, DeliveryArea] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def build_world(session: Session, now: datetime) -> World:
    world = World()

    def facility(
        code: str,
        type_: FacilityType,
        province: str,
        city: str,
        district: str,
        parent: Facility | None = None,
    ) -> Facility:
        f = Facility(
            code=code,
            name=f"{city}{district}{type_.value}",
            type=type_,
            province=province,
            city=city,
            district=district,
            address=f"{province}{district}1号",
            parent_id=parent.id if parent else None,
            created_at=now,
        )
        session.add(f)
        session.flush()
        world.facilities[code] = f
        return f

    hz = facility("HHZ", FacilityType.HUB, "浙江省", "杭州市", "萧山区")
    bj = facility("HBJ", FacilityType.HUB, "北京市", "北京市", "大兴区")
    hz1 = facility("HZ01", FacilityType.OUTLET, "浙江省", "杭州市", "西湖区", hz)
    bj1 = facility("BJ01", FacilityType.OUTLET, "北京市", "北京市", "朝阳区", bj)
    facility("BJ01S", FacilityType.STATION, "北京市", "北京市", "朝阳区", bj)
    # A second Beijing outlet: a parcel for 朝阳区 arriving here is missorted (错分).
    bj2 = facility("BJ02", FacilityType.OUTLET, "北京市", "北京市", "海淀区", bj)

    def user(username: str, role: Role, **extra: object) -> User:
        u = User(
            username=username,
            display_name=username.title(),
            role=role,
            password_hash=_password_hash(),
            is_active=True,
            created_at=now,
            **extra,
        )
        session.add(u)
        session.flush()
        world.users[username] = u
        world.tokens[username] = create_api_token(session, u, "test", now)[1]
        return u

    user("admin", Role.ADMIN)
    user("super", Role.SUPERVISOR)
    user("agent", Role.AGENT)
    user("agent2", Role.AGENT)
    courier = user("courier", Role.COURIER, facility_id=bj1.id)
    user("ops", Role.OPERATIONS, facility_id=bj1.id)

    for code, outlet, district, keywords in (
        ("BJ01-01", bj1, "朝阳区", ["建国路", "光华路"]),
        ("BJ01-02", bj1, "朝阳区", []),
        ("HZ01-01", hz1, "西湖区", ["文三路"]),
        ("HZ01-02", hz1, "西湖区", []),
        ("BJ02-01", bj2, "海淀区", []),
    ):
        area = DeliveryArea(
            code=code,
            name=code,
            outlet_id=outlet.id,
            province=outlet.province,
            city=outlet.city,
            district=district,
            keywords=keywords,
            couriers=[courier] if code.startswith("BJ") else [],
        )
        session.add(area)
        session.flush()
        world.areas[code] = area

    route = LinehaulRoute(
        code="T-HZ-BJ", origin_hub_id=hz.id, dest_hub_id=bj.id, mode=TransportMode.TRUCK
    )
    route.schedules.append(
        RouteSchedule(departure=time(21, 0), arrival=time(9, 0), arrival_day_offset=1)
    )
    session.add(route)

    session.add_all(
        [
            ZoneRule(origin_province="浙江省", dest_province="北京市", zone="3"),
            ZoneRule(origin_province="浙江省", dest_province="浙江省", zone="1"),
        ]
    )
    card = RateCard(code="LIST", name="list", created_at=now)
    for product, zone, first, extra in (
        (Product.STANDARD, "1", 800, 200),
        (Product.STANDARD, "3", 1200, 600),
        (Product.STANDARD, "4", 2000, 1200),
        (Product.NEXT_DAY, "3", 1800, 800),
        (Product.SAME_DAY, "1", 1500, 300),
    ):
        card.prices.append(
            RateCardPrice(
                product=product, zone=zone, first_price_fen=first, additional_price_fen=extra
            )
        )
    session.add(card)

    for code, outlet in (("C1", hz1), ("C2", bj1)):
        customer = Customer(
            code=code,
            name=f"Shop {code}",
            contact_name="王芳",
            phone="13800000000",
            province=outlet.province,
            city=outlet.city,
            district=outlet.district,
            address=f"{outlet.province}{outlet.city}{outlet.district}文三路1号",
            home_outlet_id=outlet.id,
            created_at=now,
        )
        session.add(customer)
        session.flush()
        world.customers[code] = customer
        user(f"shipper_{code.lower()}", Role.SHIPPER, customer_id=customer.id)
    contract = RateCard(
        code="CT-C1", name="C1 contract", customer_id=world.customers["C1"].id, created_at=now
    )
    contract.prices.append(
        RateCardPrice(
            product=Product.STANDARD, zone="3", first_price_fen=1000, additional_price_fen=500
        )
    )
    session.add(contract)
    session.flush()
    return world


def waybill_payload(**overrides: object) -> dict[str, object]:
    """A valid waybill request from Hangzhou to Beijing; override any field."""
    payload: dict[str, object] = {
        "sender": {
            "name": "王芳",
            "phone": "13800000000",
            "address": "浙江省杭州市西湖区文三路1号",
        },
        "recipient": {
            "name": "李雷",
            "phone": "13912345678",
            "address": "北京市朝阳区建国路88号SOHO现代城",
        },
        "weight_kg": "1.2",
        "contents": "图书",
    }
    payload.update(overrides)
    return payload


def create_waybills(
    session: Session, actor: User, count: int, now: datetime, settings: Settings
) -> list[str]:
    """``count`` waybills made through the service, as ``actor``; their numbers (flushed only)."""
    from expressdesk.waybills.schemas import WaybillCreate
    from expressdesk.waybills.service import create_waybill

    return [
        create_waybill(
            session, WaybillCreate.model_validate(waybill_payload()), actor, now, settings
        ).waybill.number
        for _ in range(count)
    ]
