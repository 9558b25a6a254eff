"""Benchmark 2: scan ingestion over HTTP (POST /api/v1/scans), one uvicorn worker, batches of 500.

    .venv/bin/python benchmarks/ingest_http.py [--events 200000] [--db sqlite|postgresql]

The server runs in its own process (`expressdesk serve`, one worker) on 127.0.0.1; two client
threads send batches of 500 with an API token. Goal: ≥ 5,000 events/s.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from common import ROOT, bulk_waybills, database, load_network
from ingest import make_events
from sqlalchemy import select

from expressdesk.clock import SystemClock
from expressdesk.db import create_session_factory
from expressdesk.models import Facility, User
from expressdesk.staff.service import create_api_token

BATCH = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with database(args.db) as (engine, settings):
        load_network(engine, settings)
        with engine.connect() as conn:
            parents = {
                r.id: r.parent_id or r.id
                for r in conn.execute(select(Facility.id, Facility.parent_id))
            }
            codes = {r.id: r.code for r in conn.execute(select(Facility.id, Facility.code))}
        events = make_events(bulk_waybills(engine, max(1, args.events // 7)), parents)[
            : args.events
        ]
        for e in events:
            if "facility" in e:
                e["facility"] = codes[e["facility"]]
        factory = create_session_factory(engine)
        with factory() as session:
            user = session.scalar(select(User).where(User.username == "ops.bj01"))
            assert user is not None
            _, token = create_api_token(session, user, "bench", SystemClock().now())
            session.commit()
        port = free_port()
        env = {
            **os.environ,
            "EXPRESSDESK_DATABASE_URL": settings.effective_database_url,
            "EXPRESSDESK_ENVIRONMENT": "test",
        }
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "expressdesk"), "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("EXPRESSDESK_BENCH_LOG", os.devnull), "w"),  # noqa: SIM115
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
            headers = {"Authorization": f"Bearer {token}"}
            counts = {"accepted": 0, "duplicate": 0, "rejected": 0}

            def send(chunk: list[dict[str, object]], client: httpx.Client) -> dict[str, int]:
                response = client.post(
                    f"{base}/api/v1/scans", json={"scans": chunk}, headers=headers, timeout=60
                )
                response.raise_for_status()
                body = response.json()
                return {k: body[k] for k in counts}

            start = time.perf_counter()
            with httpx.Client() as c1, httpx.Client() as c2, ThreadPoolExecutor(2) as pool:
                futures = [
                    pool.submit(send, b, c1 if i % 2 == 0 else c2) for i, b in enumerate(batches)
                ]
                for f in futures:
                    for k, v in f.result().items():
                        counts[k] += v
            seconds = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(timeout=10)
        print(
            f"[{args.db} over HTTP] {len(events):,} events in {len(batches)} batches of {BATCH}: "
            f"{seconds:.1f} s, {len(events) / seconds:,.0f} events/s "
            f"({counts['accepted']:,} accepted, {counts['duplicate']:,} duplicate, {counts['rejected']:,} rejected); goal ≥ 5,000"
        )


if __name__ == "__main__":
    main()
