"""The real server process (`expressdesk serve`): an acknowledged scan survives its crash (kill -9
right after the 200); its log lines carry the time; behind a trusted reverse proxy the public's
rate limit counts the client, not the proxy."""

from __future__ import annotations

import re
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
from tests.support.server import kill_group, running_server
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
    with running_server(database_url, {"EXPRESSDESK_DATA_DIR": str(tmp_path)}) as (base, server):
        scans = life(number, clock.now() - timedelta(days=3))
        response = httpx.post(
            f"{base}/api/v1/scans", json={"scans": scans}, headers=world.headers("ops")
        )
        assert response.status_code == 200 and response.json()["accepted"] == len(scans)
        # No shutdown, no flush: the server and its worker process just die.
        kill_group(server, signal.SIGKILL)
        server.wait(timeout=10)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ScanEvent)) == len(scans)


def test_the_server_log_has_a_time_on_every_line(
    database_url: str, client: TestClient, world: World, tmp_path: Path
) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    log = tmp_path / "server.log"
    with running_server(database_url, {"EXPRESSDESK_DATA_DIR": str(tmp_path)}, log=log) as (
        base,
        _,
    ):
        assert httpx.get(f"{base}/api/v1/tracking/{number}").status_code == 200
        assert httpx.get(f"{base}/api/v1/tracking/{number}0").status_code == 422
    lines = log.read_text().splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    assert lines and all(re.match(stamp, line) for line in lines), lines
    # Public lookups are in the access log, answered or refused, like every other request.
    assert any(f'"GET /api/v1/tracking/{number} HTTP/1.1" 200' in line for line in lines)
    assert any(f'"GET /api/v1/tracking/{number}0 HTTP/1.1" 422' in line for line in lines)
    assert any("INFO _granian.serve: Started worker-1" in line for line in lines)


def test_the_rate_limit_counts_the_client_behind_a_trusted_proxy(
    database_url: str, client: TestClient, world: World, tmp_path: Path
) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    limit: dict[str, str] = {
        "EXPRESSDESK_PUBLIC_LOOKUPS_PER_MINUTE": "2",
        "EXPRESSDESK_DATA_DIR": str(tmp_path),
    }

    def look(base: str, client_ip: str) -> int:
        url = f"{base}/api/v1/tracking/{number}"
        return httpx.get(url, headers={"X-Forwarded-For": client_ip}).status_code

    # The proxy on 127.0.0.1 is trusted by default: each client behind it has its allowance.
    with running_server(database_url, env=limit) as (base, _):
        assert [look(base, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
        assert look(base, "198.51.100.9") == 200
    # A peer that is not a trusted proxy cannot choose its address by sending the header.
    with running_server(
        database_url, env={**limit, "EXPRESSDESK_FORWARDED_ALLOW_IPS": "10.0.0.1"}
    ) as (
        base,
        _,
    ):
        assert [look(base, ip) for ip in ("203.0.113.7", "198.51.100.9", "192.0.2.1")] == [
            200,
            200,
            429,
        ]
