"""Request dependencies: the unit of work, the clock, the settings, and who may call a route.

Every API route declares its access with ``Allow`` (a test walks the routes and fails on any
route without one), so permission checks are never improvised inside a route.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from expressdesk.clock import Clock
from expressdesk.config import Settings
from expressdesk.enums import STAFF_ROLES, Role
from expressdesk.errors import NotAuthenticated, PermissionDenied
from expressdesk.models import User
from expressdesk.staff import service as staff_service

log = logging.getLogger("expressdesk")
SESSION_COOKIE = "ed_session"
CSRF_COOKIE = "ed_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request; committed when the route returns, rolled back on any error.
    Requests that change things get a writer session (see ``db.create_session_factory``).

    Async on purpose: making a session does no I/O, and a request that never touched the
    database finishes without a hop to the thread pool; the commit runs there.
    """
    state = request.app.state
    factory = (
        state.writer_session_factory if request.method in UNSAFE_METHODS else state.session_factory
    )
    session: Session = factory()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_finish, session, False)
        raise
    if session.in_transaction():
        await run_in_threadpool(_finish, session, True)
    else:
        session.close()


# Trivial dependencies are async: FastAPI runs sync ones in the thread pool, a hop per call.
async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so a failed commit is
# reported to the client instead of being lost after a 200.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """Double-submit check: the value sent with the request equals the CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted and hmac.compare_digest(cookie, submitted))


def _touch_token(request: Request, token_id: int, clock: Clock) -> None:
    """Record the token's use in a transaction of its own: best effort, never failing a request
    (and never turning a read-only request into a writing one)."""
    try:
        with request.app.state.writer_session_factory.begin() as session:
            staff_service.touch_token(session, token_id, clock.now())
    except OperationalError:
        log.warning("could not record the use of API token %s", token_id, exc_info=True)


def has_credentials(request: Request) -> bool:
    """Whether the request carries an API token or a login cookie (valid or not)."""
    return _bearer_token(request) is not None or SESSION_COOKIE in request.cookies


def resolve_user(request: Request, session: Session, clock: Clock) -> User | None:
    """The caller: by bearer API token, else by login cookie. Cached on the request."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    user: User | None = None
    token = _bearer_token(request)
    request.state.via_cookie = False
    if token is not None:
        found = staff_service.user_for_api_token(session, token, clock.now())
        if found is None:
            raise NotAuthenticated("the API token is unknown, revoked, or its user is disabled")
        user, record = found
        if staff_service.token_needs_touch(record, clock.now()):
            if request.method in UNSAFE_METHODS:  # this request writes anyway: same transaction
                staff_service.touch_token(session, record.id, clock.now())
            else:
                _touch_token(request, record.id, clock)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            user = staff_service.user_for_web_session(session, cookie, clock.now())
            request.state.via_cookie = user is not None
    request.state.user = user
    return user


class Allow:
    """Declares which roles may call a route, e.g. ``Depends(Allow(Role.AGENT, Role.ADMIN))``.

    ``Allow.public()`` marks a route open to anyone; ``Allow.authenticated()`` any logged-in
    user (routes then narrow the data to what the user may see).
    """

    def __init__(self, *roles: Role, public: bool = False, any_user: bool = False) -> None:
        self.roles = frozenset(roles)
        self.public = public
        self.any_user = any_user
        if not (roles or public or any_user):
            raise ValueError("Allow needs roles, public=True or any_user=True")

    @classmethod
    def public_route(cls) -> Allow:
        return cls(public=True)

    @classmethod
    def authenticated(cls) -> Allow:
        return cls(any_user=True)

    @classmethod
    def staff(cls) -> Allow:
        return cls(*STAFF_ROLES)

    async def __call__(self, request: Request, session: SessionDep, clock: ClockDep) -> User | None:
        if has_credentials(request):
            user = await run_in_threadpool(resolve_user, request, session, clock)
        else:
            request.state.user = user = None
            request.state.via_cookie = False
        if self.public:
            return user
        if user is None:
            raise NotAuthenticated("log in or send 'Authorization: Bearer <API token>'")
        cookie_write = request.method in UNSAFE_METHODS and request.state.via_cookie
        if cookie_write and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
            raise PermissionDenied(f"missing or wrong {CSRF_HEADER} header (CSRF protection)")
        if not self.any_user and user.role not in self.roles:
            allowed = ", ".join(sorted(r.value for r in self.roles))
            raise PermissionDenied(f"role '{user.role.value}' may not do this (allowed: {allowed})")
        return user

    def __repr__(self) -> str:
        if self.public:
            return "Allow(public)"
        if self.any_user:
            return "Allow(any user)"
        return f"Allow({', '.join(sorted(r.value for r in self.roles))})"


StaffUser = Annotated[User, Depends(Allow.staff())]
AnyUser = Annotated[User, Depends(Allow.authenticated())]
OptionalUser = Annotated[User | None, Depends(Allow.public_route())]
AdminUser = Annotated[User, Depends(Allow(Role.ADMIN))]
DeskUser = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT))]

# Shared parameter types: bounded so no number can overflow a database column.
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
