"""The public tracking lookup: the busiest request of the system, answered on a short path.

Anyone may look a parcel up (masked) without logging in, and nearly every request to
``GET /api/v1/tracking/{number}`` is such an anonymous lookup. ``PublicLookupShortcut``
answers those in front of FastAPI's routing and dependency resolution (which cost as much as
the lookup itself: benchmarks/README.md); anything else it passes on untouched to the route,
which documents the API and serves logged-in callers. Both answer through ``public_lookup``,
so the two paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import asyncpg
from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection
from starlette.types import ASGIApp, Receive, Scope, Send

from expressdesk import i18n
from expressdesk.clock import Clock
from expressdesk.config import Settings
from expressdesk.db import Reader
from expressdesk.errors import AppError
from expressdesk.tracking import repository
from expressdesk.tracking.access import limit_public, visibility
from expressdesk.tracking.query import build_tracking_view, people_named
from expressdesk.tracking.repository import FacilityName
from expressdesk.tracking.schemas import TrackingOut
from expressdesk.waybills import repository as waybill_repo
from expressdesk.waybills.service import WaybillNotFound, check_waybill_number
from expressdesk.web.deps import has_credentials
from expressdesk.web.routing import API_PREFIX

if TYPE_CHECKING:
    from expressdesk.db import AsyncReads

LOOKUP_PATH = f"{API_PREFIX}/tracking/"
# What a read on a connection the server has dropped raises (asyncpg).
DROPPED = (
    asyncpg.exceptions.PostgresConnectionError,  # incl. "connection does not exist"
    asyncpg.exceptions.AdminShutdownError,  # "terminating connection due to administrator command"
    # An idle connection that received the server's closing message before its next query
    # ("cannot switch to state …; another operation is in progress").
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
)
# The route's query parameters and their bounds (the route declares the same for FastAPI).
PHONE_LAST4_MAX = 4
LANG_MAX = 8


def lookup_locale(request: Request, lang: str | None) -> str:
    """``lang`` if it names a supported locale, else the browser's Accept-Language."""
    return i18n.normalize_locale(lang) or i18n.negotiate(request.headers.get("accept-language"))


def json_response(view: TrackingOut) -> Response:
    # Serialised once, here: returning the model from a route would make FastAPI dump,
    # re-validate and dump it again (the route's response_model still documents the shape).
    return Response(view.model_dump_json(), media_type="application/json")


def public_waybill(db: Reader, number: str, settings: Settings) -> Any:
    """The tracking columns of any waybill (the public may look up every number)."""
    valid = check_waybill_number(number, settings)
    waybill = waybill_repo.tracking_record(db, valid)
    if waybill is None:
        raise WaybillNotFound(f"waybill {valid} not found")
    return waybill


async def public_lookup(
    request: Request, number: str, phone_last4: str | None, lang: str | None
) -> Response:
    """One anonymous lookup, rate-limited per client: masked unless ``phone_last4`` matches."""
    state = request.app.state
    clock: Clock = state.clock
    settings: Settings = state.settings
    now = clock.now()
    locale = lookup_locale(request, lang)
    limit_public(request, None, 1, now)  # refused before any database work

    def answer(found: Reads) -> Response:
        waybill, events, facilities, people = found
        seen = visibility(None, waybill, phone_last4)
        view = build_tracking_view(
            waybill, events, facilities, people, locale=locale, now=now, reveal=seen.reveal,
            staff=False,
        )  # fmt: skip
        return json_response(view)

    def lookup() -> Response:
        with state.read_engine.connect() as conn:
            return answer(_read(conn, number, settings))

    reads: AsyncReads | None = state.async_reads
    if reads is not None and not reads.closed:
        # PostgreSQL: the reads are awaited on the event loop (db.AsyncReads).
        return answer(await _read_async(reads, number, settings))
    # On embedded SQLite the lookup is a few hundred microseconds of CPU and no network wait:
    # it runs on the event loop, which saves a hand-off to the thread pool (costing about as
    # much as the queries; the GIL serialises the work anyway), on the loop's own connection
    # (app.state.loop_reads). PostgreSQL without its asynchronous pool (an application that was
    # built but not started) uses the thread pool.
    if state.engine.dialect.name != "sqlite":
        return await run_in_threadpool(lookup)
    conn = state.loop_reads
    if conn is None:  # not started (lifespan not run)
        return lookup()
    try:
        return answer(_read(conn, number, settings))
    finally:
        if conn.in_transaction():  # a read through SQLAlchemy began one: never keep a snapshot
            conn.rollback()


