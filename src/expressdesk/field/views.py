"""The courier's day (pickups in window order, deliveries on the round, a scan box that takes a
keyboard-wedge scanner's input) and the operations arrival scan with immediate missort warnings.
Each scan goes through the ingestion service the devices' API uses; the form carries a scan id
made when the page was drawn, so a double submit or a refresh is a duplicate, not a second scan."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Role, ShipmentStatus
from expressdesk.errors import AppError, first_problem
from expressdesk.models import DeliveryArea, Facility, Problem, User, Waybill
from expressdesk.pickups import rules as pickup_rules
from expressdesk.pickups import service as pickups
from expressdesk.pickups.schemas import CompleteIn
from expressdesk.problems.rules import ProblemType
from expressdesk.tracking.scan_types import FAILURE_TEXT, SIGNER_TEXT, FailureReason, SignerType
from expressdesk.web.deps import ClockDep, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, render, require_csrf

router = APIRouter(include_in_schema=False)
CourierPage = Annotated[User, Depends(PageAllow(Role.COURIER, Role.ADMIN, Role.SUPERVISOR,
                                                Role.OPERATIONS))]  # fmt: skip
OpsPage = Annotated[User, Depends(PageAllow(Role.OPERATIONS, Role.ADMIN, Role.SUPERVISOR))]
COURIER_ACTIONS = ("out_for_delivery", "signed", "delivery_failed", "pickup")


def _facility_code(session: Session, user: User) -> str | None:
    facility = session.get(Facility, user.facility_id) if user.facility_id else None
    return facility.code if facility else None


def _scan(
    session: Session, user: User, settings: Settings, now: Any, **fields: Any
) -> dict[str, Any]:
    """One scan through the devices' ingestion; the outcome as the page shows it."""
    from expressdesk.tracking.schemas import ScanIn
    from expressdesk.tracking.service import ingest_scans

    try:
        scan = ScanIn.model_validate({k: v for k, v in fields.items() if v not in (None, "")})
    except ValidationError as exc:
        where, _, message = first_problem(exc).partition(": ")
        return {"outcome": "rejected", "reason": where, "detail": message}
    report = ingest_scans(session, [scan], user, now, settings)
    session.commit()
    result = report.results[0]
    return {"outcome": result.outcome, "reason": result.reason, "detail": result.detail,
            "anomaly": result.anomaly, "waybill": scan.waybill}  # fmt: skip


def _deliveries(session: Session, courier: User) -> list[Waybill]:
    areas = [a.id for a in session.scalars(select(DeliveryArea)) if courier in a.couriers]
    if not areas:
        return []
    return list(session.scalars(
        select(Waybill).where(Waybill.dest_area_id.in_(areas),
                              Waybill.status.in_([ShipmentStatus.OUT_FOR_DELIVERY,
                                                  ShipmentStatus.ATTEMPT_FAILED]))
        .order_by(Waybill.recipient_address).limit(200)
    ))  # fmt: skip


def _courier_page(request: Request, session: Session, user: User, settings: Settings, now: Any,
                  result: dict[str, Any] | None = None, status: int = 200) -> Response:  # fmt: skip
    from expressdesk.web.pages import page_locale

    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    zh = page_locale(request, user).startswith("zh")
    context = {
        "pickups": pickups.day_list(session, user, today, tz) if user.role is Role.COURIER else [],
        "deliveries": _deliveries(session, user) if user.role is Role.COURIER else [],
        "result": result, "scan_id": uuid.uuid4().hex, "actions": COURIER_ACTIONS,
        "signers": [(s.value, SIGNER_TEXT[s][0 if zh else 1]) for s in SignerType],
        "reasons": [(r.value, FAILURE_TEXT[r][0 if zh else 1]) for r in FailureReason],
        "today": today,
        "kept": pickup_rules.kept_window,
        "pickup_status": lambda status: pickup_rules.status_name(status, "zh" if zh else "en"),
    }  # fmt: skip
    return render(request, "field/courier.html", context, status)


@router.get("/courier")
def courier_page(request: Request, user: CourierPage, session: SessionDep, clock: ClockDep,
                 settings: SettingsDep) -> Response:  # fmt: skip
    return _courier_page(request, session, user, settings, clock.now())


