"""An acknowledged scan survives a crash of the server process (kill -9 right after the 200)."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.models import ScanEvent
from tests.support.scans import life
from tests.support.server import running_server
from tests.support.world import World, waybill_payload


def test_acknowledged_scans_survive_a_killed_server(
    database_url: str,
    client: TestClient,
    world: World,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    with running_server(database_url, EXPRESSDESK_DATA_DIR=str(tmp_path)) as (base, server):
        scans = life(number, clock.now() - timedelta(days=3))
        response = httpx.post(
            f"{base}/api/v1/scans", json={"scans": scans}, headers=world.headers("ops")
        )
        assert response.status_code == 200 and response.json()["accepted"] == len(scans)
        server.send_signal(signal.SIGKILL)  # no shutdown, no flush: the process just dies
        server.wait(timeout=10)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ScanEvent)) == len(scans)
