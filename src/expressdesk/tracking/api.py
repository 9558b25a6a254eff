"""JSON API of the tracking feature: scan upload and tracking lookups."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from expressdesk.enums import Role
from expressdesk.errors import AppError
from expressdesk.models import User
from expressdesk.tracking import repository
from expressdesk.tracking.access import limit_public, visibility
from expressdesk.tracking.partners import lookup_partner_status
from expressdesk.tracking.public import (
    LANG_MAX,
    PHONE_LAST4_MAX,
    json_response,
    lookup_locale,
    public_lookup,
    public_waybill,
)
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
from expressdesk.waybills.service import get_waybill
from expressdesk.web.deps import (
    AdminUser,
    Allow,
    ClockDep,
    OptionalUser,
    SessionDep,
    SettingsDep,
)
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


@router.get("/tracking/{number}", response_model=TrackingOut)
async def track(
    number: str,
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    phone_last4: Annotated[
        str | None, Query(max_length=PHONE_LAST4_MAX, description="unmasks names and phones")
    ] = None,
    lang: Annotated[str | None, Query(max_length=LANG_MAX)] = None,
) -> Response:
    """Track one parcel. Public: names, phones and addresses are masked unless the last four
    digits of the recipient's or sender's phone are given. Anonymous lookups are rate-limited.

    (Most anonymous lookups are answered before they reach this route, by the same code:
    ``tracking.public.PublicLookupShortcut``.)"""
    if user is None:
        return await public_lookup(request, number, phone_last4, lang)
    locale = lookup_locale(request, lang)

    def lookup() -> Response:
        try:
            waybill = get_waybill(session, number, user, settings)
            seen = visibility(user, waybill, phone_last4)
            view = tracking_view(
                session, waybill, locale=locale, now=clock.now(), reveal=seen.reveal,
                staff=seen.staff,
            )  # fmt: skip
        finally:
            # Read-only: the connection goes back to the pool here, not in another trip.
            session.close()
        return json_response(view)

    return await run_in_threadpool(lookup)


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
    locale = lookup_locale(request, lang)
    items = []
    for raw in data.numbers:
        try:
            waybill = (
                get_waybill(session, raw, user, settings)
                if user is not None
                else public_waybill(session, raw, settings)
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
