"""Benchmark 1: scan ingestion through the service code the API uses, against a raw executemany.

    .venv/bin/python benchmarks/ingest.py [--events 1000000] [--db sqlite|postgresql|both]

A realistic mix: about 7 events per waybill over a normal life (pickup, hub arrival and
departure, destination hub, outlet arrival, out for delivery, signed), ~2 % re-sent duplicates
and ~3 % uploaded late, out of order. Batches of 500, each committed. In the same run the same
rows are inserted with a plain executemany into a bare copy of the table with the same indexes.
Prints events/s for both and the ratio (goal: ≥ 0.5 on both engines, ≥ 10,000 events/s on SQLite).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from common import clock, database, load_network, realistic_scans
from sqlalchemy import Engine, Index, MetaData, Table, select

from expressdesk.db import create_session_factory
from expressdesk.models import ScanEvent, User
from expressdesk.tracking.service import ScanIngestor

BATCH = 500


def run_service(
    engine: Engine, settings: Any, events: list[dict[str, Any]]
) -> tuple[float, dict[str, int]]:
    factory = create_session_factory(engine)
    with factory() as session:
        actor = session.scalars(select(User).where(User.username == "ops.bj01")).one()
        session.expunge(actor)
        ingestor = ScanIngestor(session, settings)
        network = ingestor.network
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    fake = clock()
    start = time.perf_counter()
    for i in range(0, len(events), BATCH):
        with factory() as session:
            report = ScanIngestor(session, settings, network).ingest(
                events[i : i + BATCH], actor, fake.now()
            )
            session.commit()
        for r in report.results:
            counts[r.outcome] += 1
    return time.perf_counter() - start, counts


def run_raw(engine: Engine) -> float:
    """The same rows, read back as stored, inserted by executemany into a bare copy of the table."""
    source = ScanEvent.__table__
    meta = MetaData()
    columns = [c._copy() for c in source.columns]
    bare = Table("scan_events_raw", meta, *columns)
    for index in source.indexes:  # type: ignore[attr-defined]
        Index(
            f"raw_{index.name}",
            *[bare.c[c.name] for c in index.columns],
            unique=index.unique,
            **index.dialect_kwargs,
        )
    if engine.dialect.name == "postgresql":
        # The same storage as the real table: partitioned by month.
        from sqlalchemy import text

        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE scan_events_raw (LIKE scan_events INCLUDING ALL) PARTITION BY RANGE (event_time)"
                )
            )
            for (name,) in conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'scan_events'"
                )
            ):
                bounds = conn.execute(
                    text(
                        f"SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = '{name}'"
                    )
                ).scalar()
                conn.execute(text(f"CREATE TABLE raw_{name} PARTITION OF scan_events_raw {bounds}"))
    else:
        meta.create_all(engine)
    names = [c.name for c in source.columns]
    with engine.connect() as conn:
        # The stored values exactly as the driver returns them, re-inserted by the driver.
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"SELECT {', '.join(names)} FROM scan_events ORDER BY id")
        rows = [tuple(r) for r in cursor.fetchall()]
    marker = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = f"INSERT INTO scan_events_raw ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, rows[i : i + BATCH])
    return time.perf_counter() - start


def bench(kind: str, total: int) -> dict[str, float]:
    with database(kind) as (engine, settings):
        load_network(engine, settings)
        events = realistic_scans(engine, total)
        seconds, counts = run_service(engine, settings, events)
        raw_seconds = run_raw(engine)
        rate = len(events) / seconds
        raw_rate = counts["accepted"] / raw_seconds
        print(
            f"[{kind}] {len(events):,} events ({counts['accepted']:,} accepted, {counts['duplicate']:,} duplicate, "
            f"{counts['rejected']:,} rejected) in {seconds:.1f} s: {rate:,.0f} events/s; "
            f"raw executemany of the {counts['accepted']:,} stored rows: {raw_rate:,.0f} rows/s; "
            f"ratio {rate / raw_rate:.2f} (goal ≥ 0.5)"
        )
        return {"rate": rate, "raw": raw_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        bench(kind, args.events)


if __name__ == "__main__":
    main()
