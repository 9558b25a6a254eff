"""The tracking view of a waybill: status, timeline, estimate, custody; masked for the public."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache, lru_cache
from typing import Any

from sqlalchemy.orm import Session

from expressdesk.db import Reader
from expressdesk.models import Waybill
from expressdesk.tracking import repository
from expressdesk.tracking.masking import mask_name, mask_phone
from expressdesk.tracking.partners import lookup_partner_status
from expressdesk.tracking.rules import CustodyEvent, CustodyStep, custody_chain
from expressdesk.tracking.scan_types import (
    FAILURE_TEXT,
    SCAN_RULES,
    SIGNER_TEXT,
    TERMINAL,
    FailureReason,
    ScanType,
    SignerType,
)
from expressdesk.tracking.schemas import (
    CustodyOut,
    FacilityRef,
    PlaceOut,
    TimelineEvent,
    TrackingOut,
)
from expressdesk.tracking.statuses import status_label, status_meaning

_FAILURES = frozenset(r.value for r in FailureReason)


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[0] if locale == "zh_CN" else pair[1]


def _detail(event: Any, locale: str, couriers: dict[int, str], reveal_phone: bool) -> str:
    zh = locale == "zh_CN"
    kind = ScanType(event.scan_type)
    if kind is ScanType.OUT_FOR_DELIVERY and event.courier_id is not None:
        name = couriers.get(event.courier_id, "")
        phone = event.courier_phone or ""
        return f"（快递员：{name} {phone}）" if zh else f" (courier {name} {phone})".rstrip()
    if kind is ScanType.PICKUP and event.weight_g:
        return (
            f"，重量 {event.weight_g / 1000:g} kg"
            if zh
            else f", weight {event.weight_g / 1000:g} kg"
        )
    if kind is ScanType.DELIVERY_FAILED and event.reason in _FAILURES:
        text = _pick(FAILURE_TEXT[FailureReason(event.reason or "")], locale)
        return f"：{text}" if zh else f": {text}"
    if kind is ScanType.SIGNED and event.signer_type:
        text = _pick(SIGNER_TEXT[SignerType(event.signer_type)], locale)
        return f"，{text}" if zh else f", {text}"
    if kind in (ScanType.PROBLEM, ScanType.RETURN_STARTED) and (event.problem_code or event.reason):
        code = event.problem_code or event.reason or ""
        return f"（{code}）" if zh else f" ({code})"
    if kind is ScanType.PARTNER:
        entry = lookup_partner_status(event.carrier or "", event.carrier_status or "")
        if entry is None:
            return event.carrier_status or ""
        return entry.meaning_zh if zh else entry.meaning_en
    return ""


@cache
def _offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def _local_time(event: Any) -> datetime:
    at: datetime = event.event_time
    return at.astimezone(_offset(event.utc_offset_min))


@lru_cache(maxsize=8192)
def _ref(facility: repository.FacilityName | None) -> FacilityRef | None:
    # One (frozen) model per facility as the directory names it, shared by every view.
    return (
        FacilityRef(code=facility.code, name=facility.name, city=facility.city)
        if facility
        else None
    )


def _chain(events: list[Any]) -> list[CustodyStep]:
    return custody_chain(
        [
            CustodyEvent(
                ScanType(e.scan_type),
                e.event_time,
                e.facility_id,
                e.operator_id,
                e.courier_id,
                e.carrier,
                e.anomaly,
            )
            for e in events
        ]
    )


def custody_steps(session: Session, waybill: Waybill) -> list[CustodyStep]:
    """Who held the parcel when and where: what a lost-parcel search starts from."""
    return _chain(repository.timeline_rows(session, waybill))


def tracking_view(
    db: Reader,
    waybill: Waybill | Any,  # a Waybill, or a row of its tracking columns
    *,
    locale: str,
    now: datetime,
    reveal: bool,
    staff: bool,
) -> TrackingOut:
    """Everything a tracking page shows. ``reveal``: personal data unmasked (staff, the
    shipper, or a visitor who confirmed the phone); ``staff``: anomalies, custody, raw strings."""
    events = repository.timeline_rows(db, waybill)
    facilities = repository.facility_directory(db)
    people = repository.usernames(db, people_named(events, staff))
    return build_tracking_view(
        waybill, events, facilities, people, locale=locale, now=now, reveal=reveal, staff=staff
    )


def people_named(events: list[Any], staff: bool) -> list[int]:
    """Whose names a timeline shows. To staff: every courier and operator (the custody chain
    names the courier who held the parcel). To the public: only the courier out delivering,
    the one name ``_detail`` prints, so a timeline in transit costs no query for names."""
    if staff:
        return [e.courier_id for e in events if e.courier_id] + [
            e.operator_id for e in events if e.operator_id
        ]
    out = ScanType.OUT_FOR_DELIVERY.value
    return [e.courier_id for e in events if e.courier_id and e.scan_type == out]


def build_tracking_view(
    waybill: Waybill | Any,
    events: list[Any],
    facilities: dict[int, repository.FacilityName],
    people: dict[int, str],
    *,
    locale: str,
    now: datetime,
    reveal: bool,
    staff: bool,
) -> TrackingOut:
    """``tracking_view`` from what it read: the waybill's timeline rows, the facility
    directory and the names of the people in it."""
    timeline = []
    for e in reversed(events):  # newest first, as every tracking page shows it
        kind = ScanType(e.scan_type)
        rule = SCAN_RULES[kind]
        facility = facilities.get(e.facility_id) if e.facility_id else None
        template = rule.zh if locale == "zh_CN" else rule.en
        description = template.format(
            facility=facility.name if facility else "",
            detail=_detail(e, locale, people, reveal),
            carrier=e.carrier or "",
        )
        status = rule.status
        if kind is ScanType.PARTNER:
            entry = lookup_partner_status(e.carrier or "", e.carrier_status or "")
            status = entry.status if entry else None
        timeline.append(
            TimelineEvent(
                time=_local_time(e),
                type=kind,
                status=status,
                description=description,
                facility=_ref(facility),
                anomaly=e.anomaly if staff else None,
                partner_raw=e.carrier_status if staff and kind is ScanType.PARTNER else None,
                operator=people.get(e.operator_id) if staff and e.operator_id else None,
                device=f"{e.device_id}#{e.device_seq}" if staff and e.device_id else None,
            )
        )
    custody = None
    if staff:
        chain = _chain(events)
        custody = [
            CustodyOut(
                holder=step.holder,
                facility=_ref(facilities.get(step.facility_id)) if step.facility_id else None,
                person=people.get(step.operator_id) if step.operator_id else None,
                carrier=step.carrier,
                since=step.since,
                until=step.until,
            )
            for step in chain
        ]
    late = bool(
        waybill.status not in TERMINAL
        and waybill.estimated_delivery_at is not None
        and now > waybill.estimated_delivery_at
    )
    return TrackingOut(
        number=waybill.number,
        status=waybill.status,
        status_label=status_label(waybill.status, locale),
        status_meaning=status_meaning(waybill.status, locale),
        sub_status=waybill.sub_status,
        estimated_delivery=waybill.estimated_delivery_at,
        promised_by=waybill.promised_by,
        late=late,
        last_update=waybill.last_event_at,
        origin=PlaceOut(province=waybill.sender_province, city=waybill.sender_city),
        destination=PlaceOut(
            province=waybill.recipient_province,
            city=waybill.recipient_city,
            district=waybill.recipient_district,
        ),
        recipient_name=waybill.recipient_name if reveal else mask_name(waybill.recipient_name),
        recipient_phone=waybill.recipient_phone if reveal else mask_phone(waybill.recipient_phone),
        sender_name=waybill.sender_name if reveal else mask_name(waybill.sender_name),
        masked=not reveal,
        events=timeline,
        custody=custody,
        anomalies=waybill.anomaly_count if staff else None,
    )
