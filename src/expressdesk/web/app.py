"""The application factory: JSON API under /api/v1, pages, static files, one error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from expressdesk import __version__
from expressdesk.clock import Clock, SystemClock
from expressdesk.config import Settings
from expressdesk.db import async_read_pool, create_db_engine, create_session_factory, read_only
from expressdesk.errors import AppError, FieldProblem
from expressdesk.tracking.public import PublicLookupShortcut
from expressdesk.web.deps import Allow
from expressdesk.web.pages import LoginRequired, make_templates, render
from expressdesk.web.ratelimit import RateLimiter
from expressdesk.web.routing import API_PREFIX, add_routes

log = logging.getLogger("expressdesk")
STATIC_DIR = Path(__file__).parent / "static"


class BodySizeLimit:
    """Refuse request bodies above a limit before reading them (413 with a JSON error)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.limit:
                response = JSONResponse(
                    {
                        "error": "payload_too_large",
                        "detail": f"request body larger than {self.limit} bytes",
                    },
                    status_code=413,
                )
                await response(scope, receive, send)
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.limit:
                        raise AppError(
                            f"request body larger than {self.limit} bytes", status_code=413
                        )
                return message

            await self.app(scope, limited_receive, send)
            return
        await self.app(scope, receive, send)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _fresh_user(request: Request) -> None:
    """The page's user after its request's session was rolled back and closed (an error raised
    in a page): loaded again so the error page can show who is logged in."""
    from sqlalchemy import inspect

    from expressdesk.models import User

    user = getattr(request.state, "user", None)
    if user is None:
        return
    state = inspect(user)
    if not (state.detached and state.expired_attributes):
        return
    with request.app.state.session_factory() as session:
        fresh = session.get(User, state.identity[0]) if state.identity else None
        if fresh is not None:
            session.expunge(fresh)
    request.state.user = fresh


def _error_response(request: Request, status_code: int, body: dict[str, Any]) -> Response:
    if _wants_html(request):
        _fresh_user(request)
        return render(
            request, "errors/error.html", {"status": status_code, "error": body}, status_code
        )
    return JSONResponse(body, status_code=status_code)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


