"""Demo problem shipments: what the detectors find in the demo scans, plus open and resolved
problems of every type, worked by the demo agents (owners, contacts, resolutions)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Role, ShipmentStatus
from expressdesk.models import Problem, User, Waybill
from expressdesk.problems import service
from expressdesk.problems.detect import detect
from expressdesk.problems.rules import ContactOutcome, ProblemType, Resolution
from expressdesk.problems.schemas import (
    AssignIn,
    ContactIn,
    NoteIn,
    ProblemCreate,
    ResolveIn,
    ReturnIn,
)

WORKABLE = (
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.ATTEMPT_FAILED,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.PICKED_UP,
)
PER_TYPE = 2  # at least this many open and this many resolved problems of every type
NOTES = ["客户来电反映", "分拣时发现", "派件时发现", "系统提示异常", "网点反馈"]
# How the demo agents resolve each type (with the step the resolution needs).
RESOLVE_AS: dict[ProblemType, Resolution] = {
    ProblemType.MISSORTED: Resolution.RESENT_TO_RIGHT_OUTLET,
    ProblemType.OUTSIDE_AREA: Resolution.RESENT_TO_RIGHT_OUTLET,
    ProblemType.NOT_FOUND: Resolution.FOUND,
    ProblemType.SCAN_ANOMALY: Resolution.RECORD_CORRECTED,
    ProblemType.REFUSED: Resolution.RETURNED_TO_SENDER,
    ProblemType.PROHIBITED_ITEM: Resolution.RETURNED_TO_SENDER,
    ProblemType.DAMAGED: Resolution.NO_ACTION_NEEDED,
}


def load_demo_problems(
    session: Session, settings: Settings, now: datetime, rng: random.Random
) -> int:
    """Run the detectors once, then top every type up to open and resolved examples."""
    detect(session, now, settings)
    agents = list(session.scalars(select(User).where(User.role == Role.AGENT).order_by(User.id)))
    candidates = list(
        session.scalars(
            select(Waybill).where(Waybill.status.in_(WORKABLE)).order_by(Waybill.id).limit(600)
        )
    )
    made = 0
    for problem_type in ProblemType:
        wanted = [False] * PER_TYPE + [True] * PER_TYPE
        pool = iter(rng.sample(candidates, len(candidates)))  # a parcel may have several types
        while wanted:
            waybill = next(pool, None)
            if not agents:
                return made
            if waybill is None:  # every parcel already has this type open (the detectors)
                break
            agent = rng.choice(agents)
            detected = now - timedelta(hours=rng.uniform(0.5, 30))
            data = ProblemCreate(waybill=waybill.number, type=problem_type, note=rng.choice(NOTES))
            problem, created = service.register(session, agent, data, detected, settings)
            if not created:  # the parcel already has one: try another parcel
                continue
            resolved = wanted.pop()
            made += 1
            if rng.random() < 0.6 or resolved:
                took = detected + timedelta(minutes=rng.uniform(2, 90))
                service.assign(session, problem.id, agent, AssignIn(), took)
            if resolved:
                _resolve(session, problem, agent, detected, rng, settings)
    return made


def _resolve(
    session: Session,
    problem: Problem,
    agent: User,
    detected: datetime,
    rng: random.Random,
    settings: Settings,
) -> None:
    at = detected + timedelta(minutes=rng.uniform(95, 600))
    resolution = RESOLVE_AS.get(problem.type, Resolution.CUSTOMER_REACHED)
    step: ContactIn | ReturnIn | NoteIn
    if resolution is Resolution.RETURNED_TO_SENDER:
        step = ReturnIn(kind="return_to_sender", reason="寄件人同意退回")
    elif resolution is Resolution.CUSTOMER_REACHED:
        step = ContactIn(kind="contact", outcome=ContactOutcome.REACHED, note="已与收件人确认")
    else:
        step = NoteIn(kind="note", note="已核实处理")
    service.act(session, problem.id, agent, step, at, settings)
    note = "外包装轻微破损，内物完好" if resolution is Resolution.NO_ACTION_NEEDED else ""
    service.resolve(session, problem.id, agent, ResolveIn(resolution=resolution, note=note), at)


def count_problems(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Problem)) or 0)
