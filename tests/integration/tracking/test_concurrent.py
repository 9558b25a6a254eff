"""Concurrent batches for the same parcels: every scan counted once, no state overwritten."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.db import create_session_factory
from expressdesk.models import ScanEvent, User, Waybill
from expressdesk.tracking.service import ingest_scans
from tests.support.scans import life
from tests.support.world import World, create_waybills


def test_two_uploaders_at_once_lose_nothing(
    session_factory: sessionmaker[Session], world: World, settings: Settings, clock: FixedClock
) -> None:
    with session_factory() as session:
        actor = session.get(User, world.users["ops"].id)
        assert actor is not None
        numbers = create_waybills(session, actor, 20, clock.now(), settings)
        session.commit()
    lives = {n: life(n, clock.now() - timedelta(days=3)) for n in numbers}
    # Two devices: one uploads the first half of every life, the other the second half.
    halves = [
        [e for n in numbers for e in lives[n][:4]],
        [e for n in numbers for e in lives[n][4:]],
    ]
    writer = create_session_factory(session_factory.kw["bind"], writes=True)
    errors: list[BaseException] = []

    def upload(events: list[dict[str, object]]) -> None:
        try:
            for start in range(0, len(events), 7):
                with writer() as session:
                    actor = session.get(User, world.users["ops"].id)
                    assert actor is not None
                    ingest_scans(session, events[start : start + 7], actor, clock.now(), settings)
                    session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(half,)) for half in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ScanEvent)) == 8 * len(numbers)
        statuses = set(session.scalars(select(Waybill.status)))
        assert {s.value for s in statuses} == {"DELIVERED"}
        assert set(session.scalars(select(Waybill.anomaly_count))) == {0}
