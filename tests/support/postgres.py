"""A throwaway PostgreSQL server for the test run, started from the machine's initdb / pg_ctl.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
``postgres`` user (via runuser) in a directory it owns. ``fsync=off``: a test cluster needs no
durability, and it makes the suite several times faster.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import free_port


@dataclass
class PostgresServer:
    base: Path
    port: int
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://expressdesk@127.0.0.1:{self.port}/expressdesk_test"

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, "pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def _server_bin_dir() -> str | None:
    """Where initdb lives: on the PATH, or in Debian's versioned directory."""
    if shutil.which("initdb"):
        return None
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if not candidates:
        raise RuntimeError("initdb not found: install the PostgreSQL server (make system-deps)")
    return str(candidates[0].parent)


def start_postgres() -> PostgresServer:
    bin_dir = _server_bin_dir()
    base = Path(tempfile.mkdtemp(prefix="expressdesk-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(base, entry.pw_uid, entry.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    if bin_dir:
        run_as = [*run_as, "env", f"PATH={bin_dir}:{os.environ.get('PATH', '')}"]
    port = free_port()
    server = PostgresServer(base, port, run_as)

    def run(*args: str) -> None:
        result = subprocess.run([*run_as, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            server.stop()
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}")

    run(
        "initdb",
        "-D",
        str(base / "data"),
        "-U",
        "expressdesk",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    )
    run(
        "pg_ctl",
        "-D",
        str(base / "data"),
        "-o",
        options,
        "-l",
        str(base / "server.log"),
        "-w",
        "start",
    )
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user="expressdesk", dbname="postgres", autocommit=True
            ) as conn:
                conn.execute("CREATE DATABASE expressdesk_test")
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.2)
    return server
