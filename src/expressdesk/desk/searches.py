"""Lost-parcel searches (找件): one owner at one unit with a deadline, walking back the custody
chain; past the product's complete-delay limit (彻底延误) the parcel is declared lost and a claim
is opened against the unit that last held it. Flushes, never commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import repository
from expressdesk.desk.assign import choose_owner
from expressdesk.desk.clocks import DeskSetup
from expressdesk.desk.rules import DeskRules
from expressdesk.desk.schemas import SearchReport
from expressdesk.desk.service import SUPERVISING, add_entry, link_waybill
from expressdesk.enums import Role, ShipmentStatus
from expressdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from expressdesk.models import Search, SearchStep, Ticket, User, Waybill
from expressdesk.tracking.query import custody_steps
from expressdesk.tracking.scan_types import ScanType
from expressdesk.tracking.service import ingest_scans

log = logging.getLogger("expressdesk.desk")
# A parcel already in these states is not searched for.
NOT_SEARCHED = frozenset(
    {
        ShipmentStatus.DELIVERED,
        ShipmentStatus.RETURNED,
        ShipmentStatus.LOST,
        ShipmentStatus.CANCELLED,
        ShipmentStatus.CREATED,
    }
)
UNIT_ROLES = (Role.OPERATIONS, Role.COURIER, Role.SUPERVISOR)
_SPECIAL_REGIONS = {"香港": "hk_macao", "澳门": "hk_macao", "台湾": "taiwan"}


class SearchNotFound(NotFound):
    code = "search_not_found"


class SearchClosed(Conflict):
    code = "search_closed"


class SearchChanged(Conflict):
    code = "search_changed"


def delay_limit(waybill: Waybill, rules: DeskRules) -> timedelta:
    """The complete-delay limit of the parcel's lane: this long past its promise, it is lost."""
    province = waybill.recipient_province or ""
    scope = next((v for k, v in _SPECIAL_REGIONS.items() if province.startswith(k)), None)
    if scope is None:
        same_city = waybill.sender_city and waybill.sender_city == waybill.recipient_city
        scope = "same_city" if same_city else "domestic"
    return timedelta(days=rules.number(f"delay_limit.{scope}_days"))


def lost_after(waybill: Waybill, rules: DeskRules) -> datetime | None:
    """When an undelivered parcel counts as lost (彻底延误): its promise plus the lane's limit."""
    promise = waybill.promised_by or waybill.estimated_delivery_at
    if promise is None or waybill.status in NOT_SEARCHED:
        return None
    return promise + delay_limit(waybill, rules)


def chain_units(session: Session, waybill: Waybill) -> list[int]:
    """The units of the custody chain, the last holder first, each once."""
    units: list[int] = []
    for step in reversed(custody_steps(session, waybill)):
        if step.facility_id is not None and step.facility_id not in units:
            units.append(step.facility_id)
    return units


def _owner_at(session: Session, facility_id: int | None) -> tuple[int | None, bool]:
    """The least-loaded on-duty person at the unit, else a supervisor (second: at supervisor)."""
    if facility_id is not None:
        owner = choose_owner(repository.candidates(session, UNIT_ROLES, facility_id=facility_id))
        if owner is not None:
            return owner, False
    # A supervisor on duty, else any supervisor, else an admin: a search never has no owner.
    for roles, on_duty in (([Role.SUPERVISOR], True), ([Role.SUPERVISOR], False),
                           (list(SUPERVISING), False)):  # fmt: skip
        owner = choose_owner(repository.candidates(session, roles, on_duty=on_duty))
        if owner is not None:
            return owner, True
    return None, True


def _step(session: Session, search: Search, outcome: str, now: datetime, actor: User | None,
          looked: str = "") -> None:  # fmt: skip
    session.add(
        SearchStep(
            search_id=search.id,
            facility_id=search.facility_id,
            owner_id=search.owner_id,
            actor_id=actor.id if actor else None,
            outcome=outcome,
            looked=looked,
            at=now,
        )
    )


