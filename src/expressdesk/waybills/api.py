"""JSON API of the waybill feature (运单)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status

from expressdesk.enums import Role, ShipmentStatus
from expressdesk.models import User
from expressdesk.waybills import importer, service
from expressdesk.waybills.schemas import (
    ImportResult,
    QuoteOut,
    QuoteRequest,
    WaybillCreate,
    WaybillList,
    WaybillOut,
    kg,
    money,
    waybill_out,
)
from expressdesk.web.deps import Allow, AnyUser, ClockDep, Offset, SessionDep, SettingsDep

router = APIRouter(prefix="/waybills", tags=["waybills"])
quotes_router = APIRouter(tags=["pricing"])

# Who may create waybills: every staff role (a courier at pickup, an agent on the phone) and
# shippers for their own account.
Creator = Annotated[
    User,
    Depends(
        Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COURIER, Role.OPERATIONS, Role.SHIPPER)
    ),
]


@router.post("", response_model=WaybillOut, status_code=status.HTTP_201_CREATED)
def create_waybill(
    data: WaybillCreate,
    response: Response,
    user: Creator,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> WaybillOut:
    """Create a waybill; a repeat with the same customer and order_ref returns the first (200)."""
    outcome = service.create_waybill(session, data, user, clock.now(), settings)
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replay"] = "true"
    session.refresh(outcome.waybill)
    return waybill_out(outcome.waybill)


@router.post("/import", response_model=ImportResult, status_code=status.HTTP_201_CREATED)
def import_waybills(
    user: Creator,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GBK) or XLSX")],
) -> ImportResult:
    """Create many waybills from CSV or XLSX: all rows or none, every bad row reported by line."""
    data = importer.read_limited(file.file, settings.max_upload_bytes)
    waybills = importer.import_waybills(
        session, data, file.filename or "upload.csv", user, clock.now(), settings
    )
    return ImportResult(created=len(waybills), numbers=[w.number for w in waybills])


@router.get("", response_model=WaybillList)
def list_waybills(
    user: AnyUser,
    session: SessionDep,
    phone: Annotated[str | None, Query(max_length=30)] = None,
    customer: Annotated[str | None, Query(max_length=24)] = None,
    status_: Annotated[ShipmentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> WaybillList:
    """Search waybills by phone, customer and status (shippers see only their own)."""
    rows, total = service.search_waybills(
        session,
        user,
        phone=phone,
        customer_code=customer,
        status=status_,
        limit=limit,
        offset=offset,
    )
    return WaybillList(items=[waybill_out(w) for w in rows], total=total)


@router.get("/{number}", response_model=WaybillOut)
def get_waybill(
    number: str, user: AnyUser, session: SessionDep, settings: SettingsDep
) -> WaybillOut:
    """One waybill by number (a mistyped number is reported as invalid, not as missing)."""
    return waybill_out(service.get_waybill(session, number, user, settings))


@quotes_router.post("/quotes", response_model=QuoteOut)
def quote(data: QuoteRequest, user: AnyUser, session: SessionDep) -> QuoteOut:
    """Price a shipment with the same rules as billing (contract prices for the customer)."""
    card, q = service.quote_price(session, data, user)
    return QuoteOut(
        rate_card=card.code,
        zone=q.zone,
        product=q.product,
        volumetric_weight_kg=kg(q.volumetric_weight_g),
        chargeable_weight_kg=kg(q.chargeable_weight_g),
        freight=money(q.freight_fen),
        insurance_fee=money(q.insurance_fee_fen),
        cod_fee=money(q.cod_fee_fen),
        receipt_fee=money(q.receipt_fee_fen),
        total=money(q.total_fen),
    )
