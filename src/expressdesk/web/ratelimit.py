"""Per-client rate limits for public lookups (waybill enumeration is a known privacy attack).

A sliding-window counter per client address, kept in process memory: enough for one server
process; a multi-process deployment puts the same limit in its reverse proxy too.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from expressdesk.errors import AppError


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class RateLimiter:
    """At most ``limit`` units per ``window`` for each key."""

    def __init__(
        self, limit: int, window: timedelta = timedelta(minutes=1), max_keys: int = 100_000
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[tuple[datetime, int]]] = {}
        self._used: dict[str, int] = {}  # running sum of each key's window: O(1) per hit
        self._lock = threading.Lock()

    def hit(self, key: str, now: datetime, units: int = 1) -> None:
        """Count ``units`` for ``key``; raise ``TooManyRequests`` if that would pass the limit."""
        with self._lock:
            if len(self._hits) > self.max_keys:
                self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            used = self._used.get(key, 0)
            while hits and now - hits[0][0] >= self.window:
                used -= hits.popleft()[1]
            if used + units > self.limit:
                self._used[key] = used
                oldest = hits[0][0] if hits else now
                retry = max(1, int((oldest + self.window - now).total_seconds()) + 1)
                raise TooManyRequests(
                    f"too many lookups: at most {self.limit} waybill numbers a minute; "
                    f"try again in {retry} seconds",
                    retry,
                )
            hits.append((now, units))
            self._used[key] = used + units

    def _forget_idle(self, now: datetime) -> None:
        for key in [k for k, v in self._hits.items() if not v or now - v[-1][0] >= self.window]:
            del self._hits[key]
            self._used.pop(key, None)
