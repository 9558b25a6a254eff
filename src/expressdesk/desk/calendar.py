"""Business time: the desk's working hours and holiday calendar. Pure; no I/O.

Service-level targets run in business time (工作时间): only the hours the desk works count, and
Chinese public holidays stop the clock while their make-up working days (调休上班, often a
Saturday or Sunday) start it. Regulatory deadlines never use this: they run in calendar time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Span = tuple[datetime, datetime]


def parse_hours(text: str) -> tuple[time, time] | None:
    """``"09:00-18:00"`` → (09:00, 18:00); ``""`` → closed; anything else: ``ValueError``."""
    text = text.strip()
    if not text:
        return None
    start_s, sep, end_s = text.partition("-")
    if not sep:
        raise ValueError("write working hours as HH:MM-HH:MM, or leave empty for closed")
    start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
    if end <= start:
        raise ValueError("the end of the working day must come after its start")
    return start, end


@dataclass(frozen=True)
class WorkCalendar:
    """When the desk works: hours per weekday, days off (holidays) and make-up working days.

    A make-up working day uses ``makeup_hours`` (the hours of a normal Monday by default).
    """

    tz: ZoneInfo
    hours: Mapping[int, tuple[time, time]]  # weekday (0 = Monday) → (start, end); absent: closed
    days_off: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()
    makeup_hours: tuple[time, time] | None = None

    def hours_on(self, day: date) -> tuple[time, time] | None:
        if day in self.days_off:
            return None
        if day in self.makeup_days:
            return self.makeup_hours or self.hours.get(0)
        return self.hours.get(day.weekday())

    def is_working_day(self, day: date) -> bool:
        return self.hours_on(day) is not None

    def spans(self, start: datetime, end: datetime | None = None) -> Iterator[Span]:
        """The working spans from ``start`` on (clipped to it), in order, until ``end``.

        Without an end it stops after ten years: a calendar with no working day at all would
        otherwise never end (the settings refuse such a calendar before it gets here).
        """
        local = start.astimezone(self.tz)
        day = local.date()
        last = end.astimezone(self.tz).date() if end else day + timedelta(days=3660)
        while day <= last:
            hours = self.hours_on(day)
            if hours is not None:
                s = datetime.combine(day, hours[0], self.tz)
                e = datetime.combine(day, hours[1], self.tz)
                s = max(s, start)
                if end is not None:
                    e = min(e, end)
                if s < e:
                    yield s, e
            day += timedelta(days=1)


def _minus(spans: Iterable[Span], holes: list[Span]) -> Iterator[Span]:
    """``spans`` with the (sorted, possibly overlapping) ``holes`` cut out."""
    for s, e in spans:
        cursor = s
        for hs, he in holes:
            if he <= cursor or hs >= e:
                continue
            if hs > cursor:
                yield cursor, hs
            cursor = max(cursor, he)
            if cursor >= e:
                break
        if cursor < e:
            yield cursor, e


def _closed(pauses: Iterable[tuple[datetime, datetime | None]], until: datetime) -> list[Span]:
    return sorted((s, e if e is not None else until) for s, e in pauses)


def business_between(
    calendar: WorkCalendar,
    start: datetime,
    end: datetime,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
) -> timedelta:
    """Working time from ``start`` to ``end`` that is not inside a pause (an open pause runs on)."""
    if end <= start:
        return timedelta(0)
    holes = _closed(pauses, end)
    total = timedelta(0)
    for s, e in _minus(calendar.spans(start, end), holes):
        total += e - s
    return total


def add_business(
    calendar: WorkCalendar,
    start: datetime,
    duration: timedelta,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
) -> datetime:
    """The moment ``duration`` of working time (outside the closed pauses) has passed after
    ``start``. Zero duration gives ``start``."""
    if duration <= timedelta(0):
        return start
    holes = sorted((s, e) for s, e in pauses if e is not None)
    left = duration
    for s, e in _minus(calendar.spans(start), holes):
        if e - s >= left:
            return s + left
        left -= e - s
    raise ValueError("the working calendar has no working time left for this target")


def china_days(year: int) -> list[tuple[date, str, str]]:
    """The State Council's holidays (off) and make-up working days (work) of ``year``, from the
    ``chinesecalendar`` package; an admin loads them once a year and may edit them."""
    from chinese_calendar import constants

    days = [(d, "off", str(name)) for d, name in constants.holidays.items() if d.year == year]
    days += [(d, "work", str(name)) for d, name in constants.workdays.items() if d.year == year]
    return sorted(days)
