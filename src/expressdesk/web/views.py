"""The navigation shell: the home page and the one search box."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from expressdesk.enums import ShipmentStatus
from expressdesk.waybills import repository as waybill_repo
from expressdesk.waybills.numbering import normalize_waybill_number
from expressdesk.web.deps import SessionDep
from expressdesk.web.pages import PageUser, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user: PageUser, session: SessionDep) -> Response:
    by_status = waybill_repo.status_counts(session, user.customer_id)
    figures = {"waybills": sum(by_status.values()), **waybill_repo.table_sizes(session)}
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
