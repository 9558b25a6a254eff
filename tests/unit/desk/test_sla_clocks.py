"""The desk's clocks with a fake clock: business time across nights, weekends, Chinese holidays
and their make-up working days, pauses while waiting on the customer; the regulatory deadline in
calendar time that never pauses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expressdesk.desk.calendar import WorkCalendar, add_business, business_between, china_days
from expressdesk.desk.rules import (
    Channel,
    DeskRules,
    Metric,
    Priority,
    TicketType,
    Tier,
)
from expressdesk.desk.sla import ClockState, TicketFacts, sla_clock, ticket_clocks

TZ = ZoneInfo("Asia/Shanghai")
RULES = DeskRules.of()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def calendar_with_2026_holidays() -> WorkCalendar:
    days = china_days(2026)
    return RULES.calendar(
        TZ,
        frozenset(d for d, kind, _ in days if kind == "off"),
        frozenset(d for d, kind, _ in days if kind == "work"),
    )


CAL = calendar_with_2026_holidays()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_the_default_week_is_weekdays_nine_to_six_and_saturday_morning() -> None:
    # Monday 2026-11-23, 10:00 + 2 working hours = 12:00 the same day.
    assert add_business(CAL, at("2026-11-23 10:00"), hours(2)) == at("2026-11-23 12:00")


def test_a_target_runs_on_across_the_night() -> None:
    assert add_business(CAL, at("2026-11-23 17:00"), hours(2)) == at("2026-11-24 10:00")
    # Received at night: the clock starts when the desk opens.
    assert add_business(CAL, at("2026-11-23 23:30"), hours(2)) == at("2026-11-24 11:00")


def test_a_target_skips_sunday_and_uses_saturday_morning() -> None:
    # Friday 17:30: half an hour on Friday, then Saturday 09:00–10:30.
    assert add_business(CAL, at("2026-11-27 17:30"), hours(2)) == at("2026-11-28 10:30")
    # Saturday 11:00: one hour on Saturday (closes at 12:00), Sunday closed, Monday 09:00–10:00.
    assert add_business(CAL, at("2026-11-28 11:00"), hours(2)) == at("2026-11-30 10:00")


def test_national_day_stops_the_clock_and_its_make_up_saturday_works_a_full_day() -> None:
    # 2026: 1–7 October off; Saturday 10 October is a make-up working day (Monday's hours).
    # Wed 30 Sep 17:00 + 24 h: 1 h on 30 Sep, 9 h on 8 Oct, 9 h on 9 Oct, 5 h on Sat 10 Oct.
    due = add_business(CAL, at("2026-09-30 17:00"), hours(24))
    assert due == at("2026-10-10 14:00")
    assert business_between(CAL, at("2026-09-30 17:00"), due) == hours(24)


def test_a_make_up_sunday_is_a_working_day() -> None:
    # Sunday 20 September 2026 is a make-up working day (调休上班) for National Day.
    assert add_business(CAL, at("2026-09-19 11:00"), hours(2)) == at("2026-09-20 10:00")


def test_spring_festival_is_nine_days_off() -> None:
    # 15–23 Feb 2026 off; Sat 14 Feb is a make-up working day.
    assert add_business(CAL, at("2026-02-13 17:00"), hours(2)) == at("2026-02-14 10:00")
    assert add_business(CAL, at("2026-02-14 17:00"), hours(2)) == at("2026-02-24 10:00")


def test_waiting_on_the_customer_pauses_the_clock_and_moves_the_due_time() -> None:
    start = at("2026-11-23 09:00")
    pause = (at("2026-11-23 10:00"), at("2026-11-24 10:00"))
    clock = sla_clock(CAL, Metric.FIRST_RESPONSE, start, hours(2), [pause], None,
                      at("2026-11-24 10:30"), 0.8)  # fmt: skip
    assert clock.due_at == at("2026-11-24 11:00")
    assert clock.elapsed == hours(1.5)
    assert clock.state is ClockState.RUNNING
    # While the pause is open the clock shows what is left and no due time.
    paused = sla_clock(CAL, Metric.FIRST_RESPONSE, start, hours(2),
                       [(pause[0], None)], None, at("2026-11-23 15:00"), 0.8)  # fmt: skip
    assert paused.state is ClockState.PAUSED
    assert paused.due_at is None
    assert paused.remaining == hours(1)


def test_warning_at_eighty_percent_and_breach_at_the_due_time() -> None:
    start = at("2026-11-23 09:00")

    def state(now: str) -> ClockState:
        return sla_clock(CAL, Metric.FIRST_RESPONSE, start, hours(2), [], None, at(now), 0.8).state

    assert state("2026-11-23 10:35") is ClockState.RUNNING
    assert state("2026-11-23 10:36") is ClockState.WARNING
    assert state("2026-11-23 11:00") is ClockState.BREACHED


def test_a_stopped_clock_is_met_or_missed() -> None:
    start = at("2026-11-23 09:00")
    met = sla_clock(CAL, Metric.FIRST_RESPONSE, start, hours(2), [], at("2026-11-23 10:59"),
                    at("2026-11-25 09:00"), 0.8)  # fmt: skip
    late = sla_clock(CAL, Metric.FIRST_RESPONSE, start, hours(2), [], at("2026-11-23 11:01"),
                     at("2026-11-25 09:00"), 0.8)  # fmt: skip
    assert met.state is ClockState.MET
    assert late.state is ClockState.MISSED


def facts(**changes: Any) -> TicketFacts:
    base = TicketFacts(
        type=TicketType.COMPLAINT,
        channel=Channel.PHONE,
        priority=Priority.NORMAL,
        tier=Tier.REGULAR,
        received_at=at("2026-09-30 17:00"),
        first_response_at=None,
        awaiting_reply_since=None,
        resolved_at=None,
        pauses=[],
        done_periods=[],
    )
    return TicketFacts(**{**base.__dict__, **changes})


def test_the_regulatory_deadline_runs_day_and_night_through_holidays_and_pauses() -> None:
    waiting = [(at("2026-09-30 18:00"), None)]  # waiting on the customer ever since
    clocks = {
        c.metric: c
        for c in ticket_clocks(facts(pauses=waiting), RULES, CAL, at("2026-10-07 16:00"))
    }
    legal = clocks[Metric.REGULATORY]
    assert legal.due_at == at("2026-10-07 17:00")  # 7 calendar days after receipt
    assert legal.state is ClockState.WARNING
    assert legal.business is False
    # The service-level clocks, meanwhile, have been paused: each clock is kept apart.
    assert clocks[Metric.RESOLUTION].state is ClockState.PAUSED
    later = {
        c.metric: c
        for c in ticket_clocks(facts(pauses=waiting), RULES, CAL, at("2026-10-07 17:00"))
    }
    assert later[Metric.REGULATORY].state is ClockState.BREACHED


def test_an_appeal_has_its_own_reply_deadline() -> None:
    clocks = ticket_clocks(facts(channel=Channel.REGULATOR), RULES, CAL, at("2026-10-01 09:00"))
    legal = next(c for c in clocks if c.metric is Metric.REGULATORY)
    assert legal.due_at == at("2026-10-15 17:00")  # 15 calendar days


def test_only_complaints_and_appeals_have_a_regulatory_clock() -> None:
    metrics = [
        c.metric
        for c in ticket_clocks(facts(type=TicketType.TRACE), RULES, CAL, at("2026-10-01 09:00"))
    ]
    assert metrics == [Metric.FIRST_RESPONSE, Metric.RESOLUTION]


def test_next_response_runs_only_while_the_customer_waits_for_an_answer() -> None:
    waiting = facts(type=TicketType.TRACE, received_at=at("2026-11-23 09:00"),
                    first_response_at=at("2026-11-23 09:30"),
                    awaiting_reply_since=at("2026-11-23 14:00"))  # fmt: skip
    clocks = {c.metric: c for c in ticket_clocks(waiting, RULES, CAL, at("2026-11-23 15:00"))}
    assert clocks[Metric.FIRST_RESPONSE].state is ClockState.MET
    assert clocks[Metric.NEXT_RESPONSE].due_at == at("2026-11-23 18:00")  # 4 working hours


def test_resolution_stops_while_resolved_and_runs_again_when_reopened() -> None:
    reopened = facts(type=TicketType.TRACE, received_at=at("2026-11-23 09:00"),
                     done_periods=[(at("2026-11-23 12:00"), at("2026-11-25 09:00"))])  # fmt: skip
    clock = next(c for c in ticket_clocks(reopened, RULES, CAL, at("2026-11-25 10:00"))
                 if c.metric is Metric.RESOLUTION)  # fmt: skip
    assert clock.elapsed == hours(4)  # 09–12 on Monday, 09–10 on Wednesday
    # 24 working hours; 3 used before the resolution; 21 left from Wednesday 09:00.
    assert clock.due_at == at("2026-11-27 12:00")


def test_priority_and_key_accounts_tighten_the_targets() -> None:
    assert (
        RULES.target_hours(Metric.FIRST_RESPONSE, TicketType.TRACE, Priority.NORMAL, Tier.REGULAR)
        == 2
    )
    assert (
        RULES.target_hours(Metric.FIRST_RESPONSE, TicketType.TRACE, Priority.URGENT, Tier.KEY)
        == 0.25
    )
    assert (
        RULES.target_hours(Metric.RESOLUTION, TicketType.TRACE, Priority.NORMAL, Tier.REGULAR) == 24
    )


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20)),
    minutes=st.integers(min_value=1, max_value=60 * 80),
)
def test_adding_business_time_and_measuring_it_agree(start: datetime, minutes: int) -> None:
    begin = start.replace(tzinfo=TZ)
    due = add_business(CAL, begin, timedelta(minutes=minutes))
    assert business_between(CAL, begin, due) == timedelta(minutes=minutes)
    local = due.astimezone(TZ)
    assert CAL.hours_on(local.date()) is not None


def test_the_holiday_calendar_comes_from_the_state_council_schedule() -> None:
    days = {d.isoformat(): kind for d, kind, _ in china_days(2026)}
    assert days["2026-10-01"] == "off"
    assert days["2026-10-10"] == "work"
    assert days["2026-02-14"] == "work"
    assert days["2026-02-20"] == "off"
    with pytest.raises(KeyError):
        days["2026-03-02"]
