"""Shared set-up for the benchmarks: a database (SQLite file or throwaway PostgreSQL) holding the
demo network and N waybills inserted in bulk (set-up is not what is measured)."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert, select

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.db import create_db_engine, create_session_factory
from expressdesk.demo.generator import load_demo
from expressdesk.enums import Product, ShipmentStatus
from expressdesk.migrate import upgrade
from expressdesk.models import DeliveryArea, Facility, NumberSequence, Waybill
from expressdesk.waybills.numbering import make_waybill_number

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@contextmanager
def database(kind: str) -> Iterator[tuple[Engine, Settings]]:
    """A fresh, migrated database of ``kind`` ('sqlite' or 'postgresql'), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="expressdesk-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            engine = create_db_engine(url)
            upgrade(engine)
            yield engine, Settings(environment="test", database_url=url, data_dir=Path(tmp))
            engine.dispose()
        return
    from tests.support.postgres import start_postgres

    server = start_postgres() if not os.environ.get("EXPRESSDESK_BENCH_POSTGRES_URL") else None
    url = server.url if server else os.environ["EXPRESSDESK_BENCH_POSTGRES_URL"]
    engine = create_db_engine(url)
    try:
        upgrade(engine)
        yield (
            engine,
            Settings(environment="test", database_url=url, data_dir=Path(tempfile.gettempdir())),
        )
    finally:
        engine.dispose()
        if server:
            server.stop()


def load_network(engine: Engine, settings: Settings) -> None:
    factory = create_session_factory(engine)
    with factory() as session:
        load_demo(session, settings, NOW - timedelta(days=30), seed=1, waybills=0)
        session.commit()


def bulk_waybills(
    engine: Engine, count: int, seed: int = 1, created: datetime | None = None, chunk: int = 20_000
) -> list[tuple[int, str, int, int]]:
    """Insert ``count`` waybills directly (fast set-up, in chunks); returns (id, number,
    origin outlet, destination outlet)."""
    rng = random.Random(seed)
    factory = create_session_factory(engine)
    with factory() as session:
        areas = [(a.id, a.outlet_id) for a in session.scalars(select(DeliveryArea))]
        outlets = [f.id for f in session.scalars(select(Facility).where(Facility.type == "outlet"))]
        start = (
            session.scalar(
                select(NumberSequence.next_value).where(NumberSequence.name == "waybill")
            )
            or 0
        )
    created = created or NOW - timedelta(days=5)
    out: list[tuple[int, str, int, int]] = []
    for first in range(0, count, chunk):
        rows = []
        for i in range(first, min(count, first + chunk)):
            area_id, dest = rng.choice(areas)
            origin = rng.choice(outlets)
            number = make_waybill_number("ED", start + i)
            rows.append(
                {
                    "number": number, "product": Product.STANDARD, "status": ShipmentStatus.CREATED,
                    "sender_name": "王芳", "sender_phone": "13800000000", "sender_province": "浙江省",
                    "sender_city": "杭州市", "sender_district": "西湖区", "sender_address": "浙江省杭州市西湖区文三路1号",
                    "sender_address_parsed": True, "recipient_name": "李雷", "recipient_phone": f"139{i % 10**8:08d}",
                    "recipient_province": "北京市", "recipient_city": "北京市", "recipient_district": "朝阳区",
                    "recipient_address": "北京市朝阳区建国路88号", "recipient_address_parsed": True,
                    "weight_g": 1200, "chargeable_weight_g": 1200, "volumetric_weight_g": 0, "freight_fen": 1200,
                    "total_fen": 1200, "origin_facility_id": origin, "dest_facility_id": dest, "dest_area_id": area_id,
                    "created_at": created + timedelta(seconds=i % 86400), "version": 1, "attempts": 0, "anomaly_count": 0,
                }
            )  # fmt: skip
            out.append((0, number, origin, dest))
        with engine.begin() as conn:
            conn.execute(insert(Waybill), rows)
    with engine.begin() as conn:
        conn.execute(
            NumberSequence.__table__.update()  # type: ignore[attr-defined]
            .where(NumberSequence.name == "waybill")
            .values(next_value=start + count)
        )
        ids = dict(
            conn.execute(
                select(Waybill.number, Waybill.id).where(Waybill.number >= out[0][1])
            ).all()
        )
    return [(ids[n], n, o, d) for _, n, o, d in out]


def clock() -> FixedClock:
    return FixedClock(NOW)


def make_events(
    waybills: list[tuple[int, str, int, int]], parents: dict[int, int], seed: int = 7
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    # Lives start over ~3 days and end by ~1 day before NOW (the benchmark's clock): none is in
    # the future, none is more than 7 days before its waybill's creation.
    base = NOW - timedelta(days=6)
    spacing = timedelta(seconds=min(2.0, 3 * 86400 / max(1, len(waybills))))
    for n, (_, number, origin, dest) in enumerate(waybills):
        t = base + n * spacing
        o_hub, d_hub = parents[origin], parents[dest]
        life = [
            ("pickup", origin, t),
            ("arrival", o_hub, t + timedelta(hours=9)),
            ("departure", o_hub, t + timedelta(hours=11)),
            ("arrival", d_hub, t + timedelta(hours=30)),
            ("arrival", dest, t + timedelta(hours=34)),
            ("out_for_delivery", dest, t + timedelta(hours=35)),
            ("signed", None, t + timedelta(hours=38)),
        ]
        for i, (kind, facility, at) in enumerate(life):
            e: dict[str, Any] = {
                "waybill": number,
                "type": kind,
                "time": at.isoformat(),
                "device_id": f"PDA-{n % 997}",
                "device_seq": n * 10 + i,
            }
            if facility is not None:
                e["facility"] = facility
            if kind == "out_for_delivery":
                e["courier"] = "courier001"
            if kind == "signed":
                e["signer_type"] = "recipient"
            if rng.random() < 0.03:
                late.append(e)  # uploaded a few thousand events later: out of order
            else:
                events.append(e)
            if rng.random() < 0.02:
                events.append(dict(e))  # re-sent
    for e in late:
        events.insert(min(len(events), rng.randint(0, len(events)) + 3000), e)
    return events


def network_maps(engine: Engine) -> tuple[dict[int, int], dict[int, str]]:
    """Each facility's hub (a hub is its own) and each facility's code."""
    with engine.connect() as conn:
        rows = conn.execute(select(Facility.id, Facility.parent_id, Facility.code)).all()
    return {r.id: r.parent_id or r.id for r in rows}, {r.id: r.code for r in rows}


def realistic_scans(engine: Engine, total: int) -> list[dict[str, Any]]:
    """``total`` scans of the realistic mix, for bulk-inserted waybills, as devices send them."""
    parents, codes = network_maps(engine)
    events = make_events(bulk_waybills(engine, max(1, total // 7)), parents)[:total]
    for e in events:
        if "facility" in e:
            e["facility"] = codes[e["facility"]]
    return events
