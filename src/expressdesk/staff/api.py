"""JSON API of the staff feature: who am I, users, API tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from expressdesk.staff import repository, service
from expressdesk.staff.schemas import TokenCreate, TokenCreated, TokenOut, UserCreate, UserOut
from expressdesk.web.deps import AdminUser, AnyUser, ClockDep, RecordId, SessionDep
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["staff"])


@router.get("/me", response_model=UserOut)
def me(user: AnyUser) -> UserOut:
    """The caller."""
    return UserOut.model_validate(user)


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens(user: AnyUser, session: SessionDep) -> list[TokenOut]:
    """The caller's API tokens (never the tokens themselves)."""
    return [TokenOut.model_validate(t) for t in repository.tokens_of(session, user.id)]


@router.post("/me/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(
    data: TokenCreate, user: AnyUser, session: SessionDep, clock: ClockDep
) -> TokenCreated:
    """A new API token for the caller, shown once."""
    record, token = service.create_api_token(session, user, data.name, clock.now())
    return TokenCreated(
        id=record.id,
        name=record.name,
        prefix=record.prefix,
        token=token,
        created_at=record.created_at,
    )


@router.delete("/me/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: RecordId, user: AnyUser, session: SessionDep, clock: ClockDep
) -> TokenOut:
    """Revoke one of the caller's tokens."""
    return TokenOut.model_validate(service.revoke_api_token(session, user, token_id, clock.now()))


@router.get("/users", response_model=list[UserOut])
def list_users(user: AdminUser, session: SessionDep) -> list[UserOut]:
    """All users."""
    return [UserOut.model_validate(u) for u in repository.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, user: AdminUser, session: SessionDep, clock: ClockDep) -> UserOut:
    """Create a user with a role."""
    return UserOut.model_validate(service.create_user(session, data, clock.now()))
