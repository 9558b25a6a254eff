"""Login, logout and the language switch (pages)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from expressdesk import i18n
from expressdesk.errors import NotAuthenticated
from expressdesk.staff import service
from expressdesk.web.deps import SESSION_COOKIE, ClockDep, OptionalUser, SessionDep, SettingsDep
from expressdesk.web.pages import LANG_COOKIE, render, require_csrf, translate

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    require_csrf(request, csrf_token)
    try:
        account = service.authenticate(session, username, password, clock.now())
    except NotAuthenticated:
        message = translate(request, "Wrong username or password.")
        return render(
            request,
            "auth/login.html",
            {"next": _safe_next(next), "error": message, "username": username},
            400,
        )
    issued = service.open_web_session(session, account, clock.now(), settings.session_days)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.close_web_session(session, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{locale}")
def switch_language(
    locale: str, request: Request, user: OptionalUser, session: SessionDep, next: str = "/"
) -> Response:
    """Choose the page language; a logged-in user keeps it as their setting."""
    chosen = i18n.normalize_locale(locale) or i18n.DEFAULT_LOCALE
    if user is not None:
        service.set_locale(user, chosen)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax", path="/")
    return response
