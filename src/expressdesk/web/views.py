"""The navigation shell: the home page and the one search box."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from expressdesk.enums import ShipmentStatus
from expressdesk.models import Customer, DeliveryArea, Facility, User, Waybill
from expressdesk.waybills.numbering import normalize_waybill_number
from expressdesk.web.deps import SessionDep
from expressdesk.web.pages import PageUser, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user: PageUser, session: SessionDep) -> Response:
    scope = select(Waybill.status, func.count()).group_by(Waybill.status)
    if user.customer_id is not None:
        scope = scope.where(Waybill.customer_id == user.customer_id)
    by_status = {row[0]: row[1] for row in session.execute(scope)}
    figures = {
        "waybills": sum(by_status.values()),
        "facilities": session.scalar(select(func.count()).select_from(Facility)) or 0,
        "areas": session.scalar(select(func.count()).select_from(DeliveryArea)) or 0,
        "customers": session.scalar(select(func.count()).select_from(Customer)) or 0,
        "users": session.scalar(select(func.count()).select_from(User)) or 0,
    }
    return render(
        request,
        "home.html",
        {"figures": figures, "by_status": by_status, "statuses": list(ShipmentStatus)},
    )


@router.get("/search")
def search(
    request: Request, user: PageUser, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """One box: a waybill number opens the waybill; a phone number lists that person's parcels."""
    text = q.strip()
    if not text:
        return RedirectResponse("/", status_code=303)
    digits = "".join(ch for ch in text if ch.isdigit())
    if text[:1].isalpha():
        return RedirectResponse(f"/waybills/{normalize_waybill_number(text)}", status_code=303)
    return RedirectResponse(f"/waybills?phone={digits}", status_code=303)
