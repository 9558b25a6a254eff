"""Who gets a ticket or a search: assignment rules as a pure function. No I/O.

The rules narrow the on-duty people step by step (type skill, outlet, language), each step only
when someone is left after it, and then take the least loaded (ties: the longest-serving id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    user_id: int
    facility_id: int | None
    locale: str | None
    skills: frozenset[str]  # ticket types the person takes; empty: all
    load: int  # open tickets and searches owned now


def choose_owner(
    candidates: Sequence[Candidate],
    *,
    ticket_type: str | None = None,
    facility_id: int | None = None,
    locale: str | None = None,
) -> int | None:
    """The owner the rules pick among ``candidates`` (all on duty), or ``None`` if nobody."""
    pool = list(candidates)
    if not pool:
        return None

    def narrow(keep: list[Candidate]) -> None:
        nonlocal pool
        if keep:
            pool = keep

    if ticket_type is not None:
        narrow([c for c in pool if not c.skills or ticket_type in c.skills])
        narrow([c for c in pool if ticket_type in c.skills])  # specialists before generalists
    if facility_id is not None:
        narrow([c for c in pool if c.facility_id == facility_id])
    if locale is not None:
        narrow([c for c in pool if (c.locale or "zh_CN") == locale])
    return min(pool, key=lambda c: (c.load, c.user_id)).user_id
