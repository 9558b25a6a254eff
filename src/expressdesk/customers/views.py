"""The satisfaction survey page (public, by tokenized link; works on a phone) and the results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from expressdesk.customers import service, surveys
from expressdesk.enums import Role
from expressdesk.errors import AppError, ValidationFailed
from expressdesk.models import User
from expressdesk.web.deps import Allow, ClockDep, OptionalUser, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, page_locale, render, require_csrf
from expressdesk.web.routing import API_PREFIX

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=f"{API_PREFIX}/surveys", tags=["satisfaction"])
Token = Annotated[str, Path(max_length=300)]
Desk = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]


def _page(
    request: Request, user: User | None, context: dict[str, Any], status: int = 200
) -> Response:
    return render(
        request,
        "customers/survey.html",
        {"locale_now": page_locale(request, user), **context},
        status,
    )


@router.get("/survey/{token}")
def survey_page(
    token: Token, request: Request, user: OptionalUser, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    try:
        survey = surveys.open_survey(session, token, settings, clock.now())
    except AppError as exc:
        return _page(request, user, {"error": exc.message, "code": exc.code, "gone": True},
                     exc.status_code)  # fmt: skip
    if survey.answered is not None:
        return _page(request, user, {"done": True, "again": True})
    subject = (
        survey.waybill.number if survey.waybill else (survey.ticket.number if survey.ticket else "")
    )
    return _page(request, user, {"token": token, "subject": subject, "form": {}})


@router.post("/survey/{token}")
def survey_submit(
    token: Token,
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    csat: Annotated[str, Form(max_length=2)] = "",
    nps: Annotated[str, Form(max_length=2)] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    locale = page_locale(request, user)
    try:
        if not csat.isdigit():
            raise ValidationFailed.on("csat", "required", "choose a score from 1 to 5")
        if not nps.isdigit():
            raise ValidationFailed.on("nps", "required", "choose a score from 0 to 10")
        surveys.answer(session, token, int(csat), int(nps), comment, locale, settings, clock.now())
    except AppError as exc:
        session.rollback()
        gone = exc.status_code in (404, 409, 410)
        context = {"error": exc.message, "code": exc.code, "gone": gone, "token": token,
                   "form": {"csat": csat, "nps": nps, "comment": comment}}  # fmt: skip
        return _page(request, user, context, exc.status_code)
    return _page(request, user, {"done": True})


StaffPage = Annotated[User, Depends(PageAllow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]


@router.get("/customers/{code}")
def customer_page(
    code: Annotated[str, Path(max_length=24)],
    request: Request,
    user: StaffPage,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """The account: contacts, tier, contracts, and everything that happened with it."""
    return _account_page(request, session, code, clock.now())


def _account_page(request: Request, session: Any, code: str, now: Any, error: str = "",
                  status: int = 200) -> Response:  # fmt: skip
    from sqlalchemy import select

    from expressdesk.customers.timeline import account
    from expressdesk.models import Customer

    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        context = {"error": {"detail": f"customer {code} not found", "problems": []}, "status": 404}
        return render(request, "errors/error.html", context, 404)
    staff = session.scalars(select(User).where(
        User.role.in_([Role.ADMIN, Role.SUPERVISOR, Role.AGENT]), User.is_active.is_(True)
    ).order_by(User.username)).all()  # fmt: skip
    context = {"a": account(session, customer, now), "staff": staff, "error": error}
    return render(request, "customers/account.html", context, status)


@router.post("/customers/{code}/notes")
def account_note(
    code: Annotated[str, Path(max_length=24)], request: Request, user: StaffPage,
    session: SessionDep, clock: ClockDep, body: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Add a note to the account's timeline from its page."""
    require_csrf(request, csrf_token)
    return _account_form(
        request, session, code, clock.now(),
        lambda: service.add_note(session, code, user, body, clock.now()),
    )  # fmt: skip


def _account_form(
    request: Request, session: Session, code: str, now: datetime, change: Callable[[], object]
) -> Response:
    """Apply a change made on the account's page: back to the page, or the page again with the
    refusal."""
    try:
        change()
        session.commit()
    except AppError as exc:
        session.rollback()
        return _account_page(request, session, code, now, exc.message, exc.status_code)
    return RedirectResponse(f"/customers/{code}", status_code=303)


SupervisorPage = Annotated[User, Depends(PageAllow(Role.ADMIN, Role.SUPERVISOR))]


@router.post("/customers/{code}/manager")
def account_manager(
    code: Annotated[str, Path(max_length=24)], request: Request, user: SupervisorPage,
    session: SessionDep, clock: ClockDep, username: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Assign the account manager from the account's page."""
    require_csrf(request, csrf_token)
    return _account_form(
        request, session, code, clock.now(),
        lambda: service.set_account_manager(session, code, username.strip() or None),
    )  # fmt: skip


@api_router.get("/results")
def survey_results(
    user: Desk,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    by: Annotated[str, Query(pattern="^(courier|outlet|customer|month)$")] = "month",
    days: Annotated[int, Query(ge=1, le=3660)] = 90,
) -> list[dict[str, Any]]:
    """CSAT (% of 4–5 scores) and NPS (promoters − detractors) with the number of answers,
    by courier, outlet, customer or month."""
    until = clock.now()
    rows = surveys.results(session, by, until - timedelta(days=days), until,  # type: ignore[arg-type]
                           ZoneInfo(settings.timezone))  # fmt: skip
    return [{"key": r.key, "label": r.label, "answers": r.figures.answers,
             "csat": r.figures.csat, "nps": r.figures.nps} for r in rows]  # fmt: skip
