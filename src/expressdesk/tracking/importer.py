"""Streaming import of scan files (CSV or JSONL) of any size, in bounded memory.

Lines are read one at a time and sent through the same ingestion service as the API, in batches
that are committed one by one: an interrupted import keeps every batch it finished, and running
it again answers those scans 'duplicate'.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import Clock
from expressdesk.config import Settings
from expressdesk.errors import AppError
from expressdesk.models import User
from expressdesk.tracking import repository
from expressdesk.tracking.service import ScanIngestor

BATCH = 500


class UnreadableScanFile(AppError):
    status_code = 415
    code = "unreadable_file"


@dataclass
class ImportSummary:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejected_file: Path | None = None
    anomalies: int = 0
    lines: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


def _encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # a character cut by the sample's end
            return "utf-8-sig"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise UnreadableScanFile(f"{path.name}: expected UTF-8 or GBK/GB18030 text") from None


def _lines(fh: BinaryIO, encoding: str, progress: Callable[[int], None]) -> Iterator[str]:
    first = True
    for raw in fh:
        progress(len(raw))
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise UnreadableScanFile(f"a line is not valid {encoding} text") from None
        if first and text.startswith("\ufeff"):
            text = text[1:]
        first = False
        yield text


def _records(path: Path, progress: Callable[[int], None]) -> Iterator[tuple[int, Any]]:
    """(line number, record) pairs; CSV rows become dicts without their empty cells."""
    encoding = _encoding(path)
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        lines = _lines(fh, encoding, progress)
        if suffix in (".jsonl", ".ndjson", ".json"):
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, _Broken(f"not valid JSON: {exc.msg}")
        elif suffix in (".csv", ".txt"):
            reader = csv.reader(lines)
            header = next(reader, None)
            if header is None:
                return
            names = [h.strip() for h in header]
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                yield (
                    reader.line_num,
                    {k: v.strip() for k, v in zip(names, row, strict=False) if k and v.strip()},
                )
        else:
            raise UnreadableScanFile(f"{path.name}: expected a .csv or .jsonl file")


@dataclass(frozen=True)
class _Broken:
    """A line that could not even be parsed; ingestion rejects it like any invalid item."""

    problem: str


def import_scan_file(
    path: Path,
    factory: sessionmaker[Session],
    settings: Settings,
    actor_name: str,
    clock: Clock,
    progress: Callable[[int], None] = lambda _n: None,
    rejected_path: Path | None = None,
) -> ImportSummary:
    """Stream ``path`` through scan ingestion; rejected lines go to ``rejected_path``."""
    summary = ImportSummary()
    rejected_path = rejected_path or path.with_name(path.name + ".rejected.csv")
    with factory() as session:
        actor = session.query(User).filter(User.username == actor_name).one_or_none()
        if actor is None:
            raise AppError(f"user: no user '{actor_name}'", status_code=404)
        session.expunge(actor)
        network = repository.network_snapshot(session)
    writer = None
    out = None
    try:
        batch: list[tuple[int, Any]] = []
        for line, record in _records(path, progress):
            summary.lines += 1
            batch.append((line, record))
            if len(batch) >= BATCH:
                writer, out = _flush(
                    batch,
                    factory,
                    settings,
                    network,
                    actor,
                    clock,
                    summary,
                    writer,
                    out,
                    rejected_path,
                )
                batch = []
        if batch:
            writer, out = _flush(
                batch, factory, settings, network, actor, clock, summary, writer, out, rejected_path
            )
    finally:
        if out is not None:
            out.close()
    summary.rejected_file = rejected_path if summary.rejected else None
    return summary


def _flush(
    batch: list[tuple[int, Any]],
    factory: sessionmaker[Session],
    settings: Settings,
    network: repository.NetworkSnapshot,
    actor: User,
    clock: Clock,
    summary: ImportSummary,
    writer: Any,
    out: Any,
    rejected_path: Path,
) -> tuple[Any, Any]:
    items = [r if not isinstance(r, _Broken) else {"__broken__": r.problem} for _, r in batch]
    with factory() as session:
        report = ScanIngestor(session, settings, network).ingest(items, actor, clock.now())
        session.commit()
    for (line, record), result in zip(batch, report.results, strict=True):
        if result.outcome == "accepted":
            summary.accepted += 1
            summary.anomalies += result.anomaly is not None
        elif result.outcome == "duplicate":
            summary.duplicate += 1
        else:
            summary.rejected += 1
            reason = result.reason or "invalid"
            summary.by_reason[reason] = summary.by_reason.get(reason, 0) + 1
            if writer is None:
                out = rejected_path.open("w", encoding="utf-8", newline="")
                writer = csv.writer(out)
                writer.writerow(["line", "reason", "detail", "record"])
            detail = record.problem if isinstance(record, _Broken) else result.detail
            writer.writerow(
                [line, reason, detail, json.dumps(record, ensure_ascii=False, default=str)]
            )
    return writer, out
