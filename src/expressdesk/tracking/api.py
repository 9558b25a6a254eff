"""JSON API of the tracking feature: scan upload and tracking lookups."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from expressdesk import i18n
from expressdesk.config import Settings
from expressdesk.db import Reader
from expressdesk.enums import Role
from expressdesk.errors import AppError
from expressdesk.models import User
from expressdesk.tracking import repository
from expressdesk.tracking.access import limit_public, visibility
from expressdesk.tracking.partners import lookup_partner_status
from expressdesk.tracking.query import tracking_view
from expressdesk.tracking.schemas import (
    BatchResult,
    ScanBatch,
    ScanResult,
    TrackingBatchIn,
    TrackingBatchItem,
    TrackingOut,
)
from expressdesk.tracking.service import ingest_scans
from expressdesk.waybills import repository as waybill_repo
from expressdesk.waybills.service import WaybillNotFound, check_waybill_number, get_waybill
from expressdesk.web.deps import AdminUser, Allow, ClockDep, OptionalUser, SessionDep, SettingsDep
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["tracking"])
Scanner = Annotated[
    User, Depends(Allow(Role.COURIER, Role.OPERATIONS, Role.SUPERVISOR, Role.ADMIN))
]


@router.post("/scans", response_model=BatchResult)
def upload_scans(
    batch: ScanBatch, user: Scanner, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> BatchResult:
    """Upload up to 1,000 scans; each is answered accepted, duplicate or rejected (with a reason).

    Re-sending a batch is safe: scans already received (same client_scan_id, or same device_id
    and device_seq) are answered 'duplicate' and change nothing.
    """
    report = ingest_scans(session, batch.scans, user, clock.now(), settings)
    return BatchResult(
        accepted=report.count("accepted"),
        duplicate=report.count("duplicate"),
        rejected=report.count("rejected"),
        results=[ScanResult.model_validate(r, from_attributes=True) for r in report.results],
    )


def _locale(request: Request, lang: str | None) -> str:
    return i18n.normalize_locale(lang) or i18n.negotiate(request.headers.get("accept-language"))


@router.get("/tracking/{number}", response_model=TrackingOut)
async def track(
    number: str,
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    phone_last4: Annotated[
        str | None, Query(max_length=4, description="unmasks names and phones")
    ] = None,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """Track one parcel. Public: names, phones and addresses are masked unless the last four
    digits of the recipient's or sender's phone are given. Anonymous lookups are rate-limited."""
    limit_public(request, user, 1, clock.now())
    locale = _locale(request, lang)

    def lookup() -> Response:
        if user is not None:
            try:
                waybill: Any = get_waybill(session, number, user, settings)
                seen = visibility(user, waybill, phone_last4)
                view = tracking_view(
                    session, waybill, locale=locale, now=clock.now(), reveal=seen.reveal,
                    staff=seen.staff,
                )  # fmt: skip
            finally:
                # Read-only: the connection goes back to the pool here, not in another trip.
                session.close()
        else:
            # The public needs no unit of work: two reads on a pooled connection.
            with request.app.state.read_engine.connect() as conn:
                waybill = _public_waybill(conn, number, settings)
                seen = visibility(None, waybill, phone_last4)
                view = tracking_view(
                    conn, waybill, locale=locale, now=clock.now(), reveal=seen.reveal, staff=False
                )
        # Serialised once, here: returning the model would make FastAPI dump, re-validate and
        # dump it again (the response_model above still documents the shape).
        return Response(view.model_dump_json(), media_type="application/json")

    # An embedded SQLite lookup is a few hundred microseconds of CPU and no network wait: it
    # runs on the event loop, which saves two hand-offs to the thread pool (each costs about as
    # much as the lookup's queries; the GIL serialises the work anyway). A database server is
    # waited on over the network: all of its work goes to the pool in one trip.
    if request.app.state.engine.dialect.name == "sqlite":
        return lookup()
    return await run_in_threadpool(lookup)


def _public_waybill(db: Reader, number: str, settings: Settings) -> Any:
    valid = check_waybill_number(number, settings)
    waybill = waybill_repo.tracking_record(db, valid)
    if waybill is None:
        raise WaybillNotFound(f"waybill {valid} not found")
    return waybill


@router.post("/tracking/batch", response_model=list[TrackingBatchItem])
def track_many(
    data: TrackingBatchIn,
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> list[TrackingBatchItem]:
    """Track up to 50 parcels at once; each number is answered on its own."""
    limit_public(request, user, len(data.numbers), clock.now())
    locale = _locale(request, lang)
    items = []
    for raw in data.numbers:
        try:
            waybill = (
                get_waybill(session, raw, user, settings)
                if user is not None
                else _public_waybill(session, raw, settings)
            )
        except AppError as exc:
            items.append(TrackingBatchItem(number=raw, found=False, error=exc.code))
            continue
        seen = visibility(user, waybill)
        view = tracking_view(
            session, waybill, locale=locale, now=clock.now(), reveal=seen.reveal, staff=seen.staff
        )
        items.append(TrackingBatchItem(number=waybill.number, found=True, tracking=view))
    return items


class UnmappedStatus(BaseModel):
    carrier: str | None
    status: str | None
    events: int
    last_seen: str


@router.get("/tracking/partner-statuses/unmapped", response_model=list[UnmappedStatus])
def unmapped_partner_statuses(
    user: AdminUser, session: SessionDep, clock: ClockDep
) -> list[UnmappedStatus]:
    """Partner status strings reported in the last 90 days that no table entry maps yet."""
    rows = repository.partner_statuses_seen(session, clock.now() - timedelta(days=90))
    return [
        UnmappedStatus(
            carrier=r.carrier,
            status=r.carrier_status,
            events=r.events,
            last_seen=r.last_seen.isoformat(),
        )
        for r in rows
        if lookup_partner_status(r.carrier or "", r.carrier_status or "") is None
    ]
