"""The channels messages leave by, each behind a small protocol with a real adapter: e-mail over
SMTP (smtplib, TLS and auth from the settings), SMS by a provider (a local log for the embedded
default, or an HTTP provider), and signed webhooks (httpx)."""

from __future__ import annotations

import json
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

import httpx

from expressdesk.config import Settings
from expressdesk.models import OutboxMessage
from expressdesk.notify.rules import EVENT_ID_HEADER, SIGNATURE_HEADER, sign


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    latency_ms: int = 0


class Channel(Protocol):
    def send(self, message: OutboxMessage, now: datetime) -> Outcome: ...


def _timed(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


class SmtpChannel:
    """E-mail through the configured SMTP server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: OutboxMessage, now: datetime) -> Outcome:
        s = self.settings
        if not s.smtp_host:
            return Outcome(False, None, "no SMTP server configured (EXPRESSDESK_SMTP_HOST)")
        mail = EmailMessage()
        mail["From"] = s.mail_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        domain = s.mail_from.rsplit("@", 1)[-1].rstrip(">") or "expressdesk.local"
        # A stable Message-ID per message: a resend after a crash is recognisably the same mail.
        mail["Message-ID"] = message.payload.get("message_id") or make_msgid(
            idstring=f"outbox-{message.id}", domain=domain
        )
        if message.payload.get("in_reply_to"):
            mail["In-Reply-To"] = mail["References"] = message.payload["in_reply_to"]
        mail[EVENT_ID_HEADER] = message.key
        mail.set_content(message.body)
        # Files written under the data directory with the message (a monthly report's PDF).
        for item in message.payload.get("attachments", []):
            path = (Path(s.data_dir) / item["path"]).resolve()
            if not path.is_relative_to(Path(s.data_dir).resolve()) or not path.exists():
                return Outcome(False, None, f"attachment {item['path']} is missing")
            maintype, _, subtype = item.get("content_type", "application/pdf").partition("/")
            mail.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                                filename=item.get("filename", path.name))  # fmt: skip
        start = time.monotonic()
        try:
            smtp: smtplib.SMTP
            if s.smtp_security == "ssl":
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds,
                                        context=ssl.create_default_context())  # fmt: skip
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            with smtp:
                if s.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                refused = smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            error = exc.smtp_error
            text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
            return Outcome(False, exc.smtp_code, text, _timed(start))
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(False, None, f"{type(exc).__name__}: {exc}", _timed(start))
        if refused:
            return Outcome(False, None, f"refused: {refused}", _timed(start))
        return Outcome(True, 250, "", _timed(start))


class SmsLogChannel:
    """The embedded default: each SMS is appended to ``data_dir/sms.log`` (one JSON a line)."""

    def __init__(self, settings: Settings) -> None:
        self.path: Path = settings.data_dir / "sms.log"

    def send(self, message: OutboxMessage, now: datetime) -> Outcome:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": now.isoformat(), "to": message.recipient, "text": message.body,
             "id": message.key}, ensure_ascii=False,
        )  # fmt: skip
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return Outcome(True, None)


class SmsHttpChannel:
    """An SMS provider's HTTP API: POST JSON {to, text, id} with a bearer token."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.webhook_timeout_seconds)

    def send(self, message: OutboxMessage, now: datetime) -> Outcome:
        start = time.monotonic()
        try:
            response = self.client.post(
                self.settings.sms_http_url,
                json={"to": message.recipient, "text": message.body, "id": message.key},
                headers={"Authorization": f"Bearer {self.settings.sms_http_token}",
                         EVENT_ID_HEADER: message.key},
            )  # fmt: skip
        except httpx.HTTPError as exc:
            return Outcome(False, None, f"{type(exc).__name__}: {exc}", _timed(start))
        ok = 200 <= response.status_code < 300
        error = "" if ok else f"HTTP {response.status_code}: {response.text[:500]}"
        return Outcome(ok, response.status_code, error, _timed(start))


class WebhookChannel:
    """A signed POST of the event's JSON to the subscriber's URL."""

    def __init__(self, settings: Settings, secrets: dict[int, str],
                 client: httpx.Client | None = None) -> None:  # fmt: skip
        self.secrets = secrets
        self.client = client or httpx.Client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False
        )

    def send(self, message: OutboxMessage, now: datetime) -> Outcome:
        body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
        secret = self.secrets.get(message.subscription_id or 0, "")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, int(now.timestamp()), body),
            EVENT_ID_HEADER: str(message.payload.get("id", message.key)),
            "User-Agent": "ExpressDesk-Webhooks/1",
        }
        start = time.monotonic()
        try:
            response = self.client.post(message.recipient, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(False, None, f"{type(exc).__name__}: {exc}", _timed(start))
        ok = 200 <= response.status_code < 300
        error = "" if ok else f"HTTP {response.status_code}: {response.text[:500]}"
        return Outcome(ok, response.status_code, error, _timed(start))