def open_search(
    session: Session,
    ticket: Ticket | None,
    waybill: Waybill,
    now: datetime,
    setup: DeskSetup,
    actor: User | None = None,
) -> Search:
    """Open a search with the unit that last scanned the parcel; one open search per parcel."""
    existing = [
        s for s in repository.searches_of(session, open_only=True) if s.waybill_id == waybill.id
    ]
    if existing:
        search = existing[0]
        if ticket is not None and search.ticket_id is None:
            search.ticket_id = ticket.id
        return search
    if waybill.status in NOT_SEARCHED:
        raise ValidationFailed.on(
            "waybill",
            "not_searchable",
            f"{waybill.number} is {waybill.status.value}: nothing to search",
        )
    chain = chain_units(session, waybill)
    facility_id = chain[0] if chain else None
    owner, at_supervisor = _owner_at(session, facility_id)
    search = Search(
        ticket_id=ticket.id if ticket else None,
        waybill_id=waybill.id,
        chain=chain,
        step=0,
        facility_id=facility_id if not at_supervisor else None,
        owner_id=owner,
        at_supervisor=at_supervisor,
        opened_at=now,
        deadline_at=now + timedelta(hours=setup.rules.number("search.step_hours")),
        status="open",
    )
    session.add(search)
    session.flush()
    _step(session, search, "assigned", now, actor)
    if ticket is not None:
        add_entry(
            session, ticket, "search", now, actor,
            data={"search": search.id, "outcome": "opened", "owner": owner, "unit": facility_id},
        )  # fmt: skip
    session.flush()
    return search


def _move_back(session: Session, search: Search, now: datetime, setup: DeskSetup) -> None:
    """The unit did not find it: the previous holder in the chain searches next, then the
    supervisor."""
    search.step += 1
    if search.step < len(search.chain):
        search.facility_id = search.chain[search.step]
        search.owner_id, search.at_supervisor = _owner_at(session, search.facility_id)
        if search.at_supervisor:
            search.facility_id = None
    else:
        search.facility_id = None
        search.owner_id, search.at_supervisor = _owner_at(session, None)
    search.deadline_at = now + timedelta(hours=setup.rules.number("search.step_hours"))
    _step(session, search, "assigned", now, None)


def report(
    session: Session,
    actor: User,
    search_id: int,
    data: SearchReport,
    now: datetime,
    setup: DeskSetup,
    settings: Settings,
) -> Search:
    """The owner (or a supervisor) reports where the unit looked and what came of it."""
    search = session.get(Search, search_id, with_for_update=True, populate_existing=True)
    if search is None:
        raise SearchNotFound(f"search {search_id} not found")
    if data.version is not None and data.version != search.version:
        raise SearchChanged(f"search {search_id} changed since you saw it; reload it")
    if search.status != "open":
        raise SearchClosed(f"search {search_id} is already {search.status}")
    if actor.id != search.owner_id and actor.role not in SUPERVISING:
        raise PermissionDenied("only the search's owner or a supervisor may report on it")
    ticket = session.get(Ticket, search.ticket_id) if search.ticket_id else None
    waybill = session.get(Waybill, search.waybill_id)
    assert waybill is not None
    if data.outcome == "found":
        place = data.facility
        facility = repository.facility_by_code(session, place) if place else None
        if place and facility is None:
            raise ValidationFailed.on("facility", "unknown_facility", f"no facility {place}")
        facility_id = (
            facility.id
            if facility
            else search.facility_id or (search.chain[0] if search.chain else None)
        )
        code = repository.facility_codes(session, [facility_id]).get(facility_id or 0)
        if code is None:
            raise ValidationFailed.on("facility", "required", "say where the parcel was found")
        # The parcel gets a scan where it was found, and moves on from there.
        scan = {
            "waybill": waybill.number,
            "type": ScanType.ARRIVAL.value,
            "time": now.isoformat(),
            "facility": code,
            "client_scan_id": f"search-{search.id}-found",
            "note": "found by a search (找件)",
        }
        result = ingest_scans(session, [scan], actor, now, settings)
        if result.results[0].outcome == "rejected":
            raise ValidationFailed.on("facility", "scan_refused", result.results[0].reason or "")
        _step(session, search, "found", now, actor, data.looked)
        search.status, search.closed_at = "found", now
        if ticket is not None:
            add_entry(
                session, ticket, "search", now, actor, body=data.looked,
                data={"search": search.id, "outcome": "found", "facility": code},
            )  # fmt: skip
    else:
        _step(session, search, "not_found", now, actor, data.looked)
        _move_back(session, search, now, setup)
        if ticket is not None:
            add_entry(
                session, ticket, "search", now, actor, body=data.looked,
                data={"search": search.id, "outcome": "not_found", "next_owner": search.owner_id},
            )  # fmt: skip
    session.flush()
    return search


