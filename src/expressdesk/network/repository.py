"""All SQL of the network feature."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from expressdesk.enums import FacilityType
from expressdesk.models import DeliveryArea, Facility, LinehaulRoute
from expressdesk.network.rules import AreaRule, Departure


def facility_by_code(session: Session, code: str) -> Facility | None:
    return session.scalar(select(Facility).where(Facility.code == code))


def list_facilities(session: Session, type_: FacilityType | None = None) -> list[Facility]:
    query = select(Facility).order_by(Facility.code)
    if type_ is not None:
        query = query.where(Facility.type == type_)
    return list(session.scalars(query))


def list_areas(session: Session, outlet_id: int | None = None) -> list[DeliveryArea]:
    query = (
        select(DeliveryArea)
        .options(selectinload(DeliveryArea.couriers), selectinload(DeliveryArea.outlet))
        .order_by(DeliveryArea.code)
    )
    if outlet_id is not None:
        query = query.where(DeliveryArea.outlet_id == outlet_id)
    return list(session.scalars(query))


def area_rules_for_districts(session: Session, districts: Iterable[str]) -> list[AreaRule]:
    """The matching rules of every active area in the given districts (one query)."""
    wanted = sorted({d for d in districts if d})
    if not wanted:
        return []
    rows = session.execute(
        select(
            DeliveryArea.id,
            DeliveryArea.province,
            DeliveryArea.city,
            DeliveryArea.district,
            DeliveryArea.keywords,
        ).where(DeliveryArea.district.in_(wanted), DeliveryArea.is_active.is_(True))
    )
    return [AreaRule(r.id, r.province, r.city, r.district, tuple(r.keywords or ())) for r in rows]


def outlets_of_areas(session: Session, area_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(area_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(DeliveryArea.id, DeliveryArea.outlet_id).where(DeliveryArea.id.in_(ids))
    )
    return {r.id: r.outlet_id for r in rows}


def list_routes(session: Session) -> list[LinehaulRoute]:
    return list(
        session.scalars(
            select(LinehaulRoute)
            .options(
                selectinload(LinehaulRoute.schedules),
                selectinload(LinehaulRoute.origin_hub),
                selectinload(LinehaulRoute.dest_hub),
            )
            .order_by(LinehaulRoute.code)
        )
    )


def all_departures(session: Session) -> list[Departure]:
    return [
        Departure(
            route_id=route.id,
            origin_hub_id=route.origin_hub_id,
            dest_hub_id=route.dest_hub_id,
            departure=s.departure,
            arrival=s.arrival,
            arrival_day_offset=s.arrival_day_offset,
            days_of_operation=s.days_of_operation,
        )
        for route in list_routes(session)
        if route.is_active
        for s in route.schedules
    ]