@router.post("/courier/scan")
def courier_scan(
    request: Request, user: CourierPage, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, waybill: Annotated[str, Form(max_length=40)] = "",
    action: Annotated[str, Form(max_length=20)] = "out_for_delivery",
    signer_type: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=20)] = "",
    scan_id: Annotated[str, Form(max_length=64)] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """A scan typed or read by the handheld's wedge scanner (the text arrives with Enter)."""
    require_csrf(request, csrf_token)
    now = clock.now()
    if action not in COURIER_ACTIONS:
        result: dict[str, Any] = {"outcome": "rejected", "reason": "action",
                                  "detail": f"one of {', '.join(COURIER_ACTIONS)}"}  # fmt: skip
        return _courier_page(request, session, user, settings, now, result, 422)
    type_ = {"signed": "signed", "delivery_failed": "delivery_failed", "pickup": "pickup"}.get(
        action, "out_for_delivery"
    )
    fields = {"waybill": waybill.strip().replace(" ", ""), "type": type_,
              "time": now.isoformat(), "facility": _facility_code(session, user),
              "client_scan_id": scan_id or None}  # fmt: skip
    if type_ == "out_for_delivery":
        fields |= {"courier": user.username, "courier_phone": user.phone or None}
    if type_ == "signed":
        fields["signer_type"] = signer_type or "recipient"
    if type_ == "delivery_failed":
        fields["reason"] = reason or "absent"
    result = _scan(session, user, settings, now, **fields)
    status = 200 if result["outcome"] != "rejected" else 422
    return _courier_page(request, session, user, settings, now, result, status)


