"""Facilities, delivery areas (派送区域), linehaul routes and their schedules."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expressdesk.db import Base
from expressdesk.enums import FacilityType, TransportMode, db_enum

delivery_area_couriers = Table(
    "delivery_area_couriers",
    Base.metadata,
    Column("area_id", ForeignKey("delivery_areas.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Facility(Base):
    """A place that handles parcels: outlet 网点, hub 分拨中心, station 驿站, locker 快递柜."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[FacilityType] = mapped_column(db_enum(FacilityType))
    province: Mapped[str] = mapped_column(String(20), index=True)
    city: Mapped[str] = mapped_column(String(30))
    district: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    parent: Mapped[Facility | None] = relationship(remote_side=[id])


class DeliveryArea(Base):
    """A contract area of an outlet, matched from an address by district and street keywords."""

    __tablename__ = "delivery_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    province: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(30))
    district: Mapped[str] = mapped_column(String(30), index=True)
    # Street / community keywords; an area with none serves the rest of its district.
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    outlet: Mapped[Facility] = relationship()
    couriers: Mapped[list[User]] = relationship(secondary=delivery_area_couriers)


class LinehaulRoute(Base):
    """A scheduled connection between two hubs by truck, air or rail."""

    __tablename__ = "linehaul_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    origin_hub_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    dest_hub_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    mode: Mapped[TransportMode] = mapped_column(db_enum(TransportMode))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    origin_hub: Mapped[Facility] = relationship(foreign_keys=[origin_hub_id])
    dest_hub: Mapped[Facility] = relationship(foreign_keys=[dest_hub_id])
    schedules: Mapped[list[RouteSchedule]] = relationship(
        back_populates="route", cascade="all, delete-orphan", order_by="RouteSchedule.departure"
    )


class RouteSchedule(Base):
    """One departure of a route (航班计划 for air: airline, flight number, aircraft type)."""

    __tablename__ = "route_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("linehaul_routes.id", ondelete="CASCADE"))
    departure: Mapped[time] = mapped_column(Time)  # local time at the origin hub
    arrival: Mapped[time] = mapped_column(Time)  # local time at the destination hub
    arrival_day_offset: Mapped[int] = mapped_column(Integer, default=0)
    days_of_operation: Mapped[str] = mapped_column(String(7), default="1234567")  # ISO weekdays
    airline_code: Mapped[str | None] = mapped_column(String(3))
    flight_number: Mapped[str | None] = mapped_column(String(8))
    aircraft_type: Mapped[str | None] = mapped_column(String(16))

    route: Mapped[LinehaulRoute] = relationship(back_populates="schedules")


from expressdesk.models.staff import User  # noqa: E402  (resolves the annotation above)
