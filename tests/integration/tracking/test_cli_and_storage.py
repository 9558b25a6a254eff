"""The streaming scan import and the storage that lasts (partitions on PostgreSQL)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, bindparam, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from expressdesk.cli import app
from expressdesk.clock import FixedClock
from expressdesk.db import DriverQuery
from expressdesk.models import ApiToken, ScanEvent
from expressdesk.tracking.partitions import detach_month, ensure_partitions, existing_partitions
from expressdesk.tracking.repository import _TIMELINE, _timeline_bounds
from expressdesk.waybills.repository import _TRACKING_BY_NUMBER, tracking_record
from tests.support.scans import life, scan
from tests.support.world import World, waybill_payload

runner = CliRunner()


def test_scan_import_streams_jsonl_and_reports_rejects(
    cli_env: None,
    client: TestClient,
    world: World,
    tmp_path: Path,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    events = life(number, clock.now() - timedelta(days=3))
    lines = [json.dumps(e) for e in events] + [
        json.dumps(events[0]),
        "{broken",
        json.dumps(scan("ED1", "arrival", clock.now())),
    ]
    path = tmp_path / "scans.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["scans", "import", str(path), "--user", "ops"])
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ScanEvent)) == 8
    rejected = (tmp_path / "scans.jsonl.rejected.csv").read_text(encoding="utf-8").splitlines()
    assert rejected[0] == "line,reason,detail,record"
    assert [r.split(",")[0:2] for r in rejected[1:]] == [
        ["10", "invalid"],
        ["11", "invalid_waybill_number"],
    ]
    again = runner.invoke(app, ["scans", "import", str(path), "--user", "ops"])
    assert again.exit_code == 0
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ScanEvent)) == 8  # all duplicates


def test_scan_import_reads_gbk_csv(
    cli_env: None,
    client: TestClient,
    world: World,
    tmp_path: Path,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    at = (clock.now() - timedelta(days=1)).isoformat()
    path = tmp_path / "scans.csv"
    path.write_text(
        "waybill,type,time,facility,client_scan_id,note\n"
        f"{number},pickup,{at},HZ01,c-1,客户门口揽收\n"
        f"{number},arrival,{at},HHZ,,\n",
        encoding="gbk",
    )
    result = runner.invoke(app, ["scans", "import", str(path), "--user", "ops"])
    assert result.exit_code == 0, result.output
    with session_factory() as session:
        assert session.scalar(select(ScanEvent.note)) == "客户门口揽收"
    assert "line" in (tmp_path / "scans.csv.rejected.csv").read_text(encoding="utf-8")


def test_scan_import_refuses_other_files(cli_env: None, world: World, tmp_path: Path) -> None:
    path = tmp_path / "scans.pdf"
    path.write_bytes(b"%PDF")
    result = runner.invoke(app, ["scans", "import", str(path)])
    assert result.exit_code == 1
    assert ".csv or .jsonl" in result.output


def test_scan_events_are_partitioned_by_month_on_postgresql(
    engine: Engine,
    client: TestClient,
    world: World,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("monthly partitions are a PostgreSQL feature; SQLite keeps one table")
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    client.post(
        "/api/v1/scans",
        json={"scans": [scan(number, "pickup", clock.now(), facility="HZ01")]},
        headers=world.headers("ops"),
    )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM scan_events_2026_11")).scalar() == 1
        assert "scan_events_2026_11" in existing_partitions(conn)
    with engine.begin() as conn:
        assert ensure_partitions(conn, date(2028, 11, 1), 3) == [
            "scan_events_2029_01",
            "scan_events_2029_02",
        ]
        name = detach_month(conn, "2024-01", date(2026, 11, 23))
        assert name not in existing_partitions(conn)
        conn.execute(text(f"DROP TABLE {name}"))
        conn.execute(text("DROP TABLE scan_events_2029_01, scan_events_2029_02"))
        conn.execute(
            text(
                "CREATE TABLE scan_events_2024_01 PARTITION OF scan_events FOR VALUES "
                "FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"
            )
        )


def test_tracking_queries_use_indexes(
    engine: Engine, client: TestClient, world: World, session: Session, clock: FixedClock
) -> None:
    """The tracking page's own statements, with a real parcel's parameters, are answered from an
    index on both engines; on PostgreSQL they read only the months between the parcel's creation
    and its latest event, not every monthly partition created ahead (2024-2028)."""
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    scans = life(number, clock.now() - timedelta(days=3))
    response = client.post("/api/v1/scans", json={"scans": scans}, headers=world.headers("ops"))
    assert response.json()["accepted"] == len(scans), response.text
    session.rollback()
    waybill = tracking_record(session, number)
    assert waybill is not None
    bounds = _timeline_bounds(waybill)
    assert bounds is not None
    if engine.dialect.name == "postgresql":
        session.execute(text("SET enable_seqscan = off"))  # tiny test tables: the plan at scale
    token = DriverQuery(select(ApiToken.id).where(ApiToken.token_hash == bindparam("h")), "T")
    plans = {
        "waybill": _TRACKING_BY_NUMBER.plan(session, number=number),
        "timeline": _TIMELINE.plan(session, **bounds),
        "token": token.plan(session, h="x"),
    }
    if engine.dialect.name == "sqlite":
        for name, detail in plans.items():
            assert "USING INDEX" in detail or "USING COVERING INDEX" in detail, (name, detail)
            assert "SCAN " not in detail, (name, detail)
        return
    for name, plan in plans.items():
        assert "Seq Scan" not in plan and "Index" in plan, (name, plan)
    # The parcel's life (late October) and its creation (early November, a week's margin
    # before it): the plan reads the months of those bounds only.
    months = {f"scan_events_{bounds[b].astimezone(UTC):%Y_%m}" for b in ("since", "until")}
    assert months == {"scan_events_2026_10"}
    assert set(re.findall(r" on (scan_events_\w+)", plans["timeline"])) == months, plans
