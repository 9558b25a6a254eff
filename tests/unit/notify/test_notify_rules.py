"""Quiet hours, retry backoff, SMS length, template placeholders and the webhook signature."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from expressdesk.notify.rules import (
    QuietHours,
    backoff,
    gives_up,
    sign,
    sms_segments,
    template_problems,
    verify,
)
from expressdesk.notify.templates import FIELDS, all_defaults

TZ = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours(time(21), time(8), TZ)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_quiet_hours_hold_sms_till_the_morning() -> None:
    assert QUIET.next_allowed(at("2026-11-02 20:59")) == at("2026-11-02 20:59")
    assert QUIET.next_allowed(at("2026-11-02 21:00")) == at("2026-11-03 08:00")
    assert QUIET.next_allowed(at("2026-11-03 02:30")) == at("2026-11-03 08:00")
    assert QUIET.next_allowed(at("2026-11-03 08:00")) == at("2026-11-03 08:00")


def test_backoff_doubles_up_to_an_hour_and_gives_up_after_the_horizon() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 10)]
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == 3600
    start = at("2026-11-02 10:00")
    assert not gives_up(start, start + timedelta(hours=23, minutes=59), timedelta(hours=24))
    assert gives_up(start, start + timedelta(hours=24), timedelta(hours=24))


def test_sms_segments_count_chinese_as_ucs2() -> None:
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("中" * 70) == 1
    assert sms_segments("中" * 71) == 2
    assert sms_segments("中" * 135) == 3


def test_every_default_sms_fits_in_two_segments_once_filled_in() -> None:
    from expressdesk.notify.templates import render

    for (event, channel, locale), template in all_defaults().items():
        assert template_problems(template.body, FIELDS) == [], (event, channel, locale)
        if channel == "sms":
            filled = render(template, dict.fromkeys(FIELDS, "X" * 14))[1]
            assert sms_segments(filled) <= 2, (event, locale, filled)


def test_template_problems_name_the_placeholder() -> None:
    assert template_problems("{waybill} {eta}", FIELDS) == []
    assert template_problems("{waybil}", FIELDS) == ["unknown placeholder {waybil}"]
    assert template_problems("{waybill", FIELDS)[0].startswith("malformed template")


def test_the_signature_verifies_and_refuses_tampering_and_replays() -> None:
    body = b'{"id":"e1","type":"delivered"}'
    header = sign("whsec_x", 1_700_000_000, body)
    assert verify("whsec_x", header, body, now=1_700_000_100)
    assert not verify("whsec_x", header, body + b" ", now=1_700_000_100)
    assert not verify("whsec_other", header, body, now=1_700_000_100)
    assert not verify("whsec_x", header, body, now=1_700_000_000 + 3600)  # too old: a replay
    assert not verify("whsec_x", "garbage", body, now=1_700_000_000)
