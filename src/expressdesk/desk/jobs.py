"""The desk's periodic jobs, run by ``expressdesk worker``: clock warnings and breaches, late
call-backs, searches past their deadline, parcels past the complete-delay limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import followups, searches
from expressdesk.desk.clocks import load_setup
from expressdesk.enums import Role
from expressdesk.models import User


@dataclass(frozen=True)
class DeskJobsReport:
    warned: int
    breached: int
    escalated: int
    callbacks_late: int
    searches_moved: int
    declared_lost: int

    @property
    def total(self) -> int:
        return sum(self.__dict__.values())


def system_actor(session: Session) -> User | None:
    """Whom the system's own scans are recorded under: the first active admin."""
    return session.scalar(
        select(User).where(User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id)
    )


def run(session: Session, settings: Settings, now: datetime) -> DeskJobsReport:
    setup = load_setup(session, settings)
    clocks = followups.sweep(session, setup, now)
    moved = lost = 0
    actor = system_actor(session)
    if actor is not None:
        moved, lost = searches.sweep(session, now, setup, settings, actor)
    return DeskJobsReport(
        clocks.warned, clocks.breached, clocks.escalated, clocks.callbacks_late, moved, lost
    )
