"""Demo scan histories: what the network did with each demo waybill, uploaded the way devices
upload (in batches, some re-sent, some late and out of order, some from a partner carrier)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.models import DeliveryArea, Facility, User, Waybill
from expressdesk.tracking.service import ScanIngestor

H = timedelta(hours=1)


def _life(
    rng: random.Random,
    wb: Waybill,
    now: datetime,
    facilities: dict[int, Facility],
    couriers: dict[int, list[str]],
) -> list[dict[str, Any]]:
    """The scans one parcel would have by ``now``, given its age."""
    origin = facilities.get(wb.origin_facility_id or 0)
    dest = facilities.get(wb.dest_facility_id or 0)
    if origin is None or origin.parent_id is None:
        return []
    origin_hub = facilities[origin.parent_id]
    seq = iter(range(1, 100))

    def s(
        kind: str, at: datetime, facility: Facility | None = None, **extra: Any
    ) -> dict[str, Any] | None:
        if at > now:
            return None
        item = {
            "waybill": wb.number,
            "type": kind,
            "time": at.isoformat(),
            "client_scan_id": f"demo-{wb.number}-{next(seq)}",
            **extra,
        }
        if facility is not None:
            item["facility"] = facility.code
        return item

    t = wb.created_at + timedelta(minutes=rng.randint(30, 240))
    scans = [s("pickup", t, origin, weight_kg=f"{wb.weight_g / 1000:.3f}")]
    picked = t
    t = t.replace(hour=10, minute=0) + timedelta(hours=10 + rng.random())  # the evening dispatch
    if t < picked:
        t += timedelta(days=1)
    scans.append(s("departure", t, origin))
    t += 2 * H
    scans += [
        s("arrival", t, origin_hub),
        s("bagging", t + H, origin_hub),
        s("departure", t + 2 * H, origin_hub),
    ]
    if dest is None or dest.parent_id is None:
        # Handed to a partner for an outlet we do not serve.
        t += rng.randint(20, 40) * H
        scans.append(
            s(
                "partner",
                t,
                carrier="CNPOST",
                carrier_status=rng.choice(["邮件已到达", "Arrived at delivery office"]),
            )
        )
        if rng.random() < 0.5:
            scans.append(s("partner", t + 20 * H, carrier="USPS", carrier_status="Notice Left"))
        return [x for x in scans if x]
    dest_hub = facilities[dest.parent_id]
    t += rng.randint(8, 30) * H
    if dest_hub.id != origin_hub.id:
        scans += [
            s("arrival", t, dest_hub),
            s("unbagging", t + H, dest_hub),
            s("departure", t + 2 * H, dest_hub),
        ]
        t += 4 * H
    scans.append(s("arrival", t, dest))
    courier = (
        rng.choice(couriers.get(wb.dest_area_id or 0, []))
        if couriers.get(wb.dest_area_id or 0)
        else None
    )
    if courier is None:
        return [x for x in scans if x]
    t += H
    scans.append(
        s(
            "out_for_delivery",
            t,
            dest,
            courier=courier,
            courier_phone=f"137{rng.randrange(10**8):08d}",
        )
    )
    roll = rng.random()
    if roll < 0.08:
        scans.append(
            s(
                "delivery_failed",
                t + 3 * H,
                reason=rng.choice(["absent", "unreachable", "rescheduled"]),
            )
        )
        t += 24 * H
        scans.append(s("out_for_delivery", t, dest, courier=courier))
    if roll < 0.02:
        scans.append(s("problem", t + 2 * H, problem_code="address_unclear"))
        return [x for x in scans if x]
    if roll < 0.03:
        scans.append(s("delivery_failed", t + 2 * H, reason="refused"))
        scans.append(s("return_started", t + 5 * H, reason="refused"))
        return [x for x in scans if x]
    if roll < 0.10:
        scans.append(s("stored", t + 2 * H, dest, pickup_code=f"{rng.randrange(10**6):06d}"))
        scans.append(s("signed", t + 20 * H, signer_type="station"))
    else:
        signer = rng.choices(
            ["recipient", "family", "mailroom", "doorman", "locker"], weights=[60, 15, 10, 10, 5]
        )[0]
        scans.append(s("signed", t + rng.randint(1, 5) * H, signer_type=signer))
    if rng.random() < 0.01:  # a parcel scanned again after delivery: the desk sees the anomaly
        scans.append(s("arrival", t + 30 * H, dest))
    return [x for x in scans if x]


def load_demo_scans(
    session: Session,
    settings: Settings,
    now: datetime,
    rng: random.Random,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Scan histories for every demo waybill, uploaded in shuffled batches with re-sends."""
    actor = session.scalar(select(User).where(User.username == "admin"))
    assert actor is not None
    facilities = {f.id: f for f in session.scalars(select(Facility))}
    couriers = {
        a.id: [c.username for c in a.couriers] for a in session.scalars(select(DeliveryArea))
    }
    waybills = list(session.scalars(select(Waybill).order_by(Waybill.id)))
    ingestor = ScanIngestor(session, settings)
    pending: list[dict[str, Any]] = []
    accepted = 0
    for i, wb in enumerate(waybills, start=1):
        pending += _life(rng, wb, now, facilities, couriers)
        if len(pending) >= 500 or i == len(waybills):
            # Devices upload late and out of order, and re-send what they already sent.
            rng.shuffle(pending)
            resent = rng.sample(pending, k=len(pending) // 50)
            for start in range(0, len(pending), 500):
                report = ingestor.ingest(pending[start : start + 500], actor, now)
                accepted += report.count("accepted")
            ingestor.ingest(resent, actor, now)
            if progress:
                progress(len(pending))
            pending = []
    return accepted
