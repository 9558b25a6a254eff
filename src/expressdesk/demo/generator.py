"""Demo data: a realistic network, staff, shippers, rate cards and waybills, from a seed.

The same seed gives the same network, people and waybills (timestamps follow the clock).
Waybills go through the same service as the API, so the demo exercises the real pricing,
address parsing and area matching.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.demo import data
from expressdesk.demo.desk import load_demo_desk
from expressdesk.demo.pickups import load_demo_pickups
from expressdesk.demo.problems import count_problems, load_demo_problems
from expressdesk.demo.scans import load_demo_scans
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
    Waybill,
    ZoneRule,
)
from expressdesk.staff.security import hash_password
from expressdesk.waybills.pricing import REMOTE_PROVINCES
from expressdesk.waybills.schemas import PartyIn, WaybillCreate
from expressdesk.waybills.service import build_waybills

DEMO_PASSWORD = "demo1234"  # noqa: S105  (printed by `make run`; demo loading is refused in production)
WAYBILL_BATCH = 500

# (product, zone) → (first price, additional price per kg), yuan.
LIST_PRICES: dict[Product, dict[str, tuple[int, int]]] = {
    Product.STANDARD: {"1": (8, 2), "2": (10, 4), "3": (12, 6), "4": (20, 12)},
    Product.NEXT_DAY: {"1": (12, 3), "2": (14, 5), "3": (18, 8)},
    Product.NEXT_MORNING: {"1": (16, 4), "2": (20, 7), "3": (26, 10)},
    Product.SAME_DAY: {"1": (15, 3)},
}


@dataclass
class DemoSummary:
    hubs: int = 0
    outlets: int = 0
    areas: int = 0
    routes: int = 0
    users: int = 0
    customers: int = 0
    waybills: int = 0
    scans: int = 0
    problems: int = 0
    tickets: int = 0


def database_is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Facility)) or 0) == 0


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> str:
        given_len = self.rng.choice((1, 2, 2))
        return self.rng.choice(data.SURNAMES) + "".join(
            self.rng.choice(data.GIVEN) for _ in range(given_len)
        )

    def mobile(self) -> str:
        return self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def street(self) -> str:
        return self.rng.choice(data.STREET_WORDS) + self.rng.choice(data.STREET_SUFFIX)

    def address(self, province: str, city: str, district: str, street: str | None = None) -> str:
        city_part = "" if city == province else city
        community = self.rng.choice(data.STREET_WORDS) + self.rng.choice(data.COMMUNITIES)
        number = self.rng.randrange(1, 500)
        building, floor, flat = (
            self.rng.randrange(1, 30),
            self.rng.randrange(1, 30),
            self.rng.randrange(1, 6),
        )
        street = street or self.street()
        place = f"{province}{city_part}{district}{street}{number}号"
        return f"{place}{community}{building}栋{floor}0{flat}室"


def load_demo(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    seed: int = 7,
    waybills: int = 3000,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo network, people and ``waybills`` waybills."""
    if settings.environment == "production":
        raise RuntimeError("demo data is never loaded in production")
    if not database_is_empty(session):
        raise RuntimeError(
            "the database already has data; demo data goes into an empty database only"
        )
    rng = random.Random(seed)
    names = _Names(rng)
    summary = DemoSummary()
    password_hash = hash_password(DEMO_PASSWORD)

    def user(username: str, display: str, role: Role, **extra: object) -> User:
        account = User(
            username=username,
            display_name=display,
            role=role,
            password_hash=password_hash,
            phone=names.mobile(),
            is_active=True,
            created_at=now,
            **extra,
        )
        session.add(account)
        summary.users += 1
        return account

    user("admin", "系统管理员", Role.ADMIN, locale="zh_CN")
    user("supervisor", names.person(), Role.SUPERVISOR)
    for i in range(1, 5):
        user(f"agent{i}", names.person(), Role.AGENT, locale="en" if i == 4 else "zh_CN")

    hubs: dict[str, Facility] = {}
    outlets: list[Facility] = []
    area_streets: dict[int, list[str]] = {}
    courier_no = 0
    for code, province, city, hub_district, districts, _group in data.HUBS:
        hub = Facility(
            code=f"H{code}",
            name=f"{city.removesuffix('市')}转运中心",
            type=FacilityType.HUB,
            province=province,
            city=city,
            district=hub_district,
            address=names.address(province, city, hub_district),
            phone=names.mobile(),
            created_at=now,
        )
        session.add(hub)
        hubs[code] = hub
        summary.hubs += 1
        session.flush()
        for n, district in enumerate(districts, start=1):
            outlet = Facility(
                code=f"{code}{n:02d}",
                name=f"{city.removesuffix('市')}{district}网点",
                type=FacilityType.OUTLET,
                province=province,
                city=city,
                district=district,
                address=names.address(province, city, district),
                phone=names.mobile(),
                parent_id=hub.id,
                created_at=now,
            )
            session.add(outlet)
            outlets.append(outlet)
            summary.outlets += 1
            session.flush()
            user(
                f"ops.{outlet.code.lower()}", names.person(), Role.OPERATIONS, facility_id=outlet.id
            )
            session.add(
                Facility(
                    code=f"{outlet.code}S",
                    name=f"{district}{rng.choice(data.STREET_WORDS)}驿站",
                    type=FacilityType.STATION,
                    province=province,
                    city=city,
                    district=district,
                    address=names.address(province, city, district),
                    parent_id=hub.id,
                    created_at=now,
                )
            )
            streets = rng.sample(data.STREET_WORDS, 4)
            plans = [
                ([streets[0] + "路", streets[1] + "街"], False),
                ([streets[2] + "大道"], rng.random() < 0.3),
                ([], False),  # the rest of the district
            ]
            for a, (keywords, remote) in enumerate(plans, start=1):
                courier_no += 1
                courier = user(
                    f"courier{courier_no:03d}", names.person(), Role.COURIER, facility_id=outlet.id
                )
                area = DeliveryArea(
                    code=f"{outlet.code}-{a:02d}",
                    name=("、".join(keywords) if keywords else f"{district}其他") + "片区",
                    outlet_id=outlet.id,
                    province=province,
                    city=city,
                    district=district,
                    keywords=keywords,
                    is_remote=remote,
                    couriers=[courier],
                )
                session.add(area)
                session.flush()
                area_streets[area.id] = keywords or [names.street()]
                summary.areas += 1

    _routes(session, hubs, rng, summary)
    _zones(session)
    list_card = _rate_cards(session, now)
    customers = _customers(session, outlets, names, rng, now, summary, user)
    session.flush()
    _ = list_card
    summary.waybills = _waybills(
        session, settings, now, rng, names, customers, outlets, waybills, progress
    )
    load_demo_pickups(session, now, rng, ZoneInfo(settings.timezone))
    summary.scans = load_demo_scans(session, settings, now, rng)
    load_demo_problems(session, settings, now, rng)
    summary.problems = count_problems(session)
    summary.tickets = load_demo_desk(session, settings, now, rng)
    return summary


