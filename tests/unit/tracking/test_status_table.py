"""The status table, exhaustively: every scan type from every status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from expressdesk.enums import ShipmentStatus as S
from expressdesk.tracking.partners import USPS, lookup_partner_status
from expressdesk.tracking.rules import ScanFacts, TrackingState, step
from expressdesk.tracking.scan_types import SCAN_RULES, Presence, ScanType

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

# DOMAIN.md, "Statuses": the public status each scan leads to (written out here, independently
# of the table in the code, so a wrong table entry fails).
EXPECTED = {
    ScanType.ORDER_INFO: S.CREATED,
    ScanType.PICKUP: S.PICKED_UP,
    ScanType.ARRIVAL: S.IN_TRANSIT,
    ScanType.DEPARTURE: S.IN_TRANSIT,
    ScanType.BAGGING: S.IN_TRANSIT,
    ScanType.UNBAGGING: S.IN_TRANSIT,
    ScanType.LINEHAUL_LOAD: S.IN_TRANSIT,
    ScanType.LINEHAUL_UNLOAD: S.IN_TRANSIT,
    ScanType.FORWARDED: S.IN_TRANSIT,
    ScanType.CUSTOMS_IN: S.CUSTOMS,
    ScanType.CUSTOMS_OUT: S.CUSTOMS,
    ScanType.INTERNATIONAL_DISPATCH: S.CUSTOMS,
    ScanType.ARRIVED_ABROAD: S.CUSTOMS,
    ScanType.OUT_FOR_DELIVERY: S.OUT_FOR_DELIVERY,
    ScanType.STORED: S.AT_PICKUP_POINT,
    ScanType.DELIVERY_FAILED: S.ATTEMPT_FAILED,
    ScanType.SIGNED: S.DELIVERED,
    ScanType.PROBLEM: S.EXCEPTION,
    ScanType.RETURN_STARTED: S.RETURNING,
    ScanType.RETURNED: S.RETURNED,
    ScanType.DECLARED_LOST: S.LOST,
    ScanType.CANCELLED: S.CANCELLED,
    ScanType.PARTNER: None,  # by the partner table
}
STICKY = {S.DELIVERED, S.RETURNED, S.CANCELLED}
HERE = 7


def test_every_scan_type_has_a_rule_and_an_expectation() -> None:
    assert set(SCAN_RULES) == set(ScanType) == set(EXPECTED)


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("scan_type", list(ScanType))
def test_scan_from_status(current: S, scan_type: ScanType) -> None:
    state = TrackingState(status=current, facility_id=HERE, last_key="0", status_at=T0)
    event = ScanFacts(
        scan_type=scan_type,
        event_time=T0 + timedelta(hours=1),
        facility_id=HERE,
        carrier="USPS",
        carrier_status="Delivered",
    )
    new, anomaly = step(state, event)
    if current in STICKY:
        assert (new.status, anomaly) == (current, f"scanned_after_{current.value.lower()}")
        assert new.anomalies == 1
        return
    assert anomaly is None
    expected = EXPECTED[scan_type] if scan_type is not ScanType.PARTNER else S.DELIVERED
    if expected is S.CREATED and current is not S.CREATED:
        expected = current  # late order information never sends a parcel back
    assert new.status is expected
    assert new.last_event_at == event.event_time


@pytest.mark.parametrize(
    "scan_type", [t for t, r in SCAN_RULES.items() if r.presence is Presence.LEAVES]
)
def test_leaving_a_facility_the_parcel_never_reached_is_an_anomaly(scan_type: ScanType) -> None:
    state = TrackingState(status=S.IN_TRANSIT, facility_id=HERE)
    new, anomaly = step(state, ScanFacts(scan_type=scan_type, event_time=T0, facility_id=HERE + 1))
    assert anomaly == "left_facility_never_reached"
    assert new.status is S.IN_TRANSIT and new.facility_id == HERE


def test_failed_attempts_are_counted() -> None:
    state = TrackingState(status=S.OUT_FOR_DELIVERY)
    for n in (1, 2):
        state, _ = step(
            state, ScanFacts(ScanType.DELIVERY_FAILED, T0 + timedelta(hours=n), reason="absent")
        )
        assert state.attempts == n
    assert (state.status, state.reason) == (S.ATTEMPT_FAILED, "absent")


def test_the_seeds_21_usps_statuses_are_mapped_with_advice() -> None:
    seed = [
        "No Record", "Electronic Shipping Info Received", "Acceptance", "Processed through Sort Facility",
        "Arrival at Post Office", "Delivered", "Notice Left", "Sorting Complete",
        "Out for Delivery or Available at PO Box", "Undeliverable as Addressed", "Insufficient Address",
        "International Dispatch", "Out of Foreign Customs", "Arrived Abroad", "Into Foreign Customs",
        "Forwarded", "Delivery Status Not Updated", "Vacant", "Moved, Left no Address",
        "Arrival at Pick-Up-Point", "No Such Number",
    ]  # fmt: skip
    assert len(seed) == 21
    for raw in seed:
        entry = lookup_partner_status("usps", raw.upper())
        assert entry is not None, raw
        assert entry.meaning_zh and entry.meaning_en and entry.advice_zh and entry.advice_en
    notice = lookup_partner_status("USPS", "notice left")
    assert notice is not None and notice.status is S.AT_PICKUP_POINT and "10" in notice.meaning_en
    assert lookup_partner_status("USPS", "Eaten by goat") is None
    assert lookup_partner_status("DHL", "Delivered") is None
    assert len({(p.carrier, p.raw) for p in USPS}) == len(USPS)


def test_informational_partner_status_leaves_the_status_alone() -> None:
    state = TrackingState(status=S.IN_TRANSIT)
    new, anomaly = step(
        state,
        ScanFacts(
            ScanType.PARTNER, T0, carrier="USPS", carrier_status="Delivery Status Not Updated"
        ),
    )
    assert anomaly is None and new.status is S.IN_TRANSIT
