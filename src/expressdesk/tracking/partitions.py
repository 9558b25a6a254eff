"""Monthly partitions of scan_events on PostgreSQL: create ahead, detach old months to archive.

Detaching turns a month into an ordinary table (``scan_events_2025_01``) that can be dumped
(``pg_dump -t``) and dropped; nothing is deleted row by row. SQLite keeps one table.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Connection, text

from expressdesk.errors import AppError, ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def partition_name(year: int, month: int) -> str:
    return f"scan_events_{year}_{month:02d}"


def existing_partitions(conn: Connection) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'scan_events' ORDER BY 1"
        )
    )
    return [r[0] for r in rows]


def ensure_partitions(conn: Connection, today: date, months_ahead: int) -> list[str]:
    """Create the monthly partitions from this month to ``months_ahead`` months on."""
    if conn.dialect.name != "postgresql":
        return []
    have = set(existing_partitions(conn))
    created = []
    year, month = today.year, today.month
    for _ in range(months_ahead + 1):
        name = partition_name(year, month)
        if name not in have:
            ny, nm = _next(year, month)
            conn.execute(
                text(
                    f"CREATE TABLE {name} PARTITION OF scan_events FOR VALUES "
                    f"FROM ('{year}-{month:02d}-01 00:00:00+00') "
                    f"TO ('{ny}-{nm:02d}-01 00:00:00+00')"
                )
            )
            created.append(name)
        year, month = _next(year, month)
    return created


def detach_month(conn: Connection, month: str, today: date) -> str:
    """Detach one past month's partition; its rows stay in a table of their own to archive."""
    if conn.dialect.name != "postgresql":
        raise AppError("scan_events is partitioned on PostgreSQL only", status_code=400)
    match = _MONTH.match(month)
    if not match:
        raise ValidationFailed.on("month", "format", "give the month as YYYY-MM")
    year, mon = int(match.group(1)), int(match.group(2))
    if not 1 <= mon <= 12:
        raise ValidationFailed.on("month", "format", "the month must be 01 to 12")
    if (year, mon) >= (today.year, today.month):
        raise ValidationFailed.on(
            "month", "past_month", "only a month that has ended can be archived"
        )
    name = partition_name(year, mon)
    if name not in existing_partitions(conn):
        raise AppError(f"month: no attached partition {name}", status_code=404)
    conn.execute(text(f"ALTER TABLE scan_events DETACH PARTITION {name}"))
    return name