def _routes(
    session: Session, hubs: dict[str, Facility], rng: random.Random, summary: DemoSummary
) -> None:
    codes = list(hubs)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            for origin, dest in ((a, b), (b, a)):
                departure = time(rng.choice((19, 20, 21, 22)), rng.choice((0, 30)))
                hours = rng.randint(8, 30)
                leaves = datetime(2024, 1, 1, departure.hour, departure.minute)  # noqa: DTZ001
                arrival_dt = leaves + timedelta(hours=hours)
                route = LinehaulRoute(
                    code=f"T-{origin}-{dest}",
                    origin_hub_id=hubs[origin].id,
                    dest_hub_id=hubs[dest].id,
                    mode=TransportMode.TRUCK,
                )
                route.schedules.append(
                    RouteSchedule(
                        departure=departure,
                        arrival=arrival_dt.time(),
                        arrival_day_offset=(arrival_dt.date() - datetime(2024, 1, 1).date()).days,  # noqa: DTZ001
                        days_of_operation="1234567",
                    )
                )
                session.add(route)
                summary.routes += 1
    for airline, flight, aircraft, origin, dest, dep, arr in data.FLIGHTS:
        dep_t, arr_t = time.fromisoformat(dep), time.fromisoformat(arr)
        route = LinehaulRoute(
            code=f"A-{flight}",
            origin_hub_id=hubs[origin].id,
            dest_hub_id=hubs[dest].id,
            mode=TransportMode.AIR,
        )
        route.schedules.append(
            RouteSchedule(
                departure=dep_t,
                arrival=arr_t,
                arrival_day_offset=1 if arr_t < dep_t else 0,
                days_of_operation="123456",
                airline_code=airline,
                flight_number=flight,
                aircraft_type=aircraft,
            )
        )
        session.add(route)
        summary.routes += 1


def _zones(session: Session) -> None:
    groups = {province: group for _c, province, _city, _d, _o, group in data.HUBS}
    for origin, g1 in groups.items():
        for dest, g2 in groups.items():
            if origin == dest:
                zone = "1"
            elif dest in REMOTE_PROVINCES:
                zone = "4"
            elif (g1, g2) in data.NEAR_GROUPS or (g2, g1) in data.NEAR_GROUPS:
                zone = "2"
            else:
                zone = "3"
            session.add(ZoneRule(origin_province=origin, dest_province=dest, zone=zone))


def _rate_cards(session: Session, now: datetime) -> RateCard:
    card = RateCard(code="LIST-2026", name="2026 标准价目表", created_at=now)
    for product, zones in LIST_PRICES.items():
        for zone, (first, extra) in zones.items():
            card.prices.append(
                RateCardPrice(
                    product=product,
                    zone=zone,
                    first_weight_g=1000,
                    first_price_fen=first * 100,
                    additional_unit_g=1000,
                    additional_price_fen=extra * 100,
                )
            )
    session.add(card)
    return card


