"""Use cases of the network feature: facilities, delivery areas, routes. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.enums import FacilityType, Role, TransportMode
from expressdesk.errors import Conflict, ValidationFailed
from expressdesk.models import DeliveryArea, Facility, LinehaulRoute, RouteSchedule, User
from expressdesk.network import repository
from expressdesk.network.rules import match_delivery_area, normal_transit_time, validate_schedule
from expressdesk.network.schemas import AreaCreate, AreaOut, FacilityCreate, RouteCreate
from expressdesk.waybills.addresses import ParsedAddress, parse_address

# Any Monday: the lane's normal time is measured over one typical week of departures.
_REFERENCE_WEEK = datetime(2024, 1, 1)  # noqa: DTZ001  (local network time, naive on purpose)


def _facility(
    session: Session, code: str, field: str, type_: FacilityType | None = None
) -> Facility:
    facility = repository.facility_by_code(session, code)
    if facility is None:
        raise ValidationFailed.on(field, "unknown_code", f"no facility '{code}'")
    if type_ is not None and facility.type is not type_:
        raise ValidationFailed.on(
            field, "facility_type", f"'{code}' is a {facility.type.value}, not a {type_.value}"
        )
    return facility


def _placed(address: str, field: str) -> ParsedAddress:
    parsed = parse_address(address)
    if not parsed.parsed:
        raise ValidationFailed.on(
            field, "address_unrecognised", "province, city and district must be recognisable"
        )
    return parsed


def create_facility(session: Session, data: FacilityCreate, now: datetime) -> Facility:
    if repository.facility_by_code(session, data.code) is not None:
        raise Conflict(f"code: facility '{data.code}' already exists")
    parent_id = None
    if data.parent_code:
        parent_id = _facility(session, data.parent_code, "parent_code", FacilityType.HUB).id
    place = _placed(data.address, "address")
    facility = Facility(
        code=data.code,
        name=data.name,
        type=data.type,
        province=place.province or "",
        city=place.city or "",
        district=place.district or "",
        address=data.address,
        phone=data.phone,
        parent_id=parent_id,
        is_active=True,
        created_at=now,
    )
    session.add(facility)
    session.flush()
    return facility


def create_area(session: Session, data: AreaCreate) -> DeliveryArea:
    if session.scalar(select(DeliveryArea.id).where(DeliveryArea.code == data.code)) is not None:
        raise Conflict(f"code: delivery area '{data.code}' already exists")
    outlet = _facility(session, data.outlet_code, "outlet_code", FacilityType.OUTLET)
    place = _placed(data.region, "region")
    couriers = []
    for username in data.courier_usernames:
        courier = session.scalar(select(User).where(User.username == username))
        if courier is None or courier.role is not Role.COURIER:
            raise ValidationFailed.on(
                "courier_usernames", "unknown_courier", f"'{username}' is not a courier"
            )
        couriers.append(courier)
    area = DeliveryArea(
        code=data.code,
        name=data.name,
        outlet_id=outlet.id,
        province=place.province or "",
        city=place.city or "",
        district=place.district or "",
        keywords=[k.strip() for k in data.keywords if k.strip()],
        is_remote=data.is_remote,
        is_active=True,
        couriers=couriers,
    )
    session.add(area)
    session.flush()
    return area


def area_out(area: DeliveryArea) -> AreaOut:
    return AreaOut(
        id=area.id,
        code=area.code,
        name=area.name,
        outlet_code=area.outlet.code,
        province=area.province,
        city=area.city,
        district=area.district,
        keywords=list(area.keywords or []),
        is_remote=area.is_remote,
        couriers=[c.username for c in area.couriers],
    )


def match_area(session: Session, address: str) -> tuple[ParsedAddress, DeliveryArea | None]:
    """Which delivery area serves an address (None: outside every area, 超区)."""
    parsed = parse_address(address)
    rules = repository.area_rules_for_districts(
        session, [parsed.district] if parsed.district else []
    )
    area_id = match_delivery_area(
        rules, parsed.province, parsed.city, parsed.district, parsed.detail
    )
    return parsed, session.get(DeliveryArea, area_id) if area_id is not None else None


def create_route(session: Session, data: RouteCreate) -> LinehaulRoute:
    if session.scalar(select(LinehaulRoute.id).where(LinehaulRoute.code == data.code)) is not None:
        raise Conflict(f"code: route '{data.code}' already exists")
    origin = _facility(session, data.origin_hub_code, "origin_hub_code", FacilityType.HUB)
    dest = _facility(session, data.dest_hub_code, "dest_hub_code", FacilityType.HUB)
    if origin.id == dest.id:
        raise ValidationFailed.on(
            "dest_hub_code", "different_hubs", "a route connects two different hubs"
        )
    route = LinehaulRoute(
        code=data.code, origin_hub_id=origin.id, dest_hub_id=dest.id, mode=data.mode
    )
    for i, s in enumerate(data.schedules):
        for message in validate_schedule(
            s.departure, s.arrival, s.arrival_day_offset, s.days_of_operation
        ):
            raise ValidationFailed.on(f"schedules[{i}]", "schedule", message)
        if data.mode is TransportMode.AIR and not (s.airline_code and s.flight_number):
            raise ValidationFailed.on(
                f"schedules[{i}].flight_number",
                "air_needs_flight",
                "an air schedule needs airline_code and flight_number",
            )
        route.schedules.append(
            RouteSchedule(
                departure=s.departure,
                arrival=s.arrival,
                arrival_day_offset=s.arrival_day_offset,
                days_of_operation=s.days_of_operation,
                airline_code=s.airline_code,
                flight_number=s.flight_number,
                aircraft_type=s.aircraft_type,
            )
        )
    session.add(route)
    session.flush()
    return route


def lane_transit(session: Session, origin_code: str, dest_code: str) -> timedelta | None:
    """The normal hub-to-hub time of a lane from the schedules (None: no connection)."""
    origin = _facility(session, origin_code, "origin", FacilityType.HUB)
    dest = _facility(session, dest_code, "destination", FacilityType.HUB)
    return normal_transit_time(
        repository.all_departures(session), origin.id, dest.id, _REFERENCE_WEEK
    )
