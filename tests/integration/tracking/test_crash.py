"""An acknowledged scan survives a crash of the server process (kill -9 right after the 200)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.models import ScanEvent
from tests.support.scans import life
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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "EXPRESSDESK_DATABASE_URL": database_url,
        "EXPRESSDESK_DATA_DIR": str(tmp_path),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "expressdesk"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        scans = life(number, clock.now() - timedelta(days=3))
        response = httpx.post(
            f"{base}/api/v1/scans", json={"scans": scans}, headers=world.headers("ops")
        )
        assert response.status_code == 200 and response.json()["accepted"] == len(scans)
        server.send_signal(signal.SIGKILL)  # no shutdown, no flush: the process just dies
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ScanEvent)) == len(scans)
