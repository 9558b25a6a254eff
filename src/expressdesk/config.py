"""Settings: one validated object, read from the environment (prefix ``EXPRESSDESK_``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Used only in development; production refuses to start with it.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105


class Settings(BaseSettings):
    """Everything configurable about one ExpressDesk installation."""

    model_config = SettingsConfigDict(env_prefix="EXPRESSDESK_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""  # empty: the SQLite file under data_dir
    secret_key: str = DEFAULT_SECRET_KEY
    timezone: str = "Asia/Shanghai"
    default_locale: Literal["zh_CN", "en"] = "zh_CN"

    waybill_prefix: str = Field(default="ED", pattern=r"^[A-Z]{1,4}$")
    session_days: int = Field(default=7, ge=1, le=90)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_import_rows: int = Field(default=20_000, ge=1)
    cookie_secure: bool = False
    # Threads serving sync routes; default: 2 on SQLite (in-process, CPU-bound work where more
    # threads only contend for the GIL), 8 on PostgreSQL (threads wait on the network).
    worker_threads: int | None = Field(default=None, ge=1, le=200)
    # Reverse proxies whose X-Forwarded-For / -Proto the server believes (comma-separated
    # addresses or networks, "*" for any): the client address is what rate limits count.
    forwarded_allow_ips: str = "127.0.0.1"
    # PostgreSQL: connections each server process keeps for the public's tracking lookups
    # (read asynchronously, named "expressdesk public reads"), on top of its request pool.
    public_read_connections: int = Field(default=10, ge=1, le=100)
    # Public tracking: waybill numbers a client may look up per minute (enumeration defence).
    public_lookups_per_minute: int = Field(default=60, ge=1)

    # Problem detection (问题件). A parcel is stalled when it has had no scan for longer than its
    # lane's normal time plus this grace; see problems.rules.
    stall_grace_hours: float = Field(default=12.0, gt=0, le=240)
    # Failed delivery attempts after which the parcel is held (滞留) for the desk.
    max_failed_attempts: int = Field(default=2, ge=1, le=10)
    # How long a parcel may wait at a locker or station before the desk follows it up.
    pickup_point_limit_hours: float = Field(default=48.0, gt=0, le=720)
    # The worker runs the periodic detectors this often.
    detect_interval_seconds: float = Field(default=60.0, ge=1, le=3600)
    # The live problem queue checks for changes this often (its latency is about this much).
    live_poll_seconds: float = Field(default=0.5, ge=0.1, le=10)
    # Photos of problem parcels: size limit and accepted types (checked by content, not name).
    photo_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    # The public ticket form (no captcha): tickets a client address may open per hour.
    public_tickets_per_hour: int = Field(default=5, ge=1)
    # Inbound e-mail: mail to this address becomes a ticket or a reply on one
    # (``expressdesk mail serve`` receives it over SMTP; point the mailbox's forwarding there).
    desk_mailbox: str = "service@expressdesk.local"
    mail_listen_host: str = "127.0.0.1"
    mail_listen_port: int = Field(default=2525, ge=1, le=65535)
    # The desk's worker sweep (SLA warnings, breaches, searches) runs this often.
    desk_sweep_seconds: float = Field(default=60.0, ge=1, le=3600)

    # Notifications (the outbox worker sends them).
    public_base_url: str = "http://127.0.0.1:8000"  # for links in messages (survey, unsubscribe)
    smtp_host: str = ""  # empty: e-mail is not sent (messages wait in the outbox)
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = Field(default=10, gt=0, le=120)
    mail_from: str = "ExpressDesk <noreply@expressdesk.local>"
    sms_provider: Literal["log", "http"] = "log"  # log: written to data_dir/sms.log
    sms_http_url: str = ""
    sms_http_token: str = ""
    # No SMS between these local times: queued till the morning.
    sms_quiet_start: str = Field(default="21:00", pattern=r"^\d{2}:\d{2}$")
    sms_quiet_end: str = Field(default="08:00", pattern=r"^\d{2}:\d{2}$")
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=60)
    # At-least-once delivery is retried with backoff for this long, then given up.
    delivery_horizon_hours: float = Field(default=24, gt=0, le=24 * 14)
    # A webhook subscription is disabled after this many failed deliveries in a row.
    webhook_disable_after: int = Field(default=30, ge=1, le=10_000)
    notify_interval_seconds: float = Field(default=5, ge=0.1, le=3600)

    # Churn warning: an account whose last week fell by this share against its trailing
    # 13-week average (and that averaged at least the minimum a week) is on the watch list.
    churn_drop_share: float = Field(default=0.5, gt=0, le=1)
    churn_min_weekly: float = Field(default=5, ge=0)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        """Each entry an IP address or network, or "*" alone, written back normalised (the
        proxy-header middleware takes an entry it cannot parse, such as 10.0.0.1/8, as a
        literal name that never matches: every client would then count as the proxy)."""
        entries = [e.strip() for e in value.split(",") if e.strip()]
        if entries == ["*"]:
            return "*"
        if not entries:
            raise ValueError('give at least one address or network, or "*" for any')
        normalised = []
        for entry in entries:
            try:
                normalised.append(
                    str(ipaddress.ip_network(entry, strict=False))
                    if "/" in entry
                    else str(ipaddress.ip_address(entry))
                )
            except ValueError:
                raise ValueError(
                    f"'{entry}' is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/8); "
                    'use "*" alone to trust any'
                ) from None
        return ",".join(normalised)

    @property
    def trusted_proxies(self) -> list[str]:
        """``forwarded_allow_ips`` as the list the proxy-header middleware takes."""
        return self.forwarded_allow_ips.split(",")

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError(
                "EXPRESSDESK_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'expressdesk.sqlite3').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once on first use (never at import time)."""
    return Settings()