@router.post("/courier/pickups/{number}/arrive")
def courier_arrive(
    number: Annotated[str, Path(max_length=20)], request: Request, user: CourierPage,
    session: SessionDep, clock: ClockDep, settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    require_csrf(request, csrf_token)
    now = clock.now()
    try:
        pickup = pickups.arrive(session, pickups.get(session, number, user), user, now)
        session.commit()
        kept = pickup_rules.kept_window(pickup.arrived_at, pickup.window_start, pickup.window_end)
        result = {"outcome": "arrived", "waybill": number, "kept": kept}
        return _courier_page(request, session, user, settings, now, result)
    except AppError as exc:
        session.rollback()
        result = {"outcome": "rejected", "reason": exc.code, "detail": exc.message}
        return _courier_page(request, session, user, settings, now, result, exc.status_code)


@router.post("/courier/pickups/{number}/complete")
def courier_complete(
    number: Annotated[str, Path(max_length=20)], request: Request, user: CourierPage,
    session: SessionDep, clock: ClockDep, settings: SettingsDep,
    inspected: Annotated[str, Form(max_length=5)] = "",
    id_type: Annotated[str, Form(max_length=16)] = "resident_id",
    id_number: Annotated[str, Form(max_length=32)] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    require_csrf(request, csrf_token)
    now = clock.now()
    try:
        data = CompleteIn(inspected=inspected == "yes", id_type=id_type, id_number=id_number)
        pickup = pickups.complete(session, pickups.get(session, number, user), data, user, now,
                                  settings)  # fmt: skip
        session.commit()
        result = {"outcome": pickup.status, "waybill": number}
        return _courier_page(request, session, user, settings, now, result)
    except AppError as exc:
        session.rollback()
        result = {"outcome": "rejected", "reason": exc.code, "detail": exc.message}
        return _courier_page(request, session, user, settings, now, result, exc.status_code)


def _ops_page(request: Request, session: Session, user: User, now: Any,
              result: dict[str, Any] | None = None, status: int = 200) -> Response:  # fmt: skip
    context = {"result": result, "scan_id": uuid.uuid4().hex,
               "facility": _facility_code(session, user)}  # fmt: skip
    return render(request, "field/arrival.html", context, status)


@router.get("/ops/arrival")
def arrival_page(request: Request, user: OpsPage, session: SessionDep, clock: ClockDep) -> Response:
    return _ops_page(request, session, user, clock.now())


@router.post("/ops/arrival")
def arrival_scan(
    request: Request, user: OpsPage, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    waybill: Annotated[str, Form(max_length=40)] = "",
    scan_id: Annotated[str, Form(max_length=64)] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """An arrival scan at the user's facility; a parcel that belongs elsewhere is shown at once
    as a missort with the outlet that should have it (the problem is opened by the scan)."""
    require_csrf(request, csrf_token)
    now = clock.now()
    number = waybill.strip().replace(" ", "")
    result = _scan(session, user, settings, now, waybill=number, type="arrival",
                   time=now.isoformat(), facility=_facility_code(session, user),
                   client_scan_id=scan_id or None)  # fmt: skip
    if result["outcome"] == "accepted":
        missort = session.execute(
            select(Problem, Facility.code, Facility.name)
            .join(Waybill, Waybill.id == Problem.waybill_id)
            .outerjoin(Facility, Facility.id == Problem.target_facility_id)
            .where(Waybill.number == number, Problem.type == ProblemType.MISSORTED,
                   Problem.status == "open", Problem.detected_at >= now - timedelta(minutes=1))
        ).first()  # fmt: skip
        if missort is not None:
            result["missort"] = f"{missort.code or ''} {missort.name or ''}".strip() or "?"
    status = 200 if result["outcome"] != "rejected" else 422
    return _ops_page(request, session, user, now, result, status)


def _waiting_here(session: Session, facility_id: int | None) -> dict[str, list[Waybill]]:
    """Parcels at this facility, not signed or gone, grouped by where they go next: the
    delivering outlet's areas when it is theirs, else their destination outlet."""
    if facility_id is None:
        return {}
    rows = session.scalars(
        select(Waybill).where(Waybill.current_facility_id == facility_id,
                              Waybill.status.in_([ShipmentStatus.PICKED_UP,
                                                  ShipmentStatus.IN_TRANSIT]))
        .order_by(Waybill.dest_facility_id, Waybill.number).limit(2000)
    ).all()  # fmt: skip
    names = {f.id: f"{f.code} {f.name}" for f in session.scalars(select(Facility))}
    areas = {a.id: f"{a.code} {a.name}" for a in session.scalars(select(DeliveryArea))}
    groups: dict[str, list[Waybill]] = {}
    for w in rows:
        if w.dest_facility_id == facility_id:
            key = areas.get(w.dest_area_id or 0, "—")
        else:
            key = names.get(w.dest_facility_id or 0, "—")
        groups.setdefault(key, []).append(w)
    return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))


def _dispatch_page(
    request: Request, session: Session, user: User,
    result: dict[str, Any] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    context = {"groups": _waiting_here(session, user.facility_id), "result": result,
               "facility": _facility_code(session, user),
               "batch_id": uuid.uuid4().hex[:12]}  # fmt: skip
    return render(request, "field/dispatch.html", context, status)


@router.get("/ops/dispatch")
def dispatch_page(request: Request, user: OpsPage, session: SessionDep) -> Response:
    """Bagging and dispatch lists: what waits here, by where it goes next."""
    return _dispatch_page(request, session, user)


@router.post("/ops/dispatch")
def dispatch_submit(
    request: Request, user: OpsPage, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    n: Annotated[list[str] | None, Form(max_length=500)] = None,
    bag: Annotated[str, Form(max_length=20)] = "",
    batch_id: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Bag the ticked parcels (one bag number) and scan them out: a bagging and a departure scan
    each, through the devices' ingestion (the batch id makes a re-send a duplicate)."""
    from expressdesk.tracking.schemas import ScanIn
    from expressdesk.tracking.service import ingest_scans

    require_csrf(request, csrf_token)
    now = clock.now()
    if not n:
        result: dict[str, Any] = {
            "outcome": "rejected",
            "reason": "n",
            "detail": "tick the parcels to bag",
        }
        return _dispatch_page(request, session, user, result, 422)
    code = _facility_code(session, user)
    bag_no = bag.strip() or f"BAG{batch_id[:8].upper()}"
    scans = []
    for number in n:
        for kind in ("bagging", "departure"):
            scans.append(ScanIn.model_validate({
                "waybill": number, "type": kind, "time": now.isoformat(), "facility": code,
                "client_scan_id": f"{batch_id}:{kind}:{number}", "note": f"bag {bag_no}",
            }))  # fmt: skip
    report = ingest_scans(session, scans, user, now, settings)
    session.commit()
    result = {"outcome": "bagged", "bag": bag_no,
              "accepted": report.count("accepted") // 2,
              "duplicate": report.count("duplicate") // 2,
              "rejected": report.count("rejected")}  # fmt: skip
    return _dispatch_page(request, session, user, result)