def _customers(
    session: Session,
    outlets: list[Facility],
    names: _Names,
    rng: random.Random,
    now: datetime,
    summary: DemoSummary,
    user: Callable[..., User],
) -> list[Customer]:
    customers = []
    for i in range(12):
        outlet = rng.choice(outlets)
        name = rng.choice(data.SHOP_PREFIX) + names.person()[:1] + rng.choice(data.SHOP_SUFFIX)
        customer = Customer(
            code=f"C{1001 + i}",
            name=name,
            contact_name=names.person(),
            phone=names.mobile(),
            email=f"shop{1001 + i}@example.com",
            province=outlet.province,
            city=outlet.city,
            district=outlet.district,
            address=names.address(outlet.province, outlet.city, outlet.district),
            home_outlet_id=outlet.id,
            created_at=now - timedelta(days=rng.randint(100, 900)),
        )
        session.add(customer)
        session.flush()
        customers.append(customer)
        summary.customers += 1
        user(f"shipper{1001 + i}", customer.contact_name, Role.SHIPPER, customer_id=customer.id)
        if i < 2:  # the two biggest accounts have contract prices (−15 %)
            card = RateCard(
                code=f"CT-{customer.code}",
                name=f"{name} 合同价",
                customer_id=customer.id,
                created_at=now,
            )
            for product, zones in LIST_PRICES.items():
                for zone, (first, extra) in zones.items():
                    card.prices.append(
                        RateCardPrice(
                            product=product,
                            zone=zone,
                            first_price_fen=first * 85,
                            additional_price_fen=extra * 85,
                        )
                    )
            session.add(card)
    return customers


def _waybills(
    session: Session,
    settings: Settings,
    now: datetime,
    rng: random.Random,
    names: _Names,
    customers: list[Customer],
    outlets: list[Facility],
    count: int,
    progress: Callable[[int], None] | None,
) -> int:
    creator = session.scalar(select(User).where(User.username == "admin"))
    assert creator is not None
    areas = list(session.scalars(select(DeliveryArea)))
    # 80/20: a few accounts send most parcels.
    weights = [40, 25, 10, 6, 5, 4, 3, 2, 2, 1, 1, 1]
    made = 0
    while made < count:
        batch = min(WAYBILL_BATCH, count - made)
        drafts: list[WaybillCreate] = []
        for _ in range(batch):
            customer = rng.choices(customers, weights=weights)[0]
            roll = rng.random()
            if roll < 0.01:
                dest_address = rng.choice(data.BAD_ADDRESSES)
            elif roll < 0.05:
                dest_address = rng.choice(data.FAR_ADDRESSES)
            else:
                area = rng.choice(areas)
                street = rng.choice(area.keywords) if area.keywords else names.street()
                dest_address = names.address(area.province, area.city, area.district, street)
            same_city = "city" if rng.random() < 0.2 else None
            product = rng.choices(
                [Product.STANDARD, Product.NEXT_DAY, Product.NEXT_MORNING], weights=[80, 15, 5]
            )[0]
            if roll < 0.05:
                product = Product.STANDARD  # express products are not sold to remote zones
            elif same_city:
                product = rng.choice([Product.STANDARD, Product.SAME_DAY])
                outlet_areas = [a for a in areas if a.city == customer.city]
                area = rng.choice(outlet_areas)
                dest_address = names.address(area.province, area.city, area.district)
            sized = rng.random() < 0.3
            drafts.append(
                WaybillCreate(
                    customer_code=customer.code,
                    order_ref=f"{customer.code}-{made + len(drafts) + 1:07d}",
                    product=product,
                    sender=PartyIn(
                        name=customer.contact_name, phone=customer.phone, address=customer.address
                    ),
                    recipient=PartyIn(
                        name=names.person(), phone=names.mobile(), address=dest_address
                    ),
                    contents=rng.choice(data.CONTENTS),
                    weight_kg=Decimal(
                        rng.choice((200, 350, 500, 800, 1200, 1800, 2500, 4000, 7500))
                    )
                    / 1000,
                    length_cm=rng.randint(20, 60) if sized else None,
                    width_cm=rng.randint(15, 40) if sized else None,
                    height_cm=rng.randint(5, 40) if sized else None,
                    declared_value=Decimal(rng.choice((0, 0, 0, 200, 500, 2000))),
                    cod_amount=Decimal(rng.choice((0,) * 9 + (199,))),
                    freight_collect=rng.random() < 0.05,
                    receipt_return=rng.random() < 0.03,
                )
            )
        problems, created = build_waybills(session, drafts, creator, now, settings)
        if problems:
            raise RuntimeError(f"demo waybills were refused: {problems[:3]}")
        for wb in created:
            wb.created_at = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        session.flush()
        made += len(created)
        if progress:
            progress(len(created))
    return int(session.scalar(select(func.count()).select_from(Waybill)) or 0)
