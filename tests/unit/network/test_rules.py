from datetime import datetime, time, timedelta

from expressdesk.network.rules import (
    AreaRule,
    Departure,
    earliest_arrival,
    match_delivery_area,
    next_arrival,
    normal_transit_time,
    validate_schedule,
)

RULES = [
    AreaRule(1, "北京市", "北京市", "朝阳区", ("建国路", "光华路")),
    AreaRule(2, "北京市", "北京市", "朝阳区", ("建国路东段",)),
    AreaRule(3, "北京市", "北京市", "朝阳区", ()),
    AreaRule(4, "北京市", "北京市", "海淀区", ("中关村",)),
]


def test_keyword_in_the_street_picks_the_area() -> None:
    assert match_delivery_area(RULES, "北京市", "北京市", "朝阳区", "光华路5号") == 1


def test_longest_keyword_wins() -> None:
    assert match_delivery_area(RULES, "北京市", "北京市", "朝阳区", "建国路东段8号") == 2


def test_rest_of_district_goes_to_the_catch_all_area() -> None:
    assert match_delivery_area(RULES, "北京市", "北京市", "朝阳区", "三里屯路1号") == 3


def test_district_without_catch_all_and_no_keyword_is_outside_every_area() -> None:
    assert match_delivery_area(RULES, "北京市", "北京市", "海淀区", "学院路1号") is None


def test_unknown_district_or_other_province_is_not_served() -> None:
    assert match_delivery_area(RULES, "北京市", "北京市", None, "建国路") is None
    assert match_delivery_area(RULES, "浙江省", "杭州市", "朝阳区", "建国路") is None


TRUCK = Departure(1, 10, 20, time(21, 0), time(9, 0), 1, "1234567")
WEEKDAY_FLIGHT = Departure(2, 10, 20, time(22, 30), time(1, 30), 1, "12345")
ONWARD = Departure(3, 20, 30, time(12, 0), time(18, 0), 0, "1234567")


def test_schedule_validation_names_each_problem() -> None:
    assert validate_schedule(time(21), time(9), 1, "1234567") == []
    assert validate_schedule(time(21), time(9), 0, "1234567")  # arrives before it leaves
    assert validate_schedule(time(8), time(9), 0, "1289")  # 8 and 9 are not weekdays
    assert validate_schedule(time(8), time(9), 0, "11")  # repeats


def test_next_arrival_waits_for_the_departure() -> None:
    monday_10 = datetime(2026, 11, 2, 10, 0)
    assert next_arrival([TRUCK], monday_10) == datetime(2026, 11, 3, 9, 0)


def test_flight_does_not_operate_at_weekends() -> None:
    saturday = datetime(2026, 11, 7, 10, 0)
    # The weekday flight only leaves on Monday night; arriving Tuesday 01:30.
    assert next_arrival([WEEKDAY_FLIGHT], saturday) == datetime(2026, 11, 10, 1, 30)
    assert next_arrival([WEEKDAY_FLIGHT, TRUCK], saturday) == datetime(2026, 11, 8, 9, 0)


def test_connection_through_a_hub_includes_handling_time() -> None:
    monday_10 = datetime(2026, 11, 2, 10, 0)
    # Truck arrives hub 20 Tuesday 09:00, sorted by 10:00, onward at 12:00, arrives 18:00.
    assert earliest_arrival([TRUCK, ONWARD], 10, 30, monday_10) == datetime(2026, 11, 3, 18, 0)
    assert earliest_arrival([TRUCK], 10, 30, monday_10) is None


def test_normal_transit_time_counts_the_wait_for_the_departure() -> None:
    transit = normal_transit_time([TRUCK], 10, 20, datetime(2024, 1, 1))
    assert transit is not None
    # Ready at a random hour of the week, the daily 21:00 truck takes 12 h plus a wait of 0-23 h.
    assert timedelta(hours=12) <= transit <= timedelta(hours=36)
    assert normal_transit_time([TRUCK], 10, 10, datetime(2024, 1, 1)) == timedelta(0)
