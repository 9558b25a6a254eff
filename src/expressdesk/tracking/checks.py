"""Checks one uploaded scan on its own: shape, waybill number, time, required fields, codes.

The first of ingestion's steps, kept apart from the folding so each stays readable. Every
rejection carries a stable reason code and a message naming the field and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from expressdesk.problems.rules import ProblemType
from expressdesk.tracking.repository import NetworkSnapshot
from expressdesk.tracking.scan_types import SCAN_RULES, FailureReason, ScanType
from expressdesk.tracking.schemas import ScanIn
from expressdesk.waybills.numbering import is_valid_waybill_number, normalize_waybill_number

FUTURE_TOLERANCE = timedelta(minutes=10)  # scanner clocks drift; beyond this the time is wrong
_scan_adapter: TypeAdapter[ScanIn] = TypeAdapter(ScanIn)
_FAILURE_REASONS = frozenset(r.value for r in FailureReason)
_PROBLEM_CODES = frozenset(t.value for t in ProblemType)


@dataclass(slots=True)
class ScanResult:
    """One item's answer (a plain object: built for every scan, so it must be cheap)."""

    index: int
    outcome: str  # accepted, duplicate or rejected
    client_scan_id: str | None = None
    reason: str | None = None
    detail: str | None = None
    anomaly: str | None = None


def reject(index: int, scan_id: str | None, reason: str, detail: str) -> ScanResult:
    return ScanResult(
        index=index, outcome="rejected", client_scan_id=scan_id, reason=reason, detail=detail
    )


def _validation_reason(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "scan"
    if first["type"] == "timezone_aware":
        return (
            "time_without_offset",
            f"{where}: the time must carry its UTC offset, e.g. 2026-11-02T09:30:00+08:00",
        )
    if where == "type" and first["type"] == "enum":
        return "unknown_scan_type", f"type: {first['msg']}"
    return "invalid", "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'scan'}: {e['msg']}" for e in exc.errors()
    )


def check_item(
    index: int, item: Any, now: datetime, network: NetworkSnapshot, prefix: str
) -> tuple[ScanResult | None, ScanIn | None, str]:
    scan_id = item.get("client_scan_id") if isinstance(item, dict) else None
    scan_id = scan_id if isinstance(scan_id, str) else None
    try:
        scan = _scan_adapter.validate_python(item)
    except ValidationError as exc:
        reason, detail = _validation_reason(exc)
        return reject(index, scan_id, reason, detail), None, ""
    number = normalize_waybill_number(scan.waybill)
    if not is_valid_waybill_number(number, prefix):
        return (
            reject(
                index,
                scan_id,
                "invalid_waybill_number",
                f"waybill: '{scan.waybill}' is not a valid waybill number",
            ),
            None,
            "",
        )
    if scan.time > now + FUTURE_TOLERANCE:
        return (
            reject(
                index,
                scan_id,
                "time_in_future",
                "time: later than now; check the scanner's clock",
            ),
            None,
            "",
        )
    rule = SCAN_RULES[scan.type]
    for name in rule.requires:
        if getattr(scan, name) in (None, ""):
            return (
                reject(
                    index,
                    scan_id,
                    "missing_field",
                    f"{name}: required for a {scan.type.value} scan",
                ),
                None,
                "",
            )
    if rule.needs_facility and not scan.facility:
        return (
            reject(
                index,
                scan_id,
                "missing_field",
                f"facility: required for a {scan.type.value} scan",
            ),
            None,
            "",
        )
    if scan.facility and scan.facility not in network.by_code:
        return (
            reject(index, scan_id, "unknown_facility", f"facility: no facility '{scan.facility}'"),
            None,
            "",
        )
    if scan.type is ScanType.DELIVERY_FAILED and scan.reason not in _FAILURE_REASONS:
        allowed = ", ".join(sorted(_FAILURE_REASONS))
        return (
            reject(index, scan_id, "invalid_reason", f"reason: must be one of {allowed}"),
            None,
            "",
        )
    if scan.type is ScanType.PROBLEM and scan.problem_code not in _PROBLEM_CODES:
        allowed = ", ".join(sorted(_PROBLEM_CODES))
        return (
            reject(
                index, scan_id, "invalid_problem_code", f"problem_code: must be one of {allowed}"
            ),
            None,
            "",
        )
    return None, scan, number
