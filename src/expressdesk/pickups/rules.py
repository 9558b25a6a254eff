"""Pickup rules: the window a booking may ask for, whether the courier kept it, when a pickup is
missed, and how the sender's ID number is kept (masked to show, sealed to store). Pure."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from expressdesk.errors import ValidationFailed

MIN_WINDOW = timedelta(hours=1)
MAX_WINDOW = timedelta(hours=4)
BOOK_AHEAD = timedelta(days=14)
# A window that ended this long ago with nobody there is a missed pickup for the desk.
MISSED_GRACE = timedelta(minutes=30)
# ID documents accepted for 实名收寄 (real-name registration at pickup).
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreigner_permit")


# What each status of a pickup is called, for the courier's screen and the shipper's portal.
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "booked": ("已预约", "Booked"),
    "assigned": ("已派单", "Assigned"),
    "arrived": ("已到达", "Arrived"),
    "done": ("已揽收", "Picked up"),
    "refused": ("验视拒收", "Refused at inspection"),
    "cancelled": ("已取消", "Cancelled"),
}


def status_name(status: str, locale: str) -> str:
    zh, en = STATUS_NAMES.get(status, (status, status))
    return zh if locale.startswith("zh") else en


def check_window(start: datetime, end: datetime, now: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed.on("window_start", "offset", "give the time with its UTC offset")
    if end - start < MIN_WINDOW:
        raise ValidationFailed.on("window_end", "window", "the window lasts at least 1 hour")
    if end - start > MAX_WINDOW:
        raise ValidationFailed.on("window_end", "window", "the window lasts at most 4 hours")
    if end <= now:
        raise ValidationFailed.on("window_end", "future", "the window has already ended")
    if start > now + BOOK_AHEAD:
        raise ValidationFailed.on("window_start", "ahead", "book at most 14 days ahead")


def kept_window(arrived: datetime | None, start: datetime, end: datetime) -> bool:
    """The courier arrived inside the booked window (派车及时)."""
    return arrived is not None and start <= arrived <= end


def is_missed(status: str, arrived: datetime | None, end: datetime, now: datetime) -> bool:
    return status in ("booked", "assigned") and arrived is None and now >= end + MISSED_GRACE


def check_id(id_type: str, number: str) -> str:
    """The ID number normalised, or a clear error (a resident ID's check digit is verified)."""
    from stdnum.cn import ric

    if id_type not in ID_TYPES:
        raise ValidationFailed.on("id_type", "one_of", f"one of {', '.join(ID_TYPES)}")
    value = number.strip().upper().replace(" ", "")
    if id_type == "resident_id":
        if not ric.is_valid(value):
            message = "not a valid resident ID number (18 characters, check digit)"
            raise ValidationFailed.on("id_number", "checksum", message)
        return value
    if not (5 <= len(value) <= 20 and value.isalnum()):
        raise ValidationFailed.on("id_number", "format", "5 to 20 letters and digits")
    return value


def mask_id(number: str) -> str:
    """11010519491231002X → 110***********002X: enough to recognise, not to use."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def _fernet(secret: str) -> object:
    from cryptography.fernet import Fernet

    key = base64.urlsafe_b64encode(hashlib.sha256(f"pickup-id:{secret}".encode()).digest())
    return Fernet(key)


def seal_id(number: str, secret: str) -> str:
    """Encrypted with a key derived from the application's secret (Fernet: AES-128 + HMAC)."""
    return _fernet(secret).encrypt(number.encode()).decode()  # type: ignore[attr-defined,no-any-return]


def open_id(sealed: str, secret: str) -> str:
    return _fernet(secret).decrypt(sealed.encode()).decode()  # type: ignore[attr-defined,no-any-return]
