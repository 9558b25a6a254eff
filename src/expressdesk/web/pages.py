"""Server-rendered pages: the Jinja2 environment, the page context and page-level access.

Pages and the JSON API call the same services; this module only adds what a browser needs:
language, the CSRF token for forms, the logged-in user and a redirect to the login page.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from expressdesk import i18n
from expressdesk.enums import STATUS_LABELS, Role
from expressdesk.errors import AppError
from expressdesk.models import User
from expressdesk.waybills.products import PRODUCTS
from expressdesk.web.deps import CSRF_COOKIE, ClockDep, SessionDep, csrf_ok, resolve_user

TEMPLATES_DIR = Path(__file__).parent / "templates"
LANG_COOKIE = "ed_lang"


class LoginRequired(AppError):
    """Raised by a page dependency; the app turns it into a redirect to /login."""

    status_code = 401
    code = "login_required"


class PageForbidden(AppError):
    status_code = 403
    code = "permission_denied"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.autoescape = True
    templates.env.filters["yuan"] = lambda fen: f"¥{(fen or 0) / 100:,.2f}"
    templates.env.filters["kg"] = lambda g: f"{(g or 0) / 1000:g} kg"
    return templates


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser (set as a cookie by the middleware if new)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def page_locale(request: Request, user: User | None) -> str:
    """Explicit choice (cookie) first, then the user's setting, then the browser."""
    chosen = i18n.normalize_locale(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    if user is not None and user.locale:
        return user.locale
    default: str = request.app.state.settings.default_locale
    return i18n.negotiate(request.headers.get("accept-language"), default)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    user: User | None = getattr(request.state, "user", None)
    locale = page_locale(request, user)
    translations = i18n.translations(locale)
    data: dict[str, Any] = {
        "request": request,
        "user": user,
        "locale": locale,
        "locales": i18n.LOCALE_LABELS,
        "_": translations.gettext,
        "csrf_token": csrf_token(request),
        "path_with_query": request.url.path
        + (f"?{request.url.query}" if request.url.query else ""),
    }
    tz = ZoneInfo(request.app.state.settings.timezone)
    data["status_label"] = lambda s: translations.gettext(STATUS_LABELS[s])
    data["product_name"] = lambda p: (
        PRODUCTS[p].name_zh if locale == "zh_CN" else PRODUCTS[p].name_en
    )
    data["local_time"] = lambda dt: dt.astimezone(tz).strftime("%Y-%m-%d %H:%M") if dt else ""
    data.update(context or {})
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, template, data, status_code=status_code)
    new = getattr(request.state, "new_csrf", None)
    if new and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.cookie_secure,
            path="/",
        )
    return response


def translate(request: Request, message: str) -> str:
    return i18n.gettext(page_locale(request, getattr(request.state, "user", None)), message)


def _page_user(request: Request, session: SessionDep, clock: ClockDep) -> User:
    user = resolve_user(request, session, clock)
    if user is None:
        raise LoginRequired(
            quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        )
    return user


class PageAllow:
    """Page access by role; an anonymous visitor is sent to the login page."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles) or frozenset(Role)

    def __call__(self, user: Annotated[User, Depends(_page_user)]) -> User:
        if user.role not in self.roles:
            raise PageForbidden("your role may not open this page")
        return user


PageUser = Annotated[User, Depends(PageAllow())]
StaffPageUser = Annotated[User, Depends(PageAllow(*(r for r in Role if r is not Role.SHIPPER)))]


def require_csrf(request: Request, submitted: str | None) -> None:
    if not csrf_ok(request, submitted):
        raise PageForbidden(
            "the form expired or came from another site; reload the page and try again"
        )
