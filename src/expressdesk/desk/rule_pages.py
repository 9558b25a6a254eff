"""The desk's rule table and working calendar, as pages for the administrator."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import admin, clocks, repository
from expressdesk.desk.rules import DESK_RULES
from expressdesk.enums import Role
from expressdesk.errors import AppError, ValidationFailed
from expressdesk.models import User
from expressdesk.web.deps import ClockDep, SessionDep, SettingsDep
from expressdesk.web.pages import PageAllow, render, require_csrf

router = APIRouter(include_in_schema=False)
AdminPage = Annotated[User, Depends(PageAllow(Role.ADMIN))]
Csrf = Annotated[str, Form()]


def _rules_page(request: Request, session: Session, settings: Settings, error: str | None = None,
                status_code: int = 200) -> Response:  # fmt: skip
    setup = clocks.load_setup(session, settings)
    return render(
        request,
        "desk/rules.html",
        {"rules": DESK_RULES.values(), "values": setup.rules.values,
         "days": repository.desk_days(session), "error": error},
        status_code,
    )  # fmt: skip


@router.get("/desk/rules")
def rules_page(
    request: Request, user: AdminPage, session: SessionDep, settings: SettingsDep
) -> Response:
    return _rules_page(request, session, settings)


@router.post("/desk/rules")
def rules_submit(
    request: Request,
    user: AdminPage,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    key: Annotated[str, Form(max_length=64)] = "",
    value: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    try:
        admin.set_rule(session, user, key, value, clock.now(), settings)
    except AppError as exc:
        session.rollback()
        return _rules_page(request, session, settings, exc.message, exc.status_code)
    return RedirectResponse("/desk/rules", status_code=303)


@router.post("/desk/days")
def days_submit(
    request: Request,
    user: AdminPage,
    session: SessionDep,
    settings: SettingsDep,
    day: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=8)] = "",
    name: Annotated[str, Form(max_length=60)] = "",
    csrf_token: Csrf = "",
) -> Response:
    require_csrf(request, csrf_token)
    try:
        try:
            parsed = datetime.strptime(day, "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar day)
        except ValueError:
            raise ValidationFailed.on("day", "date", "give the day as YYYY-MM-DD") from None
        admin.set_day(session, parsed, kind or None, name)
    except AppError as exc:
        session.rollback()
        return _rules_page(request, session, settings, exc.message, exc.status_code)
    return RedirectResponse("/desk/rules", status_code=303)
