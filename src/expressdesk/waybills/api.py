"""JSON API of the waybill feature (运单)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, Field

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
from expressdesk.web.deps import (
    Allow,
    AnyUser,
    ClockDep,
    Offset,
    OptionalUser,
    SessionDep,
    SettingsDep,
)
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/waybills", tags=["waybills"])
quotes_router = APIRouter(prefix=API_PREFIX, tags=["pricing"])

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


class LabelsIn(BaseModel):
    numbers: list[str] = Field(min_length=1, max_length=500)
    size: Literal["thermal", "a4"] = "thermal"
    privacy: bool = True  # 隐私面单: names and phones masked on paper


def labels_response(session: Any, numbers: list[str], user: User, settings: Any, size: str,
                privacy: bool) -> Response:  # fmt: skip
    from zoneinfo import ZoneInfo

    from expressdesk.waybills.labels import label_data, render_labels

    tz = ZoneInfo(settings.timezone)
    waybills = [service.get_waybill(session, n, user, settings) for n in numbers]
    pdf = render_labels([label_data(w, tz, privacy) for w in waybills], size)
    name = waybills[0].number if len(waybills) == 1 else f"labels-{len(waybills)}"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})  # fmt: skip


@router.get("/{number}/label", response_class=Response)
def waybill_label(
    number: str, user: AnyUser, session: SessionDep, settings: SettingsDep,
    size: Annotated[Literal["thermal", "a4"], Query()] = "thermal",
    privacy: bool = True,
) -> Response:  # fmt: skip
    """The label (面单) as a PDF: 100 × 180 mm thermal or A4, with a Code 128 barcode."""
    return labels_response(session, [number], user, settings, size, privacy)


@router.post("/labels", response_class=Response)
def waybill_labels(data: LabelsIn, user: AnyUser, session: SessionDep,
                   settings: SettingsDep) -> Response:  # fmt: skip
    """Labels of a selection of waybills (up to 500) in one PDF, for batch printing."""
    return labels_response(session, data.numbers, user, settings, data.size, data.privacy)


class PublicQuoteOut(QuoteOut):
    promise_hours: int
    promised_by: datetime  # if picked up now


def public_quote_out(session: Any, data: QuoteRequest, now: datetime) -> PublicQuoteOut:
    """List prices (never a contract's) and the product's promise, counted from now."""
    from expressdesk.tracking.eta import promised_by
    from expressdesk.waybills.products import PRODUCTS

    card, q = service.quote_price(session, data.model_copy(update={"customer_code": None}), None)
    hours = PRODUCTS[q.product].promise_hours
    return PublicQuoteOut(
        **_quote_out(card, q).model_dump(), promise_hours=hours,
        promised_by=promised_by(now, hours),
    )  # fmt: skip


@quotes_router.post("/public/quotes", response_model=PublicQuoteOut)
def public_quote(
    data: QuoteRequest, request: Request, user: OptionalUser, session: SessionDep,
    clock: ClockDep,
) -> PublicQuoteOut:  # fmt: skip
    """Anyone: the list price of a shipment and the promised delivery (rate-limited)."""
    now = clock.now()
    request.app.state.public_limiter.hit(request.client.host if request.client else "unknown", now)
    return public_quote_out(session, data, now)


@quotes_router.post("/quotes", response_model=QuoteOut)
def quote(data: QuoteRequest, user: AnyUser, session: SessionDep) -> QuoteOut:
    """Price a shipment with the same rules as billing (contract prices for the customer)."""
    card, q = service.quote_price(session, data, user)
    return _quote_out(card, q)


def _quote_out(card: Any, q: Any) -> QuoteOut:
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
