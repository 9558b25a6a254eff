"""Use cases of the staff feature: users, logins, sessions, API tokens. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from expressdesk.enums import Role
from expressdesk.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from expressdesk.models import ApiToken, Customer, Facility, User, WebSession
from expressdesk.staff import repository
from expressdesk.staff.schemas import UserCreate
from expressdesk.staff.security import (
    API_TOKEN_PREFIX,
    hash_password,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)

# A real hash to verify against when the user does not exist, so a wrong username takes as
# long as a wrong password (no user enumeration by timing).
_DUMMY_HASH: list[str] = []


def create_user(session: Session, data: UserCreate, now: datetime) -> User:
    """Create a user; shippers must belong to a customer account, staff may belong to a facility."""
    if repository.user_by_username(session, data.username) is not None:
        raise Conflict(f"username: '{data.username}' is already taken")
    problem = password_problem(data.password)
    if problem:
        raise ValidationFailed.on("password", "password_strength", problem)
    facility_id = customer_id = None
    if data.facility_code:
        facility = session.scalar(select(Facility).where(Facility.code == data.facility_code))
        if facility is None:
            raise ValidationFailed.on(
                "facility_code", "unknown_code", f"no facility '{data.facility_code}'"
            )
        facility_id = facility.id
    if data.role is Role.SHIPPER:
        if not data.customer_code:
            raise ValidationFailed.on(
                "customer_code", "required", "a shipper user needs a customer account"
            )
        customer = session.scalar(select(Customer).where(Customer.code == data.customer_code))
        if customer is None:
            raise ValidationFailed.on(
                "customer_code", "unknown_code", f"no customer '{data.customer_code}'"
            )
        customer_id = customer.id
    elif data.customer_code:
        raise ValidationFailed.on(
            "customer_code", "not_allowed", "only shipper users belong to a customer"
        )
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role,
        password_hash=hash_password(data.password),
        phone=data.phone,
        email=data.email,
        locale=data.locale,
        facility_id=facility_id,
        customer_id=customer_id,
        is_active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, now: datetime) -> User:
    """The active user with these credentials, or ``NotAuthenticated`` (same message either way)."""
    user = repository.user_by_username(session, username.strip())
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password("not-a-real-password-1"))
        verify_password(_DUMMY_HASH[0], password)
        raise NotAuthenticated("wrong username or password")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise NotAuthenticated("wrong username or password")
    user.last_login_at = now
    return user


@dataclass(frozen=True)
class IssuedSecret:
    """A new secret (cookie value or API token) and its stored record."""

    secret: str
    record_id: int


def open_web_session(session: Session, user: User, now: datetime, days: int) -> IssuedSecret:
    repository.delete_expired_sessions(session, now)
    secret = new_token()
    record = WebSession(
        token_hash=token_digest(secret),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(record)
    session.flush()
    return IssuedSecret(secret, record.id)


def close_web_session(session: Session, secret: str) -> None:
    record = repository.web_session_by_digest(session, token_digest(secret))
    if record is not None:
        session.delete(record)


def user_for_web_session(session: Session, secret: str, now: datetime) -> User | None:
    record = repository.web_session_by_digest(session, token_digest(secret))
    if record is None or record.expires_at <= now:
        return None
    user = repository.user_by_id(session, record.user_id)
    return user if user is not None and user.is_active else None


def create_api_token(
    session: Session, user: User, name: str, now: datetime
) -> tuple[ApiToken, str]:
    """A new API token for ``user``; the plain token is returned once and never stored."""
    token = new_token(API_TOKEN_PREFIX)
    record = ApiToken(
        user_id=user.id,
        name=name,
        prefix=token[: len(API_TOKEN_PREFIX) + 4],
        token_hash=token_digest(token),
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record, token


TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def user_for_api_token(session: Session, token: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user of a valid token, with the token's record (not modified here)."""
    record = repository.api_token_by_digest(session, token_digest(token))
    if record is None or record.revoked_at is not None:
        return None
    user = repository.user_by_id(session, record.user_id)
    if user is None or not user.is_active:
        return None
    return user, record


def token_needs_touch(record: ApiToken, now: datetime) -> bool:
    """last_used_at is written at most once a minute, so device traffic does not rewrite it."""
    return record.last_used_at is None or now - record.last_used_at > TOKEN_TOUCH_INTERVAL


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def revoke_api_token(session: Session, user: User, token_id: int, now: datetime) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None or (record.user_id != user.id and user.role is not Role.ADMIN):
        raise NotFound(f"no API token {token_id}")
    if record.revoked_at is None:
        record.revoked_at = now
    return record


def set_locale(user: User, locale: str) -> None:
    if locale not in ("zh_CN", "en"):
        raise ValidationFailed.on("locale", "one_of", "must be zh_CN or en")
    user.locale = locale
