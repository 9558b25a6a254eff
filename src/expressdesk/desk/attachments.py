"""Files attached to a ticket (evidence for a claim, photos, scanned receipts): stored under the
data directory by a random name, written atomically, never by the uploader's file name."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk.service import add_entry
from expressdesk.errors import PayloadTooLarge, ValidationFailed
from expressdesk.models import Ticket, TicketAttachment, User


def folder(settings: Settings) -> Path:
    return settings.data_dir / "attachments"


def add_attachment(
    session: Session,
    ticket: Ticket,
    actor: User | None,
    filename: str,
    content_type: str,
    data: bytes,
    now: datetime,
    settings: Settings,
    *,
    entry_id: int | None = None,
) -> TicketAttachment:
    """Store one file on the ticket (and say so on its trail unless it came with an entry)."""
    if not data:
        raise ValidationFailed.on("file", "empty", "the file is empty")
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(
            f"file: larger than {settings.max_upload_bytes // 1024} KB ({len(data)} bytes)"
        )
    target = folder(settings)
    target.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    temp = target / f".{stored}.part"
    temp.write_bytes(data)
    temp.replace(target / stored)  # atomic: never a half-written file under its name
    name = Path(filename.replace("\\", "/")).name[:200] or "file"
    if entry_id is None:
        entry_id = add_entry(session, ticket, "attachment", now, actor, body=name).id
    attachment = TicketAttachment(
        ticket_id=ticket.id,
        entry_id=entry_id,
        stored_name=stored,
        original_name=name,
        content_type=(content_type or "application/octet-stream")[:100],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id if actor else None,
        uploaded_at=now,
    )
    session.add(attachment)
    session.flush()
    return attachment
