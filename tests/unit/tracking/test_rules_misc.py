"""Fold order, custody chain, estimated delivery, masking and the rate limiter."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from expressdesk.network.rules import Departure
from expressdesk.tracking.eta import (
    delivery_after_hub,
    delivery_after_outlet_arrival,
    estimate_from_pickup,
    next_outlet_dispatch,
)
from expressdesk.tracking.masking import mask_name, phone_matches_last4
from expressdesk.tracking.query import people_named
from expressdesk.tracking.rules import CustodyEvent, ScanFacts, custody_chain, fold
from expressdesk.tracking.scan_types import ScanType
from expressdesk.web.ratelimit import RateLimiter, TooManyRequests

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=SH)


def test_same_instant_scans_fold_in_lifecycle_order() -> None:
    arrive = ScanFacts(ScanType.ARRIVAL, T0, facility_id=1, tiebreak="b")
    leave = ScanFacts(ScanType.DEPARTURE, T0, facility_id=1, tiebreak="a")
    _, timeline = fold([leave, arrive])
    assert [e.scan_type for e, _ in timeline] == [ScanType.ARRIVAL, ScanType.DEPARTURE]
    assert all(a is None for _, a in timeline)


def test_timezone_offsets_are_compared_in_absolute_time() -> None:
    beijing = ScanFacts(ScanType.ARRIVAL, datetime(2026, 11, 2, 9, 0, tzinfo=SH), facility_id=1)
    utc_later = ScanFacts(
        ScanType.DEPARTURE, datetime(2026, 11, 2, 2, 0, tzinfo=UTC), facility_id=1
    )
    _, timeline = fold([utc_later, beijing])
    assert [e.scan_type for e, _ in timeline] == [ScanType.ARRIVAL, ScanType.DEPARTURE]


def test_custody_chain_follows_hands_and_places() -> None:
    def ev(
        kind: ScanType,
        hours: int,
        facility: int | None,
        operator: int | None = None,
        courier: int | None = None,
    ) -> CustodyEvent:
        return CustodyEvent(
            kind, T0 + timedelta(hours=hours), facility, operator, courier, None, None
        )

    chain = custody_chain(
        [
            ev(ScanType.ORDER_INFO, 0, None),
            ev(ScanType.PICKUP, 1, 10, operator=5),
            ev(ScanType.ARRIVAL, 5, 20, operator=6),
            ev(ScanType.BAGGING, 6, 20, operator=7),
            ev(ScanType.DEPARTURE, 7, 20, operator=7),
            ev(ScanType.ARRIVAL, 20, 30, operator=8),
            ev(ScanType.OUT_FOR_DELIVERY, 21, 30, operator=8, courier=9),
        ]
    )
    assert [(c.holder, c.facility_id, c.operator_id) for c in chain] == [
        ("facility", 10, 5), ("facility", 20, 7), ("facility", 30, 8), ("courier", 30, 9),
    ]  # fmt: skip
    assert chain[1].since == T0 + timedelta(hours=5) and chain[1].until == T0 + timedelta(hours=20)
    assert chain[-1].until is None


def test_pickup_after_the_evening_dispatch_waits_a_day() -> None:
    assert next_outlet_dispatch(T0, SH) == datetime(2026, 11, 2, 20, 0, tzinfo=SH)
    late = datetime(2026, 11, 2, 18, 30, tzinfo=SH)
    assert next_outlet_dispatch(late, SH) == datetime(2026, 11, 3, 20, 0, tzinfo=SH)


def test_delivery_rounds_after_the_hub_and_the_outlet() -> None:
    assert delivery_after_hub(datetime(2026, 11, 3, 2, 0, tzinfo=SH), SH) == datetime(
        2026, 11, 3, 12, 0, tzinfo=SH
    )
    assert delivery_after_hub(datetime(2026, 11, 3, 9, 0, tzinfo=SH), SH) == datetime(
        2026, 11, 3, 19, 0, tzinfo=SH
    )
    assert delivery_after_hub(datetime(2026, 11, 3, 11, 0, tzinfo=SH), SH) == datetime(
        2026, 11, 4, 12, 0, tzinfo=SH
    )
    assert delivery_after_outlet_arrival(datetime(2026, 11, 3, 7, 40, tzinfo=SH), SH) == datetime(
        2026, 11, 3, 12, 0, tzinfo=SH
    )
    assert delivery_after_outlet_arrival(datetime(2026, 11, 3, 15, 0, tzinfo=SH), SH) == datetime(
        2026, 11, 4, 12, 0, tzinfo=SH
    )


def test_weekday_flight_makes_the_friday_parcel_wait() -> None:
    flight = Departure(1, 100, 200, time(22, 30), time(1, 30), 1, "12345")
    friday = datetime(2026, 11, 6, 15, 0, tzinfo=SH)
    # Friday dispatch reaches the hub 20:00, Friday's flight lands Saturday 01:30, morning round.
    assert estimate_from_pickup(friday, 100, 200, [flight], SH) == datetime(
        2026, 11, 7, 12, 0, tzinfo=SH
    )
    saturday = friday + timedelta(days=1)
    # No flight on Saturday or Sunday: Monday night's, landing Tuesday 01:30.
    assert estimate_from_pickup(saturday, 100, 200, [flight], SH) == datetime(
        2026, 11, 10, 12, 0, tzinfo=SH
    )
    assert estimate_from_pickup(saturday, 100, 300, [flight], SH) is None


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("John", "J***"), ("李", "李*")]
)
def test_names_keep_only_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_phone_check_needs_exactly_four_matching_digits() -> None:
    assert phone_matches_last4("13912345678", "5678")
    assert not phone_matches_last4("13912345678", "678")
    assert not phone_matches_last4("13912345678", "1234")


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=3, window=timedelta(minutes=1))
    limiter.hit("a", T0, 2)
    limiter.hit("a", T0 + timedelta(seconds=10))
    with pytest.raises(TooManyRequests) as refused:
        limiter.hit("a", T0 + timedelta(seconds=20))
    assert refused.value.retry_after == 41
    limiter.hit("b", T0 + timedelta(seconds=20))  # another client is not affected
    limiter.hit("a", T0 + timedelta(seconds=61), 2)  # the first hits have left the window


def test_public_timelines_look_up_only_the_courier_out_delivering() -> None:
    """The public timeline prints one courier's name (out for delivery), so a parcel still in
    transit costs its lookup no query for names; staff see every courier and operator (the
    custody chain names the courier who held it)."""

    def event(kind: ScanType, courier: int | None, operator: int) -> SimpleNamespace:
        return SimpleNamespace(scan_type=kind.value, courier_id=courier, operator_id=operator)

    in_transit = [event(ScanType.PICKUP, 7, 1), event(ScanType.ARRIVAL, None, 2)]
    assert people_named(in_transit, staff=False) == []
    assert sorted(people_named(in_transit, staff=True)) == [1, 2, 7]
    out = [*in_transit, event(ScanType.OUT_FOR_DELIVERY, 9, 3)]
    assert people_named(out, staff=False) == [9]
    assert sorted(people_named(out, staff=True)) == [1, 2, 3, 7, 9]
