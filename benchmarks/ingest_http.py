"""Benchmark 2: scan ingestion over HTTP (POST /api/v1/scans), one server worker, batches of 500.

    .venv/bin/python benchmarks/ingest_http.py [--events 200000] [--db sqlite|postgresql]

The server runs in its own process (`expressdesk serve`, one worker) on 127.0.0.1; two client
threads send batches of 500 with an API token. Goal: ≥ 5,000 events/s.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from common import database, load_network, realistic_scans
from sqlalchemy import select

from expressdesk.clock import SystemClock
from expressdesk.db import create_session_factory
from expressdesk.models import User
from expressdesk.staff.service import create_api_token
from tests.support.server import running_server

BATCH = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with database(args.db) as (engine, settings):
        load_network(engine, settings)
        events = realistic_scans(engine, args.events)
        factory = create_session_factory(engine)
        with factory() as session:
            user = session.scalar(select(User).where(User.username == "ops.bj01"))
            assert user is not None
            _, token = create_api_token(session, user, "bench", SystemClock().now())
            session.commit()
        with running_server(settings.effective_database_url) as (base, _):
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
        print(
            f"[{args.db} over HTTP] {len(events):,} events in {len(batches)} batches of {BATCH}: "
            f"{seconds:.1f} s, {len(events) / seconds:,.0f} events/s "
            f"({counts['accepted']:,} accepted, {counts['duplicate']:,} duplicate, {counts['rejected']:,} rejected); goal ≥ 5,000"
        )


if __name__ == "__main__":
    main()
