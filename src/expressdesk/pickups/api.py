"""JSON API of pickups: booking (shippers, staff, and a recipient's return on the public route),
the courier's day, dispatch, arrival, completion, cancellation and rescheduling."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from expressdesk.enums import Role
from expressdesk.models import User
from expressdesk.pickups import service
from expressdesk.pickups.schemas import (
    AssignIn,
    CancelIn,
    CompleteIn,
    PickupCreate,
    PickupOut,
    RescheduleIn,
    ReturnPickupCreate,
)
from expressdesk.web.deps import Allow, AnyUser, ClockDep, OptionalUser, SessionDep, SettingsDep
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/pickups", tags=["pickups"])
public_router = APIRouter(prefix=f"{API_PREFIX}/public/pickups", tags=["pickups"])
Number = Annotated[str, Path(max_length=20)]
Booker = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT,
                                       Role.OPERATIONS, Role.SHIPPER))]  # fmt: skip
FieldUser = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.OPERATIONS,
                                          Role.COURIER))]  # fmt: skip


@router.post("", response_model=PickupOut, status_code=201)
def book_pickup(
    data: PickupCreate, user: Booker, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> JSONResponse:
    """Book a pickup in a time window; it goes to the courier of the matching delivery area.
    Re-sending the same ``request_id`` returns the first booking (200) instead of a second."""
    pickup, created = service.book(session, data, user, clock.now(), settings)
    body = service.pickup_out(session, pickup, user).model_dump(mode="json")
    return JSONResponse(body, status_code=201 if created else 200)


@public_router.post("", response_model=PickupOut, status_code=201)
def book_return_pickup(
    data: ReturnPickupCreate, request: Request, user: OptionalUser, session: SessionDep,
    clock: ClockDep, settings: SettingsDep,
) -> PickupOut:  # fmt: skip
    """A recipient books the pickup of a return: the waybill number and the last four digits
    of the recipient's phone (rate-limited like the public forms)."""
    now = clock.now()
    request.app.state.form_limiter.hit(request.client.host if request.client else "unknown", now)
    pickup = service.book_return(session, data, now, settings)
    out = service.pickup_out(session, pickup)
    # The public sees the booking masked like the tracking page: the district, not the street.
    from expressdesk.tracking.masking import mask_name, mask_phone

    masked = {"phone": mask_phone(out.phone), "contact_name": mask_name(out.contact_name),
              "address": f"{pickup.province}{pickup.city}{pickup.district}"}  # fmt: skip
    return out.model_copy(update=masked)


@router.get("", response_model=list[PickupOut])
def list_pickups(
    user: AnyUser, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    day: Annotated[date | None, Query(alias="date")] = None,
    courier: Annotated[str | None, Query(max_length=64)] = None,
) -> list[PickupOut]:  # fmt: skip
    """A day's pickups in window order (default today): a courier's own, a shipper's own,
    staff any courier's (``courier=username``) or all."""
    tz = ZoneInfo(settings.timezone)
    chosen = day or clock.now().astimezone(tz).date()
    return [service.pickup_out(session, p, user)
            for p in service.day_list(session, user, chosen, tz, courier)]  # fmt: skip


@router.get("/{number}", response_model=PickupOut)
def get_pickup(number: Number, user: AnyUser, session: SessionDep) -> PickupOut:
    return service.pickup_out(session, service.get(session, number, user), user)


@router.post("/{number}/assign", response_model=PickupOut)
def assign_pickup(number: Number, data: AssignIn, user: FieldUser, session: SessionDep,
                  clock: ClockDep) -> PickupOut:  # fmt: skip
    """A dispatcher gives the pickup to another courier."""
    pickup = service.assign(session, service.get(session, number, user), data.courier, user,
                            clock.now())  # fmt: skip
    return service.pickup_out(session, pickup, user)


@router.post("/{number}/arrive", response_model=PickupOut)
def arrive_at_pickup(number: Number, user: FieldUser, session: SessionDep,
                     clock: ClockDep) -> PickupOut:  # fmt: skip
    """The courier is at the door (the time decides whether the window was kept)."""
    pickup = service.arrive(session, service.get(session, number, user), user, clock.now())
    return service.pickup_out(session, pickup, user)


@router.post("/{number}/complete", response_model=PickupOut)
def complete_pickup(number: Number, data: CompleteIn, user: FieldUser, session: SessionDep,
                    clock: ClockDep, settings: SettingsDep) -> PickupOut:  # fmt: skip
    """Contents inspected (验视) and the sender's ID checked (实名收寄); a refused inspection
    refuses the pickup."""
    pickup = service.complete(session, service.get(session, number, user), data, user,
                              clock.now(), settings)  # fmt: skip
    return service.pickup_out(session, pickup, user)


@router.post("/{number}/cancel", response_model=PickupOut)
def cancel_pickup(number: Number, data: CancelIn, user: AnyUser, session: SessionDep,
                  clock: ClockDep) -> PickupOut:  # fmt: skip
    pickup = service.cancel(session, service.get(session, number, user), data.reason, clock.now())
    return service.pickup_out(session, pickup, user)


@router.post("/{number}/reschedule", response_model=PickupOut)
def reschedule_pickup(number: Number, data: RescheduleIn, user: AnyUser, session: SessionDep,
                      clock: ClockDep, settings: SettingsDep) -> PickupOut:  # fmt: skip
    pickup = service.reschedule(session, service.get(session, number, user), data, clock.now(),
                                settings)  # fmt: skip
    return service.pickup_out(session, pickup, user)
