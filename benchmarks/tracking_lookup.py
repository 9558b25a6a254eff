"""Benchmark 3: public tracking lookups over HTTP, at 100,000 and at 1,000,000 waybills.

    .venv/bin/python benchmarks/tracking_lookup.py [--db sqlite|postgresql] [--small 100000] [--large 1000000]

Each waybill has a 5-scan history (picked up by a courier, scanned by operators); every other
one is then out for delivery, its courier named on the public page (a third read). One server
worker (`expressdesk serve`) answers GET /api/v1/tracking/{number} (anonymous: masked data;
the per-client limit is raised for the load generator). `wrk` (Debian package) drives it with
16 connections on random numbers for 20 s.
Goals: ≥ 1,000 lookups/s with p99 ≤ 20 ms at 1 M waybills, and p50 at 1 M within 1.5× of
p50 at 100 k (the cost must not grow with the data).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

import httpx
from common import NOW, bulk_waybills, database, load_network, network_maps
from sqlalchemy import Engine, select, update

from expressdesk.enums import Role
from expressdesk.models import NumberSequence, User
from expressdesk.tracking.repository import EVENT_COLUMNS, _sqlite_time
from expressdesk.tracking.rules import ScanFacts
from expressdesk.tracking.scan_types import ScanType
from tests.support.server import running_server


def add_histories(
    engine: Engine, waybills: list[tuple[int, str, int, int]], parents: dict[int, int]
) -> None:
    """A 5-scan history per waybill, written straight to the table (set-up, not measured): a
    courier's pickup, then hubs and the destination outlet, each scan by an operator."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        first_id = conn.execute(
            select(NumberSequence.next_value).where(NumberSequence.name == "scan_event")
        ).scalar_one()
        couriers = conn.execute(select(User.id).where(User.role == Role.COURIER)).scalars().all()
        operators = (
            conn.execute(select(User.id).where(User.role == Role.OPERATIONS)).scalars().all()
        )
    next_id = first_id
    marker = "?" if sqlite else "%s"
    sql = f"INSERT INTO scan_events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join([marker] * len(EVENT_COLUMNS))})"
    index = {c: i for i, c in enumerate(EVENT_COLUMNS)}
    chunk: list[tuple[Any, ...]] = []
    base = NOW - timedelta(days=4)

    def flush() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, chunk)
        chunk.clear()

    for n, (wid, _number, origin, dest) in enumerate(waybills):
        t = base + timedelta(seconds=n % 86400)
        steps = [
            ("pickup", origin, 0), ("arrival", parents[origin], 9), ("departure", parents[origin], 11),
            ("arrival", parents[dest], 30), ("arrival", dest, 34),
        ]  # fmt: skip
        if n % 2:  # every other parcel is out for delivery: its courier is named to the public
            steps.append(("out_for_delivery", dest, 36))
        for kind, facility, hours in steps:
            at = t + timedelta(hours=hours)
            facts = ScanFacts(ScanType(kind), at, facility, f"bench:{next_id}")
            row: list[Any] = [None] * len(EVENT_COLUMNS)
            row[index["id"]] = next_id
            row[index["event_time"]] = _sqlite_time(at) if sqlite else at
            row[index["waybill_id"]] = wid
            row[index["scan_type"]] = kind
            row[index["utc_offset_min"]] = 480
            row[index["received_at"]] = row[index["event_time"]]
            row[index["sort_key"]] = facts.sort_key
            row[index["facility_id"]] = facility
            row[index["operator_id"]] = operators[(n + next_id) % len(operators)]
            if kind == "pickup":
                row[index["courier_id"]] = couriers[n % len(couriers)]
            elif kind == "out_for_delivery":  # the destination's courier, not the pickup's
                row[index["courier_id"]] = couriers[(n + 1) % len(couriers)]
                row[index["courier_phone"]] = f"1390000{n % 10000:04d}"
            row[index["client_scan_id"]] = f"bench:{next_id}"
            chunk.append(tuple(row))
            next_id += 1
        if len(chunk) >= 50_000:
            flush()
    if chunk:
        flush()
    with engine.begin() as conn:
        conn.execute(
            update(NumberSequence)
            .where(NumberSequence.name == "scan_event")
            .values(next_value=next_id)
        )
        # last_event_at: the latest event's time, as ingestion's fold keeps it (the timeline
        # query's upper bound).
        conn.exec_driver_sql(
            "UPDATE waybills SET status = 'IN_TRANSIT', last_event_at = latest.at FROM"
            " (SELECT waybill_id, max(event_time) AS at FROM scan_events GROUP BY waybill_id)"
            " AS latest WHERE waybills.id = latest.waybill_id"
        )
        conn.exec_driver_sql(
            "UPDATE waybills SET status = 'OUT_FOR_DELIVERY' WHERE id IN"
            " (SELECT waybill_id FROM scan_events WHERE scan_type = 'out_for_delivery')"
        )
        conn.exec_driver_sql("ANALYZE")
    if sqlite:
        # The set-up's one-transaction UPDATE of every waybill leaves a write-ahead log as large
        # as the table, which SQLite's automatic checkpoints (after each commit of over 1,000
        # pages) would have kept small in steady operation; while it stands, every page read
        # searches its index (at 1 M waybills that halved the lookup rate). Checkpoint it, as
        # a live database would have been.
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        # The same UPDATE leaves a dead version of every waybill row (and index entries to
        # it), which autovacuum would otherwise clean up while the lookups are measured; a live
        # database is vacuumed as it goes.
        # Then a checkpoint: the set-up wrote gigabytes at once, which a live database writes
        # out a little at a time; left to the next checkpoint they would be written out while
        # the lookups are measured.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
            conn.exec_driver_sql("CHECKPOINT")
    os.sync()  # and the operating system's share of those writes reaches the disk now, too


