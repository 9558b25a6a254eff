"""A real `expressdesk serve` process on loopback, for tests and benchmarks that need one."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    database_url: str, env: Mapping[str, str] | None = None, *, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``expressdesk serve`` on ``database_url`` (extra EXPRESSDESK_* settings in ``env``), wait
    until /healthz answers, yield its base URL and process; stop it afterwards. Its standard
    error goes to ``log`` (else to $EXPRESSDESK_SERVER_LOG, else nowhere)."""
    port = free_port()
    environment = {**os.environ, "EXPRESSDESK_DATABASE_URL": database_url, **(env or {})}
    log = log or Path(os.environ.get("EXPRESSDESK_SERVER_LOG", os.devnull))
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "expressdesk"), "serve", "--port", str(port)],
            env=environment,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # its own process group: the server and its worker
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.1)
            yield base, process
        finally:
            if process.poll() is None:
                process.terminate()  # a graceful stop of the worker, then of the server
                process.wait(timeout=15)
            kill_group(process, signal.SIGKILL)  # anything left behind (e.g. after a crash)


def kill_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Send ``sig`` to the server and to its worker process(es)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
