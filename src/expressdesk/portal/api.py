"""JSON API of the address book."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from expressdesk.enums import Role
from expressdesk.models import User
from expressdesk.portal import service
from expressdesk.portal.service import EntryIn, EntryOut
from expressdesk.web.deps import Allow, ClockDep, RecordId, SessionDep
from expressdesk.web.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/address-book", tags=["address book"])
Reader = Annotated[User, Depends(Allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.SHIPPER))]
Code = Annotated[str | None, Query(max_length=24)]


@router.get("", response_model=list[EntryOut])
def list_entries(user: Reader, session: SessionDep, customer: Code = None) -> list[EntryOut]:
    """The account's saved senders and recipients (a shipper: its own)."""
    account = service.account_of(session, user, customer)
    return [EntryOut.model_validate(e) for e in service.entries(session, account)]


@router.post("", response_model=EntryOut, status_code=201)
def add_entry(data: EntryIn, user: Reader, session: SessionDep, clock: ClockDep,
              customer: Code = None) -> EntryOut:  # fmt: skip
    account = service.account_of(session, user, customer)
    return EntryOut.model_validate(service.add_entry(session, account, data, clock.now()))


@router.delete("/{entry_id}", status_code=204)
def remove_entry(entry_id: RecordId, user: Reader, session: SessionDep,
                 customer: Code = None) -> Response:  # fmt: skip
    service.remove_entry(session, service.account_of(session, user, customer), entry_id)
    return Response(status_code=204)
