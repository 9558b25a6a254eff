"""Notification pages: the unsubscribe link, the admin's view of failures and templates (with a
preview on a real waybill), and a shipper's webhooks with their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from expressdesk.enums import Role
from expressdesk.errors import AppError
from expressdesk.models import OutboxMessage, User, WebhookSubscription
from expressdesk.notify import sender, service
from expressdesk.notify.outbox import edited_templates
from expressdesk.notify.rules import WEBHOOK_EVENTS
from expressdesk.notify.templates import FIELDS, all_defaults
from expressdesk.web.deps import ClockDep, OptionalUser, RecordId, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, render, require_csrf

router = APIRouter(include_in_schema=False)
AdminPage = Annotated[User, Depends(PageAllow(Role.ADMIN))]
WebhookPage = Annotated[
    User, Depends(PageAllow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.SHIPPER))
]


@router.get("/unsubscribe/{token}")
def unsubscribe(
    token: Annotated[str, Path(max_length=400)],
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """One click from a message: no more messages on that channel to that address."""
    try:
        address = service.opt_out_by_token(session, token, settings, clock.now())
    except AppError as exc:
        session.rollback()
        context = {"error": {"detail": exc.message, "problems": []}, "status": exc.status_code}
        return render(request, "errors/error.html", context, exc.status_code)
    return render(request, "notify/unsubscribed.html", {"address": address})


def _admin_page(
    request: Request,
    session: SessionDep,
    error: str | None = None,
    preview: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    edited = edited_templates(session)
    templates = [
        {"event": e.value, "channel": c, "locale": loc,
         "template": edited.get((e.value, c, loc)) or t, "edited": (e.value, c, loc) in edited}
        for (e, c, loc), t in all_defaults().items()
    ]  # fmt: skip
    return render(
        request,
        "notify/admin.html",
        {"failures": service.messages(session, failed_only=True, limit=100),
         "templates": templates, "fields": sorted(FIELDS), "error": error, "preview": preview},
        status_code,
    )  # fmt: skip


@router.get("/notifications")
def admin_page(request: Request, user: AdminPage, session: SessionDep) -> Response:
    return _admin_page(request, session)


@router.post("/notifications/templates")
def template_submit(
    request: Request,
    user: AdminPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    event: Annotated[str, Form(max_length=40)] = "",
    channel: Annotated[str, Form(max_length=8)] = "",
    locale: Annotated[str, Form(max_length=8)] = "",
    subject: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=5000)] = "",
    waybill: Annotated[str, Form(max_length=40)] = "",
    action: Annotated[str, Form(max_length=10)] = "save",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    try:
        service.save_template(session, user, event, channel, locale, subject, body, clock.now())
        if action == "preview":
            shown = service.preview(
                session, event, channel, locale, waybill.strip().upper(), settings
            )
            return _admin_page(request, session, preview=shown)
    except AppError as exc:
        session.rollback()
        return _admin_page(request, session, exc.message, status_code=exc.status_code)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{message_id}/redeliver")
def redeliver_submit(
    message_id: RecordId,
    request: Request,
    user: WebhookPage,
    session: SessionDep,
    clock: ClockDep,
    next: Annotated[str, Form(max_length=40, pattern=r"^/(notifications|webhooks)$")] = "/webhooks",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    message = session.get(OutboxMessage, message_id)
    if message is None or (user.role is Role.SHIPPER and message.customer_id != user.customer_id):
        context = {"error": {"detail": "message not found", "problems": []}, "status": 404}
        return render(request, "errors/error.html", context, 404)
    sender.redeliver(session, message_id, clock.now())
    return RedirectResponse(next, status_code=303)


StaffPage = Annotated[User, Depends(PageAllow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]


@router.get("/customers/{code}/messages")
def customer_messages_page(
    code: Annotated[str, Path(max_length=24)],
    request: Request,
    user: StaffPage,
    session: SessionDep,
) -> Response:
    """Every message sent, pending or failed for one customer account, with the reason."""
    from expressdesk.desk import repository as desk_repository

    customer = desk_repository.customer_by_code(session, code)
    if customer is None:
        context = {"error": {"detail": f"customer {code} not found", "problems": []}, "status": 404}
        return render(request, "errors/error.html", context, 404)
    shown = service.messages(session, customer_id=customer.id, limit=500)
    return render(request, "notify/messages.html", {"customer": customer, "messages": shown})


@router.get("/webhooks")
def webhooks_page(
    request: Request,
    user: WebhookPage,
    session: SessionDep,
    customer: Annotated[str, Query(max_length=24)] = "",
) -> Response:
    from sqlalchemy import select

    from expressdesk.desk import repository as desk_repository

    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if user.role is Role.SHIPPER:
        query = query.where(WebhookSubscription.customer_id == user.customer_id)
    elif customer:
        found = desk_repository.customer_by_code(session, customer)
        query = query.where(WebhookSubscription.customer_id == (found.id if found else -1))
    subs = list(session.scalars(query))
    logs = {s.id: service.deliveries(session, s, limit=30) for s in subs}
    events = sorted(e.value for e in WEBHOOK_EVENTS)
    return render(request, "notify/webhooks.html", {"subs": subs, "logs": logs, "events": events})
