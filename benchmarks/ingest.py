"""Benchmark 1: scan ingestion through the service code the API uses, against a raw executemany.

    .venv/bin/python benchmarks/ingest.py [--events 1000000] [--db sqlite|postgresql|both] [--floor]

A realistic mix: about 7 events per waybill over a normal life (pickup, hub arrival and
departure, destination hub, outlet arrival, out for delivery, signed), ~2 % re-sent duplicates
and ~3 % uploaded late, out of order. Batches of 500, each committed. In the same run the same
rows are inserted with a plain executemany into a bare copy of the table with the same indexes.
Prints events/s for both and the ratio (goal: ≥ 0.5 on both engines, ≥ 10,000 events/s on SQLite).

``--floor`` also measures what the database alone needs for ingestion that keeps each parcel's
status current when it answers: the service's own statements for the parcels' states, recorded
during the run (per batch, the SELECT … FOR UPDATE of the batch's parcels and the UPDATE of their
new states), replayed through the driver around the same raw insert, with no Python work per
row. Its rate over the raw insert's is the highest ratio any code keeping that promise could
reach.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from common import clock, database, load_network, realistic_scans
from sqlalchemy import Engine, Index, MetaData, Table, select
from sqlalchemy.orm import Session

from expressdesk.db import create_session_factory
from expressdesk.models import ScanEvent, User
from expressdesk.tracking import repository
from expressdesk.tracking.service import ScanIngestor

BATCH = 500
COLUMNS = ", ".join(c.name for c in ScanEvent.__table__.columns)


@dataclass
class StateStatements:
    """One batch's statements for its parcels' states: the numbers read, the rows written."""

    numbers: list[str]
    updates: list[tuple[Any, ...]] = field(default_factory=list)


@contextmanager
def recording_states() -> Iterator[list[StateStatements]]:
    """Records, batch by batch, what the service passes to ``repository.waybill_states`` and
    ``repository.update_states`` (both still do their work)."""
    read, write = repository.waybill_states, repository.update_states
    batches: list[StateStatements] = []

    def recorded_read(session: Session, numbers: Sequence[str]) -> dict[str, Any]:
        batches.append(StateStatements(list(numbers)))
        return read(session, numbers)

    def recorded_write(session: Session, rows: list[tuple[Any, ...]]) -> None:
        batches[-1].updates = list(rows)
        write(session, rows)

    repository.waybill_states = recorded_read
    repository.update_states = recorded_write
    try:
        yield batches
    finally:
        repository.waybill_states, repository.update_states = read, write


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
    rows = stored_rows(engine)
    sql = raw_insert(engine)
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, rows[i : i + BATCH])
    return time.perf_counter() - start


def stored_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """The stored events exactly as the driver returns them (to be re-inserted by the driver)."""
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"SELECT {COLUMNS} FROM scan_events ORDER BY id")
        return [tuple(r) for r in cursor.fetchall()]


def raw_insert(engine: Engine) -> str:
    marker = "?" if engine.dialect.name == "sqlite" else "%s"
    values = ", ".join([marker] * len(ScanEvent.__table__.columns))
    return f"INSERT INTO scan_events_raw ({COLUMNS}) VALUES ({values})"


def run_floor(engine: Engine, batches: list[StateStatements]) -> float:
    """The raw insert again (into the emptied bare table), each batch with the service's
    recorded statements for its parcels' states, through the driver: the database's share."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM scan_events_raw")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM scan_events_raw")
    rows = stored_rows(engine)
    factory = create_session_factory(engine)
    sql = raw_insert(engine)
    start = time.perf_counter()
    done = 0
    for i, batch in enumerate(batches):  # the stored rows spread evenly over the batches
        upto = len(rows) * (i + 1) // len(batches)
        with factory() as session:
            repository.waybill_states(session, batch.numbers)
            if upto > done:
                session.connection().exec_driver_sql(sql, rows[done:upto])
            repository.update_states(session, batch.updates)
            session.commit()
        done = upto
    return time.perf_counter() - start


def bench(kind: str, total: int, floor: bool = False) -> dict[str, float]:
    with database(kind) as (engine, settings):
        load_network(engine, settings)
        events = realistic_scans(engine, total)
        recorder: AbstractContextManager[list[StateStatements]] = (
            recording_states() if floor else nullcontext([])
        )
        with recorder as batches:
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
        if floor:
            floor_rate = counts["accepted"] / run_floor(engine, batches)
            updates = sum(len(b.updates) for b in batches)
            print(
                f"[{kind}] the database's share alone (raw insert + the service's {updates:,} "
                f"parcel-state reads and updates, no Python per row): {floor_rate:,.0f} rows/s; "
                f"the highest reachable ratio {floor_rate / raw_rate:.2f}"
            )
        return {"rate": rate, "raw": raw_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure the database's share alone (the highest ratio reachable)",
    )
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        bench(kind, args.events, args.floor)


if __name__ == "__main__":
    main()