LUA = """
local numbers = {%s}
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/tracking/" .. numbers[math.random(#numbers)])
end
"""


def run_wrk(base: str, numbers: list[str], seconds: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(LUA % ",".join(f'"{n}"' for n in numbers))
        script = fh.name
    try:
        # A short warm-up, then the measured run: one wrk thread (the server has the other core).
        subprocess.run(
            ["wrk", "-t1", "-c16", "-d3s", "-s", script, base], capture_output=True, check=True
        )
        out = subprocess.run(
            ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", script, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script)

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(f"wrk printed no Requests/sec:\n{out}")
    rps = float(found.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def serve_and_measure(url: str, numbers: list[str], seconds: int) -> dict[str, float]:
    # The per-client limit on anonymous lookups is raised for the load generator.
    with running_server(url, {"EXPRESSDESK_PUBLIC_LOOKUPS_PER_MINUTE": "1000000000"}) as (base, _):
        check = httpx.get(f"{base}/api/v1/tracking/{numbers[0]}")
        assert check.status_code == 200 and len(check.json()["events"]) in (5, 6), check.text
        return run_wrk(base, numbers, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    rng = random.Random(3)
    with database(args.db) as (engine, settings):
        load_network(engine, settings)
        parents, _ = network_maps(engine)
        results = {}
        have = 0
        for size in (args.small, args.large):
            started = time.perf_counter()
            waybills = bulk_waybills(engine, size - have, seed=size)
            add_histories(engine, waybills, parents)
            have = size
            print(
                f"[{args.db}] set up {size:,} waybills in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            sample = [n for _, n, _, _ in rng.sample(waybills, min(20_000, len(waybills)))]
            results[size] = serve_and_measure(settings.effective_database_url, sample, args.seconds)
            r = results[size]
            print(
                f"[{args.db}] {size:,} waybills: {r['rps']:,.0f} lookups/s, p50 {r['p50']:.2f} ms, "
                f"p99 {r['p99']:.2f} ms, non-2xx {r['errors']:.0f} (goal ≥ 1,000/s, p99 ≤ 20 ms)",
                flush=True,
            )
        ratio = results[args.large]["p50"] / results[args.small]["p50"]
        print(
            f"[{args.db}] p50 at {args.large:,} / p50 at {args.small:,} = {ratio:.2f} (goal ≤ 1.5)"
        )


if __name__ == "__main__":
    main()
