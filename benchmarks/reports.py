"""Benchmark 5: the monthly network report and a monthly customer report on 10 million waybills
in PostgreSQL, from the daily rollup, against the same figures by a straightforward query over
the raw waybills in the same run.

    .venv/bin/python benchmarks/reports.py [--waybills 10000000] [--customers 2000]

Set-up (not measured): the demo network, the accounts, and the waybills of one year written by
one INSERT … SELECT over generate_series, with folded tracking state (pickup, promise, arrival at
the delivering outlet, signature, status) and problems (damage, label and address) at realistic
rates; then the rollup of every day (timed: the cost of maintaining it). Measured: building each
report (figures, breakdowns, the 12-month trend, charts) — goal ≤ 2 s — and the raw query.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from common import NOW, database, load_network
from sqlalchemy import text

from expressdesk.db import create_session_factory
from expressdesk.models import Customer
from expressdesk.reports import data, document, rollup

PROVINCES = ["北京市", "上海市", "广东省", "浙江省", "江苏省", "山东省", "四川省", "湖北省", "河南省",
             "福建省", "湖南省", "安徽省", "河北省", "陕西省", "辽宁省", "重庆市", "天津市", "江西省",
             "广西壮族自治区", "云南省", "山西省", "贵州省", "吉林省", "黑龙江省", "内蒙古自治区",
             "新疆维吾尔自治区", "甘肃省", "海南省", "宁夏回族自治区", "青海省", "西藏自治区"]  # fmt: skip


def setup(engine, n_waybills: int, n_customers: int) -> None:  # type: ignore[no-untyped-def]
    provinces = "ARRAY[" + ",".join(f"'{p}'" for p in PROVINCES) + "]"
    t = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"""
            INSERT INTO customers (code, name, contact_name, phone, email, province, city, district,
                                   address, is_active, tier, lost_reason, created_at)
            SELECT 'B' || g, 'Bench shop ' || g, '联系人', '1380000' || lpad(g::text, 4, '0'), '',
                   '浙江省', '杭州市', '西湖区', '', true, 'regular', '', :now
            FROM generate_series(1, {n_customers}) g"""), {"now": NOW})  # fmt: skip
        first_customer = conn.scalar(text("SELECT min(id) FROM customers WHERE code LIKE 'B%'"))
        outlets = [
            r[0] for r in conn.execute(text("SELECT id FROM facilities WHERE type = 'outlet'"))
        ]
        outlet_array = "ARRAY[" + ",".join(map(str, outlets)) + "]"
        # Pareto-ish accounts: the square of a uniform number skews volume to the first ones.
        conn.execute(text(f"""
            INSERT INTO waybills (number, customer_id, product, status, sender_name, sender_phone,
                sender_province, sender_city, sender_district, sender_address, sender_address_parsed,
                recipient_name, recipient_phone, recipient_province, recipient_city,
                recipient_district, recipient_address, recipient_address_parsed, contents, weight_g,
                volumetric_weight_g, chargeable_weight_g, declared_value_fen, cod_amount_fen,
                freight_collect, receipt_return, freight_fen, insurance_fee_fen, cod_fee_fen,
                receipt_fee_fen, total_fen, origin_facility_id, dest_facility_id, created_at,
                version, attempts, anomaly_count, picked_up_at, promised_by, dest_arrived_at,
                delivered_at)
            SELECT 'BX' || lpad(g::text, 10, '0'),
                   {first_customer} + floor(power(random(), 3) * {n_customers})::int,
                   'standard', s.status, '王芳', '13800000000', '浙江省', '杭州市', '西湖区', '地址',
                   true, '李雷', '13912345678', s.province, '市', '区', '地址', true, '', 1200, 0,
                   1200, 0, 0, false, false, 1200, 0, 0, 0, 1000 + (g % 2000),
                   s.origin, s.origin, s.picked, 1, 0, 0, s.picked, s.picked + interval '72 hours',
                   CASE WHEN s.status IN ('DELIVERED', 'OUT_FOR_DELIVERY')
                        THEN s.picked + (s.hours - 10) * interval '1 hour' END,
                   CASE WHEN s.status = 'DELIVERED' THEN s.picked + s.hours * interval '1 hour' END
            FROM generate_series(1, {n_waybills}) g
            CROSS JOIN LATERAL (
                SELECT :now - (random() * 365) * interval '1 day' AS picked,
                       ({provinces})[1 + floor(random() * {len(PROVINCES)})::int] AS province,
                       ({outlet_array})[1 + floor(random() * {len(outlets)})::int] AS origin,
                       20 + random() * 70 AS hours,
                       CASE WHEN random() < 0.00005 THEN 'LOST'
                            WHEN random() < 0.01 THEN 'RETURNED'
                            WHEN random() < 0.02 THEN 'OUT_FOR_DELIVERY'
                            ELSE 'DELIVERED' END AS status
                WHERE g > 0
            ) s"""), {"now": NOW})  # fmt: skip
        print(f"set-up: {n_waybills:,} waybills in {time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        conn.execute(text("""
            INSERT INTO problems (waybill_id, type, status, source, party, note, detected_at, due_at,
                                  escalated, resolution_note, changed_at, version)
            SELECT id, CASE WHEN random() < 0.02 THEN 'damaged'
                            WHEN random() < 0.5 THEN 'address_unclear' ELSE 'label_detached' END,
                   'resolved', 'scan', 'carrier', '', picked_up_at + interval '1 day',
                   picked_up_at + interval '2 days', false, '', picked_up_at + interval '1 day', 1
            FROM waybills TABLESAMPLE BERNOULLI (0.5) WHERE number LIKE 'BX%'"""))  # fmt: skip
        conn.execute(text("ANALYZE"))
        print(f"set-up: problems and ANALYZE in {time.perf_counter() - t:.0f} s", flush=True)


RAW_NETWORK = """
SELECT w.origin_facility_id, count(*),
       sum(CASE WHEN w.delivered_at IS NOT NULL AND w.delivered_at <= w.picked_up_at + interval '72 hours' THEN 1 ELSE 0 END),
       sum(CASE WHEN w.promised_by IS NOT NULL AND ((w.delivered_at IS NOT NULL AND w.delivered_at > w.promised_by)
                OR (w.delivered_at IS NULL AND w.status NOT IN ('RETURNED', 'CANCELLED', 'LOST') AND w.promised_by < :now)) THEN 1 ELSE 0 END),
       sum(CASE WHEN EXISTS (SELECT 1 FROM problems p WHERE p.waybill_id = w.id AND p.type = 'damaged') THEN 1 ELSE 0 END),
       sum(CASE WHEN w.status = 'LOST' THEN 1 ELSE 0 END)
