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
        )  # type: ignore[arg-type]
    return [(ids[n], n, o, d) for _, n, o, d in out]


def clock() -> FixedClock:
    return FixedClock(NOW)
