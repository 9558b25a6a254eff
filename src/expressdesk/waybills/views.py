"""Waybill pages: the list, the waybill page and the bulk import form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from expressdesk.desk import repository as desk_repository
from expressdesk.enums import Role, ShipmentStatus
from expressdesk.errors import AppError, ValidationFailed, first_problem
from expressdesk.notify import service as notify_service
from expressdesk.problems import query as problem_query
from expressdesk.tracking.access import visibility
from expressdesk.tracking.query import tracking_view
from expressdesk.waybills import importer, service
from expressdesk.waybills.products import PRODUCTS
from expressdesk.web.deps import ClockDep, OptionalUser, SessionDep, SettingsDep
from expressdesk.web.pages import PageUser, page_locale, render, require_csrf

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/waybills")
def waybill_list(
    request: Request,
    user: PageUser,
    session: SessionDep,
    phone: Annotated[str, Query(max_length=30)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    status_value = ShipmentStatus(status) if status in ShipmentStatus.__members__ else None
    error = None
    rows: list[object] = []
    total = 0
    try:
        rows, total = service.search_waybills(  # type: ignore[assignment]
            session,
            user,
            phone=phone or None,
            status=status_value,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    except AppError as exc:
        error = exc.message
    return render(
        request,
        "waybills/list.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "phone": phone,
            "status": status_value,
            "statuses": list(ShipmentStatus),
            "products": PRODUCTS,
            "error": error,
        },
    )


@router.get("/waybills/labels.pdf")
def labels_pdf(
    request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
    n: Annotated[list[str] | None, Query(max_length=500)] = None,
    size: Annotated[str, Query(pattern="^(thermal|a4)$")] = "thermal",
) -> Response:  # fmt: skip
    """The labels of the ticked waybills (the list page) or of one (its page), as one PDF."""
    from expressdesk.waybills.api import labels_response

    if not n:
        raise ValidationFailed.on("n", "required", "tick at least one waybill to print")
    return labels_response(session, n, user, settings, size, privacy=True)


@router.get("/quote")
def quote_page(
    request: Request, user: OptionalUser, session: SessionDep, clock: ClockDep,
    origin: Annotated[str, Query(max_length=300)] = "",
    destination: Annotated[str, Query(max_length=300)] = "",
    weight_kg: Annotated[str, Query(max_length=10)] = "",
    length_cm: Annotated[str, Query(max_length=4)] = "",
    width_cm: Annotated[str, Query(max_length=4)] = "",
    height_cm: Annotated[str, Query(max_length=4)] = "",
    product: Annotated[str, Query(max_length=16)] = "standard",
) -> Response:  # fmt: skip
    """The public price page: origin, destination, weight, size and product → the list price
    and the promised delivery (the same rules as billing)."""
    from pydantic import ValidationError

    from expressdesk.waybills.api import public_quote_out
    from expressdesk.waybills.schemas import QuoteRequest

    form = {"origin": origin, "destination": destination, "weight_kg": weight_kg,
            "length_cm": length_cm, "width_cm": width_cm, "height_cm": height_cm,
            "product": product}  # fmt: skip
    context: dict[str, Any] = {"form": form, "products": list(PRODUCTS.values())}
    status = 200
    if origin or destination or weight_kg:
        now = clock.now()
        try:
            request.app.state.public_limiter.hit(
                request.client.host if request.client else "unknown", now
            )
            fields = {k: v for k, v in form.items() if v}
            context["quote"] = public_quote_out(session, QuoteRequest.model_validate(fields), now)
        except ValidationError as exc:
            context["error"], status = first_problem(exc), 422
        except AppError as exc:
            context["error"], status = exc.message, exc.status_code
    return render(request, "waybills/quote.html", context, status)


@router.get("/waybills/import")
def import_form(request: Request, user: PageUser) -> Response:
    return render(
        request,
        "waybills/import.html",
        {"columns": importer.COLUMNS, "required": importer.REQUIRED},
    )


@router.post("/waybills/import")
def import_upload(
    request: Request,
    user: PageUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    context: dict[str, object] = {"columns": importer.COLUMNS, "required": importer.REQUIRED}
    try:
        data = importer.read_limited(file.file, settings.max_upload_bytes)
        waybills = importer.import_waybills(
            session, data, file.filename or "upload.csv", user, clock.now(), settings
        )
        context["created"] = waybills
        return render(request, "waybills/import.html", context, 201)
    except AppError as exc:
        # Nothing was imported: the request's unit of work rolls back with this error response.
        session.rollback()
        context["error"] = exc
        return render(request, "waybills/import.html", context, exc.status_code)


@router.get("/waybills/{number}")
def waybill_page(
    number: str,
    request: Request,
    user: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    try:
        waybill = service.get_waybill(session, number, user, settings)
    except AppError as exc:
        return render(
            request, "waybills/not_found.html", {"number": number, "error": exc}, exc.status_code
        )
    seen = visibility(user, waybill)
    tracking = tracking_view(
        session,
        waybill,
        locale=page_locale(request, user),
        now=clock.now(),
        reveal=seen.reveal,
        staff=seen.staff,
    )
    locale = page_locale(request, user)
    timeline: list[Any] = list(tracking.events)
    problems: list[Any] = []
    tickets: list[Any] = []
    messages: list[Any] = []
    if seen.staff:
        # The desk's work on the parcel sits on its timeline, newest first like the scans.
        timeline += problem_query.desk_timeline(session, waybill.id, locale)
        timeline.sort(key=lambda e: e.time, reverse=True)
        problems = problem_query.problems_of_waybill(session, waybill.id, clock.now(), locale)
        tickets = desk_repository.tickets_of_waybill(session, waybill.id)
        messages = notify_service.messages(session, waybill_id=waybill.id)
    return render(
        request,
        "waybills/detail.html",
        {
            "wb": waybill,
            "tracking": tracking,
            "timeline": timeline,
            "problems": problems,
            "tickets": tickets,
            "messages": messages,
            "product": PRODUCTS[waybill.product],
            "show_money": user.role in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.SHIPPER),
        },
    )
