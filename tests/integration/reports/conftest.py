"""A month of parcels with every outcome the figures distinguish, written straight to the rows
(the tracking tests cover how scans produce them), plus pickups, tickets, claims and answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.enums import FacilityType, ShipmentStatus
from expressdesk.models import Claim, Facility, Pickup, Problem, Ticket, User, Waybill
from expressdesk.problems.rules import Party, ProblemType
from tests.support.world import World, create_waybills

CST = timezone(timedelta(hours=8))
OCT = datetime(2026, 10, 1, tzinfo=CST)
NOV = datetime(2026, 11, 1, tzinfo=CST)
H = timedelta(hours=1)
PROVINCES = ["北京市", "广东省", "浙江省", "四川省", None]
STATUSES = [ShipmentStatus.DELIVERED] * 6 + [
    ShipmentStatus.LOST, ShipmentStatus.RETURNED, ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.CANCELLED,
]  # fmt: skip


@dataclass
class Month:
    numbers: list[str]


def _problem(waybill_id: int, kind: ProblemType, at: datetime, status: str = "resolved") -> Problem:
    return Problem(waybill_id=waybill_id, type=kind, status=status, source="agent",
                   party=Party.CARRIER, detected_at=at, due_at=at + H, changed_at=at)  # fmt: skip


@pytest.fixture
def month(
    client: TestClient, world: World, clock: FixedClock, session: Session, settings: Settings
) -> Month:
    rng = random.Random(20261001)
    outlets = [
        f.id for f in session.scalars(select(Facility).where(Facility.type == FacilityType.OUTLET))
    ]
    numbers: list[str] = []
    for code, count in (("C1", 110), ("C2", 50)):
        actor = session.get(User, world.users[f"shipper_{code.lower()}"].id)
        assert actor is not None
        numbers += create_waybills(session, actor, count, clock.now(), settings)
    session.commit()
    ids = dict(
        session.execute(select(Waybill.number, Waybill.id).where(Waybill.number.in_(numbers))).all()
    )
    # Edges first: the first instant of October, the last of October, the first of November.
    edges = [OCT, NOV - timedelta(microseconds=1), NOV, OCT - timedelta(microseconds=1)]
    for i, number in enumerate(numbers):
        picked = (
            edges[i]
            if i < len(edges)
            else OCT + timedelta(minutes=rng.randint(-3 * 1440, 32 * 1440))
        )
        status = rng.choice(STATUSES)
        promised = None if rng.random() < 0.1 else picked + 72 * H
        delivered = None
        if status is ShipmentStatus.DELIVERED:
            # One signed exactly 72 h after pickup: inside the 72-hour figure.
            delivered = picked + 72 * H if i == 5 else picked + rng.uniform(10, 110) * H
        arrived = picked + rng.uniform(5, 90) * H if rng.random() < 0.8 else None
        if i == 6:  # exactly 8 h before the promise: arrived in time
            arrived, promised = picked + 64 * H, picked + 72 * H
        session.execute(update(Waybill).where(Waybill.id == ids[number]).values(
            status=status, picked_up_at=picked, promised_by=promised, delivered_at=delivered,
            dest_arrived_at=arrived, origin_facility_id=rng.choice([*outlets, None]),
            recipient_province=rng.choice(PROVINCES), total_fen=rng.randint(800, 3000),
        ))  # fmt: skip
        if rng.random() < 0.1:
            session.add(_problem(ids[number], ProblemType.DAMAGED, picked + 5 * H))
        if rng.random() < 0.1:
            kind = rng.choice([ProblemType.LABEL_DETACHED, ProblemType.MISSORTED,
                               ProblemType.ADDRESS_UNCLEAR])  # fmt: skip
            session.add(_problem(ids[number], kind, picked + 6 * H))
            session.add(_problem(ids[number], ProblemType.LABEL_DETACHED, picked + 7 * H))
        if rng.random() < 0.05:
            session.add(_problem(ids[number], ProblemType.RECIPIENT_ABSENT, picked + 8 * H))
    # Pickups of C1: kept, late, early, missed, cancelled, and one in November.
    c1 = world.customers["C1"].id
    for n, (start_h, arrived_h, cancelled) in enumerate(
        [(10, 10.5, False), (34, 36.5, False), (58, 58, False), (82, 84, False),
         (106, None, False), (130, None, True), (154, 153, False), (24 * 31 + 10, 24 * 31 + 10.5, False)]
    ):  # fmt: skip
        start = OCT + start_h * H
        session.add(Pickup(
            number=f"PK{n:06d}", customer_id=c1, status="done", contact_name="王芳",
            phone="13800000000", address="文三路1号", window_start=start, window_end=start + 2 * H,
            booked_at=start - 24 * H, arrived_at=OCT + arrived_h * H if arrived_h is not None else None,
            cancelled_at=start - H if cancelled else None,
        ))  # fmt: skip
    session.commit()
    # Complaints and other tickets, received in October (and one in November), worked by agents.
    agent, agent2 = world.users["agent"].id, world.users["agent2"].id
    made: list[dict[str, Any]] = []
    for ticket_type, customer in (("complaint", "C1"), ("complaint", "C1"), ("complaint", "C2"),
                                  ("trace", "C1"), ("complaint", "C1"), ("inquiry", None)):  # fmt: skip
        # A distinct caller each: repeated calls from one phone merge into one ticket.
        body = {"type": ticket_type, "subject": "时效投诉" if ticket_type == "complaint" else "查件",
                "contact_phone": f"1390000000{len(made)}"}  # fmt: skip
        if ticket_type == "complaint":
            body["category"] = "delay"
        if customer:
            body["customer"] = customer
        answer = client.post("/api/v1/tickets", json=body, headers=world.headers("agent"))
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    plan = [  # received (h after Oct 1), first response (h), resolved (h), breached, owner
        (5, 6, 30, False, agent), (50, 53.5, None, False, agent), (100, 101, 200, True, agent2),
        (300, None, None, False, agent2), (24 * 31 + 2, 24 * 31 + 3, None, False, agent),
        (700, 700.25, 720, False, None),
    ]  # fmt: skip
    for t, (rec, first, res, breached, owner) in zip(made, plan, strict=True):
        session.execute(update(Ticket).where(Ticket.number == t["number"]).values(
            received_at=OCT + rec * H, first_response_at=OCT + first * H if first else None,
            resolved_at=OCT + res * H if res else None, breached=["resolution"] if breached else [],
            owner_id=owner,
        ))  # fmt: skip
    session.commit()
    # Claims of C1: two paid in October, one paid in November, one not paid.
    for n, paid in enumerate([OCT + 100 * H, OCT + 400 * H, NOV + H, None]):
        claim = client.post("/api/v1/claims", json={"waybill": numbers[10 + n], "kind": "delay"},
                            headers=world.headers("agent"))  # fmt: skip
        assert claim.status_code == 201, claim.text
        session.execute(update(Claim).where(Claim.number == claim.json()["number"]).values(
            paid_at=paid, payable_fen=1000 * (n + 1), status="paid" if paid else "approved"))  # fmt: skip
        session.commit()
    session.commit()
    return Month(numbers)
