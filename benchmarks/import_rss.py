"""Benchmark 4: `expressdesk scans import` of a one-million-event file in bounded memory.

    .venv/bin/python benchmarks/import_rss.py [--events 1000000]

Writes a JSONL file of realistic scans (the mix of ingest.py) for waybills in a fresh SQLite
database, runs the real command under GNU time and prints its peak resident memory.
Goal: peak RSS ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, database, load_network, realistic_scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with database("sqlite") as (engine, settings):
        load_network(engine, settings)
        events = realistic_scans(engine, args.events)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "scans.jsonl"
            with path.open("w", encoding="utf-8") as fh:
                for e in events:
                    fh.write(json.dumps(e, ensure_ascii=False) + "\n")
            del events
            size = path.stat().st_size
            env = {**os.environ, "EXPRESSDESK_DATABASE_URL": settings.effective_database_url}
            started = time.perf_counter()
            result = subprocess.run(
                ["/usr/bin/time", "-v", str(Path(sys.executable).parent / "expressdesk"), "scans", "import", str(path), "--user", "ops.bj01"],
                env=env, cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            if result.returncode != 0:
                sys.exit(result.stdout + result.stderr)
            peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
            if peak is None:
                sys.exit("GNU time printed no maximum resident set size:\n" + result.stderr)
            peak_kb = int(peak.group(1))
            summary = [
                line
                for line in result.stdout.splitlines()
                if "accepted" in line or "duplicate" in line or "rejected" in line
            ]
            print(
                f"[sqlite] scans import of {args.events:,} events ({size / 2**20:.0f} MiB JSONL) in {seconds:.0f} s: "
                f"peak RSS {peak_kb / 1024:.0f} MB (goal ≤ 300 MB)"
            )
            print("\n".join(summary))


if __name__ == "__main__":
    main()