def sweep(session: Session, now: datetime, setup: DeskSetup, settings: Settings,
          system: User) -> tuple[int, int]:  # fmt: skip
    """Searches past their deadline move back a step; parcels past the complete-delay limit are
    declared lost with a claim. Returns (moved, declared lost)."""
    from expressdesk.desk.claims import open_loss_claim  # claims build on searches

    moved = lost = 0
    for search in repository.searches_due(session, now):
        _step(session, search, "expired", now, None)
        _move_back(session, search, now, setup)
        moved += 1
    for search in repository.open_searches(session):
        waybill = session.get(Waybill, search.waybill_id)
        assert waybill is not None
        limit = lost_after(waybill, setup.rules)
        if limit is None or now < limit:
            continue
        scan = {
            "waybill": waybill.number,
            "type": ScanType.DECLARED_LOST.value,
            "time": now.isoformat(),
            "client_scan_id": f"search-{search.id}-lost",
            "note": "complete-delay limit passed (彻底延误)",
        }
        outcome = ingest_scans(session, [scan], system, now, settings).results[0]
        if outcome.outcome == "rejected":
            log.warning("could not declare %s lost: %s", waybill.number, outcome.detail)
            continue
        responsible = search.chain[0] if search.chain else None
        ticket = session.get(Ticket, search.ticket_id) if search.ticket_id else None
        claim = open_loss_claim(session, waybill, ticket, responsible, now, setup, system)
        search.status, search.closed_at, search.claim_id = "lost", now, claim.id
        _step(session, search, "lost", now, None)
        if ticket is not None:
            link_waybill(session, ticket, waybill)
            add_entry(
                session, ticket, "search", now, None,
                data={"search": search.id, "outcome": "lost", "claim": claim.number},
            )  # fmt: skip
        lost += 1
    session.flush()
    return moved, lost


def open_search_for_trace(
    session: Session, ticket: Ticket, now: datetime, setup: DeskSetup, actor: User | None
) -> Search | None:
    """A trace request (查件) opens a search for its parcel, unless the parcel is not one to
    search for (delivered, returned, not yet picked up…): then the agent answers from tracking."""
    numbers = repository.waybill_numbers(session, [ticket.id])[ticket.id]
    if not numbers:
        return None
    waybill = repository.waybills_by_number(session, numbers[:1])[numbers[0]]
    if waybill.status in NOT_SEARCHED:
        return None
    return open_search(session, ticket, waybill, now, setup, actor)


def search_out(session: Session, search: Search) -> dict[str, object]:
    """A search as the API shows it."""
    people = repository.usernames(
        session,
        [search.owner_id, *(s.owner_id for s in search.steps), *(s.actor_id for s in search.steps)],
    )
    units = repository.facility_codes(
        session, [search.facility_id, *search.chain, *(s.facility_id for s in search.steps)]
    )
    waybill = session.get(Waybill, search.waybill_id)
    ticket = session.get(Ticket, search.ticket_id) if search.ticket_id else None
    return {
        "id": search.id,
        "waybill": waybill.number if waybill else None,
        "ticket": ticket.number if ticket else None,
        "status": search.status,
        "unit": units.get(search.facility_id or 0),
        "owner": people.get(search.owner_id or 0),
        "at_supervisor": search.at_supervisor,
        "chain": [units.get(f) for f in search.chain],
        "step": search.step,
        "deadline_at": search.deadline_at.isoformat(),
        "version": search.version,
        "steps": [
            {
                "unit": units.get(s.facility_id or 0),
                "owner": people.get(s.owner_id or 0),
                "by": people.get(s.actor_id or 0),
                "outcome": s.outcome,
                "looked": s.looked,
                "at": s.at.isoformat(),
            }
            for s in search.steps
        ],
    }
