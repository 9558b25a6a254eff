"""Demo pickups: the accounts' booked pickups of the last 90 days, mostly kept in their window,
some late, a few missed or cancelled (pickup punctuality in the monthly reports)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.enums import Role
from expressdesk.models import Customer, DeliveryArea, Pickup, User

WINDOWS = ((9, 11), (13, 15), (15, 17))


def load_demo_pickups(session: Session, now: datetime, rng: random.Random, tz: ZoneInfo) -> int:
    customers = list(session.scalars(select(Customer).order_by(Customer.id)))
    areas = {
        a.outlet_id: a for a in session.scalars(select(DeliveryArea).order_by(DeliveryArea.id))
    }
    couriers = list(
        session.scalars(select(User).where(User.role == Role.COURIER).order_by(User.id))
    )
    managers = list(session.scalars(select(User).where(User.role == Role.AGENT).order_by(User.id)))
    count = 0
    today = now.astimezone(tz).date()
    for n, customer in enumerate(customers):
        if managers:  # each account has its manager (客户经理)
            customer.account_manager_id = managers[n % len(managers)].id
        area = areas.get(customer.home_outlet_id or 0)
        for back in range(90, -2, -1):  # up to tomorrow
            day = today - timedelta(days=back)
            if day.isoweekday() == 7 or rng.random() < 0.4:
                continue
            start_h, end_h = rng.choice(WINDOWS)
            start = datetime.combine(day, time(start_h), tz)
            end = datetime.combine(day, time(end_h), tz)
            roll = rng.random()
            arrived = cancelled = None
            status = "done"
            if end > now:
                status = "assigned"  # still to come: nothing happened yet
            elif roll < 0.03:
                status, cancelled = "cancelled", start - timedelta(hours=rng.randint(1, 12))
            elif roll < 0.07:
                status = "assigned"  # missed: nobody came (the desk heard of it back then)
            elif roll < 0.17:
                arrived = end + timedelta(minutes=rng.randint(5, 90))  # late
            elif status == "done":
                arrived = start + timedelta(minutes=rng.randint(0, (end_h - start_h) * 60))
            count += 1
            session.add(Pickup(
                number=f"PK{customer.id:04d}{day:%y%m%d}", customer_id=customer.id, status=status,
                contact_name=customer.contact_name, phone=customer.phone,
                province=customer.province,
                city=customer.city, district=customer.district, address=customer.address or "—",
                area_id=area.id if area else None, facility_id=customer.home_outlet_id,
                courier_id=(area.couriers[0].id if area and area.couriers
                            else (rng.choice(couriers).id if couriers else None)),
                parcels=rng.randint(1, 40), window_start=start, window_end=end,
                booked_at=start - timedelta(hours=rng.randint(2, 30)),
                assigned_at=start - timedelta(hours=1), arrived_at=arrived,
                done_at=arrived + timedelta(minutes=10) if arrived else None,
                cancelled_at=cancelled, reason="客户改期" if cancelled else "",
                missed_at=(end + timedelta(minutes=30)
                           if status == "assigned" and end < now else None),
            ))  # fmt: skip
    # Walk-in senders (散客) book too: every courier has a few pickups today and tomorrow.
    people = ("王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士")
    for area in session.scalars(select(DeliveryArea).order_by(DeliveryArea.id)):
        if not area.couriers:
            continue
        for offset in (0, 1):
            day = today + timedelta(days=offset)
            for n, (start_h, end_h) in enumerate(WINDOWS):
                start = datetime.combine(day, time(start_h), tz)
                end = datetime.combine(day, time(end_h), tz)
                done = end <= now
                arrived = start + timedelta(minutes=rng.randint(0, 110)) if done else None
                count += 1
                session.add(Pickup(
                    number=f"PW{area.id:04d}{day:%y%m%d}{n}", customer_id=None,
                    status="done" if done else "assigned", contact_name=rng.choice(people),
                    phone=f"139{rng.randint(10**7, 10**8 - 1)}", province=area.province,
                    city=area.city, district=area.district,
                    address=f"{area.province}{area.city}{area.district}{rng.randint(1, 300)}号",
                    area_id=area.id, facility_id=area.outlet_id, courier_id=area.couriers[0].id,
                    parcels=rng.randint(1, 3), window_start=start, window_end=end,
                    booked_at=start - timedelta(hours=20), assigned_at=start - timedelta(hours=19),
                    arrived_at=arrived, done_at=arrived, inspected=True if done else None,
                    reason="",
                ))  # fmt: skip
    session.flush()
    return count
