"""Helpers to build scans for tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

_ids = itertools.count(1)


def scan(waybill: str, type_: str, at: datetime, **extra: Any) -> dict[str, Any]:
    """One scan as a device sends it (unique client_scan_id unless given)."""
    item: dict[str, Any] = {
        "waybill": waybill,
        "type": type_,
        "time": at.isoformat(),
        "client_scan_id": extra.pop("client_scan_id", f"t-{next(_ids)}"),
    }
    item.update(extra)
    return item


def life(waybill: str, start: datetime) -> list[dict[str, Any]]:
    """A normal life from Hangzhou to Beijing (test world), delivered the third day."""
    h = timedelta(hours=1)
    return [
        scan(waybill, "pickup", start, facility="HZ01", weight_kg="1.2"),
        scan(waybill, "arrival", start + 9 * h, facility="HHZ"),
        scan(waybill, "departure", start + 12 * h, facility="HHZ"),
        scan(waybill, "arrival", start + 24 * h, facility="HBJ"),
        scan(waybill, "departure", start + 26 * h, facility="HBJ"),
        scan(waybill, "arrival", start + 28 * h, facility="BJ01"),
        scan(
            waybill,
            "out_for_delivery",
            start + 29 * h,
            facility="BJ01",
            courier="courier",
            courier_phone="13700001111",
        ),
        scan(waybill, "signed", start + 31 * h, signer_type="mailroom", signer_name="收发室"),
    ]