async def app_error_response(request: Request, exc: AppError) -> Response:
    """An application error as the caller reads it: JSON (or an error page), with its headers."""
    response = _error_response(request, exc.status_code, exc.as_dict())
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"error": "not_authenticated", "detail": "log in first"}, status_code=401
            )
        return RedirectResponse(f"/login?next={exc.message}", status_code=303)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return await app_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            FieldProblem(_loc_to_field(tuple(e["loc"])), str(e["type"]), str(e["msg"]))
            for e in exc.errors()
        ]
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        body = {
            "error": "validation_failed",
            "detail": detail,
            "problems": [p.as_dict() for p in problems],
        }
        return _error_response(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        body = {"error": codes.get(exc.status_code, "http_error"), "detail": str(exc.detail)}
        return _error_response(request, exc.status_code, body)

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError) -> Response:
        body = {
            "error": "conflict",
            "detail": "someone else changed this record; reload and try again",
        }
        return _error_response(request, 409, body)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # A value the database cannot hold (a bound missed by validation): the client's input.
        log.warning("data error on %s: %s", request.url.path, exc.orig)
        body = {
            "error": "validation_failed",
            "detail": "a value is out of range or of the wrong form",
        }
        return _error_response(request, 422, body)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        body = {
            "error": "conflict",
            "detail": "the change conflicts with existing data (duplicate or missing reference)",
        }
        return _error_response(request, 409, body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = {
            "error": "internal_error",
            "detail": "an unexpected error occurred; it has been logged",
        }
        return _error_response(request, 500, body)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Sync routes run in a thread pool; a few threads serve more requests per second than many,
    # which mostly contend for the GIL (measured in benchmarks/tracking_lookup.py).
    limiter = anyio.to_thread.current_default_thread_limiter()
    settings: Settings = app.state.settings
    embedded = app.state.engine.dialect.name == "sqlite"
    limiter.total_tokens = settings.worker_threads or (2 if embedded else 8)
    reads = app.state.async_reads  # PostgreSQL's asynchronous pool for the public's lookups
    if reads is not None:
        await reads.open()
    if embedded:
        # SQLite: the public's lookups run on the event loop, one at a time, on this connection
        # (taking one from the pool and giving it back cost as much as a tenth of a lookup).
        app.state.loop_reads = app.state.read_engine.connect()
    try:
        yield
    finally:
        if app.state.loop_reads is not None:
            app.state.loop_reads.close()
            app.state.loop_reads = None
        if reads is not None:
            await reads.close()


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """A configured ExpressDesk application (nothing happens at import time)."""
    from expressdesk.customers.api import router as customers_router
    from expressdesk.customers.views import api_router as surveys_router
    from expressdesk.customers.views import router as survey_pages
    from expressdesk.desk.api import desk_router
    from expressdesk.desk.api import router as tickets_router
    from expressdesk.desk.rule_pages import router as desk_rule_pages
    from expressdesk.desk.views import router as desk_pages
    from expressdesk.field.views import router as field_pages
    from expressdesk.network.api import router as network_router
    from expressdesk.notify.api import router as notify_router
    from expressdesk.notify.views import router as notify_pages
    from expressdesk.pickups.api import public_router as public_pickups_router
    from expressdesk.pickups.api import router as pickups_router
    from expressdesk.portal.api import router as address_book_router
    from expressdesk.portal.views import router as portal_pages
    from expressdesk.problems.api import outlets_router
    from expressdesk.problems.api import router as problems_router
    from expressdesk.problems.views import router as problem_pages
    from expressdesk.reports.views import api_router as reports_router
    from expressdesk.reports.views import router as report_pages
    from expressdesk.staff.api import router as staff_router
    from expressdesk.staff.views import router as auth_pages
    from expressdesk.tracking.api import router as tracking_router
    from expressdesk.tracking.views import router as tracking_pages
    from expressdesk.waybills.api import quotes_router
    from expressdesk.waybills.api import router as waybills_router
    from expressdesk.waybills.views import router as waybill_pages
    from expressdesk.web.views import router as shell_pages

    engine = engine or create_db_engine(settings.effective_database_url)
    app = FastAPI(
        title="ExpressDesk",
        version=__version__,
        description="Operations and customer-service platform of an express-delivery company.",
        docs_url=None,  # served below from the swagger-ui-bundle package: no CDN
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.engine = engine
    app.state.read_engine = read_only(engine)
    app.state.async_reads = async_read_pool(engine, settings.public_read_connections)
    app.state.loop_reads = None  # opened by the lifespan on SQLite
    app.state.session_factory = create_session_factory(engine)
    app.state.writer_session_factory = create_session_factory(engine, writes=True)
    app.state.templates = make_templates()
    app.state.public_limiter = RateLimiter(settings.public_lookups_per_minute)
    app.state.form_limiter = RateLimiter(settings.public_tickets_per_hour, timedelta(hours=1))

    # The public's tracking lookups first: the most frequent request is matched first.
    add_routes(
        app,
        tracking_router,
        staff_router,
        network_router,
        customers_router,
        waybills_router,
        quotes_router,
        problems_router,
        outlets_router,
        tickets_router,
        desk_router,
        notify_router,
        surveys_router,
        reports_router,
        pickups_router,
        public_pickups_router,
        address_book_router,
    )

    # Health is public on purpose (load balancers), declared like every other route.
    @app.get("/healthz", tags=["health"], dependencies=[Depends(Allow.public_route())])
    def healthz() -> dict[str, str]:
        """200 when the database answers."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise AppError("database unreachable", status_code=503) from exc
        return {"status": "ok", "version": __version__}

    add_routes(
        app,
        auth_pages,
        shell_pages,
        waybill_pages,
        tracking_pages,
        problem_pages,
        desk_pages,
        desk_rule_pages,
        notify_pages,
        survey_pages,
        report_pages,
        field_pages,
        portal_pages,
    )
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=f"{API_PREFIX}/openapi.json",
            title="ExpressDesk API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    install_error_handlers(app)

    # Uploads are capped by settings; JSON bodies by the same figure plus form overhead.
    largest = max(settings.max_upload_bytes, settings.photo_max_bytes)
    app.add_middleware(BodySizeLimit, limit=largest + 64 * 1024)
    # Outermost: the public's lookups skip the rest (see tracking/public.py).
    app.add_middleware(PublicLookupShortcut, on_error=app_error_response)
    return app