FROM waybills w WHERE w.picked_up_at >= :start AND w.picked_up_at < :end
GROUP BY w.origin_facility_id
"""
RAW_CUSTOMER = """
SELECT w.recipient_province, count(*),
       sum(CASE WHEN w.delivered_at IS NOT NULL AND w.delivered_at <= w.promised_by THEN 1 ELSE 0 END),
       sum(CASE WHEN w.dest_arrived_at IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN EXISTS (SELECT 1 FROM problems p WHERE p.waybill_id = w.id
                             AND p.type IN ('label_detached', 'missorted', 'address_unclear')) THEN 1 ELSE 0 END)
FROM waybills w WHERE w.customer_id = :customer AND w.picked_up_at >= :start AND w.picked_up_at < :end
GROUP BY w.recipient_province
"""


def timed(label: str, fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    print(f"  {label}: {best * 1000:,.0f} ms (best of {runs})", flush=True)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waybills", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    tz = ZoneInfo("Asia/Shanghai")
    with database("postgresql") as (engine, settings):
        load_network(engine, settings)
        setup(engine, args.waybills, args.customers)
        factory = create_session_factory(engine, writes=True)
        t = time.perf_counter()
        today = NOW.astimezone(tz).date()
        days = rollup.days_between(today - timedelta(days=366), today)
        for i in range(0, len(days), 31):
            with factory() as session:
                rollup.refresh_days(session, days[i : i + 31], tz, NOW)
                session.commit()
        spent = time.perf_counter() - t
        print(f"rollup of {len(days)} days: {spent:.0f} s ({spent / len(days) * 1000:.0f} ms a day; "
              f"the worker rewrites the last {rollup.RECENT_DAYS} days hourly)", flush=True)  # fmt: skip
        month = data.parse_period(f"{(today.replace(day=1) - timedelta(days=1)):%Y-%m}")
        start, end = month.bounds(tz)
        with factory() as session:
            rows = session.execute(text("SELECT count(*) FROM daily_stats")).scalar()
            print(f"daily_stats rows: {rows:,}; month {month.name}")
            biggest = session.execute(text(
                "SELECT customer_id FROM waybills GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1"
            )).scalar()  # fmt: skip
            customer = session.get(Customer, biggest)
            assert customer is not None
            n = session.execute(text("SELECT count(*) FROM waybills WHERE customer_id = :c AND "
                                     "picked_up_at >= :s AND picked_up_at < :e"),
                                {"c": customer.id, "s": start, "e": end}).scalar()  # fmt: skip
            print(f"the largest account {customer.code}: {n:,} parcels in the month")

            def network() -> None:
                report = data.network_report(session, month, tz, NOW)
                document.network_document(report, tz, "zh_CN")

            def customer_report() -> None:
                report = data.customer_report(session, customer, month, tz, NOW)
                document.customer_document(report, tz, "zh_CN")

            print("network report (figures, outlets, routes, 12-month trend, charts):")
            fast_n = timed("from the rollup", network)
            raw_n = timed("raw query over waybills (figures by outlet only)",
                          lambda: session.execute(text(RAW_NETWORK), {"start": start, "end": end,
                                                                     "now": NOW}).all())  # fmt: skip
            print("customer monthly report (figures, provinces, days, charts):")
            fast_c = timed("from the rollup", customer_report)
            raw_c = timed("raw query over waybills (figures by province only)",
                          lambda: session.execute(text(RAW_CUSTOMER), {"start": start, "end": end,
                                                  "customer": customer.id}).all())  # fmt: skip
            session.rollback()
        print(
            f"\nnetwork report: {fast_n:.2f} s (goal ≤ 2 s), raw {raw_n:.2f} s, "
            f"ratio raw/report {raw_n / fast_n:.1f}×"
        )
        print(
            f"customer report: {fast_c:.2f} s (goal ≤ 2 s), raw {raw_c:.2f} s, "
            f"ratio raw/report {raw_c / fast_c:.1f}×"
        )
        sys.exit(0 if fast_n <= 2 and fast_c <= 2 else 1)


if __name__ == "__main__":
    main()
