"""Problems opened and ended by the system and the trail every problem keeps: a problem per
signal from scans and detectors (never two open of one type per parcel), the problems a
delivery or return ends by itself, and each action on a problem's timeline. Flushes, never
commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.models import Problem, ProblemAction, User
from expressdesk.problems import repository
from expressdesk.problems.rules import (
    PROBLEM_KINDS,
    ActionKind,
    ProblemType,
    Resolution,
    Signal,
    due_at,
)

# Problems that end by themselves when the parcel is signed for or returned.
ENDED_BY_DELIVERY = frozenset(
    {
        ProblemType.DELAYED,
        ProblemType.UNCOLLECTED,
        ProblemType.HELD,
        ProblemType.RECIPIENT_ABSENT,
        ProblemType.NOT_FOUND,
    }
)
# Actions that are not yet "doing something" about a problem (for time-to-first-action).
_NOT_HANDLING = frozenset({ActionKind.REGISTERED, ActionKind.REPORTED_AGAIN, ActionKind.PHOTO})


def record_action(
    session: Session,
    problem: Problem,
    kind: ActionKind,
    now: datetime,
    actor: User | None,
    *,
    outcome: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    from_owner_id: int | None = None,
    to_owner_id: int | None = None,
) -> ProblemAction:
    """Put an action on the problem's (and so the waybill's) timeline."""
    action = ProblemAction(
        problem=problem,
        waybill_id=problem.waybill_id,
        kind=kind.value,
        at=now,
        actor_id=actor.id if actor else None,
        outcome=outcome,
        reason=reason,
        data=data or {},
        from_owner_id=from_owner_id,
        to_owner_id=to_owner_id,
    )
    session.add(action)
    problem.changed_at = now
    if actor is not None and kind not in _NOT_HANDLING and problem.first_action_at is None:
        problem.first_action_at = now
    return action


def open_problems(
    session: Session,
    signals: Sequence[Signal],
    now: datetime,
    actor: User | None = None,
    settings: Settings | None = None,
) -> list[tuple[Problem, bool]]:
    """Open a problem per signal, unless the parcel already has an open one of that type: then
    what a person said is added to it (never a second problem). Returns (problem, created)."""
    if not signals:
        return []
    existing = repository.open_problems_of(session, [s.waybill_id for s in signals])
    results: list[tuple[Problem, bool]] = []
    for s in signals:
        key = (s.waybill_id, s.type)
        problem = existing.get(key)
        if problem is not None:
            if s.reporter_id is not None or s.note:
                record_action(
                    session,
                    problem,
                    ActionKind.REPORTED_AGAIN,
                    now,
                    actor,
                    reason=s.note,
                    data={"source": s.source},
                )
            results.append((problem, False))
            continue
        kind = PROBLEM_KINDS[s.type]
        problem = Problem(
            waybill_id=s.waybill_id,
            type=s.type,
            status="open",
            source=s.source,
            detail=s.detail,
            party=kind.party,
            note=s.note,
            detected_at=now,
            due_at=due_at(s.type, now),
            facility_id=s.facility_id,
            courier_id=s.courier_id,
            target_facility_id=s.target_facility_id,
            target_area_id=s.target_area_id,
            reported_by_id=s.reporter_id,
            changed_at=now,
            escalated=False,
        )
        session.add(problem)
        existing[key] = problem
        record_action(
            session,
            problem,
            ActionKind.REGISTERED,
            now,
            actor,
            reason=s.note,
            data={"source": s.source, **({"detail": s.detail} if s.detail else {})},
        )
        results.append((problem, True))
    session.flush()
    from expressdesk.notify.events import on_problems  # notify builds on problems
    from expressdesk.notify.rules import Event

    on_problems(session, [p for p, made in results if made], Event.PROBLEM_OPENED, now, settings)
    return results


def end_with_parcel(
    session: Session, waybill_ids: Iterable[int], resolution: Resolution, now: datetime
) -> int:
    """Resolve, as the system, the problems a parcel's delivery or return ends by itself."""
    ended = 0
    for problem in repository.open_problems_of(session, waybill_ids).values():
        if problem.type in ENDED_BY_DELIVERY:
            close_problem(problem, resolution, "", None, now)
            record_action(
                session, problem, ActionKind.RESOLVED, now, None, outcome=resolution.value
            )
            ended += 1
    return ended


def close_problem(
    problem: Problem, resolution: Resolution, note: str, actor: User | None, now: datetime
) -> None:
    problem.status = "resolved"
    problem.resolution = resolution.value
    problem.resolution_note = note
    problem.resolved_at = now
    problem.resolved_by_id = actor.id if actor else None
