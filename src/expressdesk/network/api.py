"""JSON API of the network feature: facilities, delivery areas, routes and lanes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from expressdesk.enums import FacilityType
from expressdesk.network import repository, service
from expressdesk.network.schemas import (
    AreaCreate,
    AreaMatchOut,
    AreaMatchRequest,
    AreaOut,
    FacilityCreate,
    FacilityOut,
    LaneOut,
    RouteCreate,
    RouteOut,
    ScheduleOut,
)
from expressdesk.web.deps import AdminUser, ClockDep, SessionDep, StaffUser
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/network", tags=["network"])


@router.get("/facilities", response_model=list[FacilityOut])
def list_facilities(
    user: StaffUser, session: SessionDep, type: Annotated[FacilityType | None, Query()] = None
) -> list[FacilityOut]:
    """Facilities (outlets, hubs, stations, lockers), by code."""
    return [FacilityOut.model_validate(f) for f in repository.list_facilities(session, type)]


@router.post("/facilities", response_model=FacilityOut, status_code=status.HTTP_201_CREATED)
def create_facility(
    data: FacilityCreate, user: AdminUser, session: SessionDep, clock: ClockDep
) -> FacilityOut:
    """Add a facility."""
    return FacilityOut.model_validate(service.create_facility(session, data, clock.now()))


@router.get("/areas", response_model=list[AreaOut])
def list_areas(user: StaffUser, session: SessionDep) -> list[AreaOut]:
    """Delivery areas (派送区域) with their couriers."""
    return [service.area_out(a) for a in repository.list_areas(session)]


@router.post("/areas", response_model=AreaOut, status_code=status.HTTP_201_CREATED)
def create_area(data: AreaCreate, user: AdminUser, session: SessionDep) -> AreaOut:
    """Add a delivery area to an outlet."""
    return service.area_out(service.create_area(session, data))


@router.post("/areas/match", response_model=AreaMatchOut)
def match_area(data: AreaMatchRequest, user: StaffUser, session: SessionDep) -> AreaMatchOut:
    """Which delivery area serves an address."""
    parsed, area = service.match_area(session, data.address)
    return AreaMatchOut(
        province=parsed.province,
        city=parsed.city,
        district=parsed.district,
        parsed=parsed.parsed,
        area=service.area_out(area) if area else None,
    )


@router.get("/routes", response_model=list[RouteOut])
def list_routes(user: StaffUser, session: SessionDep) -> list[RouteOut]:
    """Linehaul routes with their schedules."""
    return [
        RouteOut(
            code=r.code,
            origin_hub=r.origin_hub.code,
            dest_hub=r.dest_hub.code,
            mode=r.mode,
            schedules=[ScheduleOut.model_validate(s) for s in r.schedules],
        )
        for r in repository.list_routes(session)
    ]


@router.post("/routes", response_model=RouteOut, status_code=status.HTTP_201_CREATED)
def create_route(data: RouteCreate, user: AdminUser, session: SessionDep) -> RouteOut:
    """Add a linehaul route with its schedule (flights: airline, flight number, aircraft)."""
    route = service.create_route(session, data)
    return RouteOut(
        code=route.code,
        origin_hub=data.origin_hub_code,
        dest_hub=data.dest_hub_code,
        mode=route.mode,
        schedules=[ScheduleOut.model_validate(s) for s in route.schedules],
    )


@router.get("/lanes", response_model=LaneOut)
def lane(
    user: StaffUser,
    session: SessionDep,
    origin: Annotated[str, Query(description="origin hub code")],
    destination: Annotated[str, Query(description="destination hub code")],
) -> LaneOut:
    """A lane's normal hub-to-hub transit time, derived from the route schedules."""
    transit = service.lane_transit(session, origin, destination)
    return LaneOut(
        origin_hub=origin,
        dest_hub=destination,
        normal_transit_hours=round(transit.total_seconds() / 3600, 2)
        if transit is not None
        else None,
    )