Reads = tuple[Any, list[Any], dict[int, FacilityName], dict[int, str]]


def _read(conn: Connection, number: str, settings: Settings) -> Reads:
    """The waybill, its timeline, the facility directory and the couriers' names, read on a
    connection outside any unit of work (autocommit)."""
    waybill = public_waybill(conn, number, settings)
    events = repository.timeline_rows(conn, waybill)
    facilities = repository.facility_directory(conn)
    people = repository.usernames(conn, people_named(events, False))
    return waybill, events, facilities, people


async def _read_async(reads: AsyncReads, number: str, settings: Settings) -> Reads:
    """The waybill, its timeline, the facility directory and the couriers' names, read on an
    asynchronous connection. A connection the server dropped (a restart, a fail-over) fails
    the first read: then every connection of the pool is replaced (the server dropped the others
    too, whether they noticed or not) and the read, which changes nothing, is made once more."""
    valid = check_waybill_number(number, settings)
    try:
        return await _reads(reads, valid)
    except DROPPED:
        await reads.renew()
        return await _reads(reads, valid)


async def _reads(reads: AsyncReads, number: str) -> Reads:
    dialect = reads.dialect
    async with reads.connection() as conn:
        waybill = await waybill_repo.tracking_record_async(conn, dialect, number)
        if waybill is None:
            raise WaybillNotFound(f"waybill {number} not found")
        events = await repository.timeline_rows_async(conn, dialect, waybill)
        facilities = await repository.facility_directory_async(conn, dialect, reads.engine)
        people = await repository.usernames_async(conn, dialect, people_named(events, False))
    return waybill, events, facilities, people


ErrorRenderer = Callable[[Request, AppError], Awaitable[Response]]


class PublicLookupShortcut:
    """ASGI middleware: answers an anonymous ``GET /api/v1/tracking/{number}`` whose query is
    plain (at most ``phone_last4`` and ``lang``, within their bounds) through
    ``public_lookup``; every other request — with a login cookie or an API token, with other or
    out-of-bound parameters, other paths and methods — goes on to the application as usual.

    Errors are rendered by ``on_error``: the application's own AppError handler (the same
    ``{"error", "detail"}`` bodies and headers, e.g. Retry-After on 429).
    """

    def __init__(self, app: ASGIApp, on_error: ErrorRenderer) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            number = path[len(LOOKUP_PATH) :] if path.startswith(LOOKUP_PATH) else ""
            if number and "/" not in number:
                params = _plain_query(scope["query_string"])
                request = Request(scope, receive)
                if params is not None and not has_credentials(request):
                    try:
                        response = await public_lookup(
                            request, number, params.get("phone_last4"), params.get("lang")
                        )
                    except AppError as exc:
                        response = await self.on_error(request, exc)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _plain_query(raw: bytes) -> dict[str, str] | None:
    """The lookup's parameters when the route would accept them as they are, else None (the
    route then validates them and answers its 422 itself)."""
    if not raw:
        return {}
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    params = dict(pairs)
    if len(params) != len(pairs) or not params.keys() <= {"phone_last4", "lang"}:
        return None
    if len(params.get("phone_last4", "")) > PHONE_LAST4_MAX:
        return None
    if len(params.get("lang", "")) > LANG_MAX:
        return None
    return params
