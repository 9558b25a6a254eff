"""The public /track page at HTTP level: masking, phone check, errors, rate limit."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from expressdesk.clock import FixedClock
from tests.support.scans import life
from tests.support.world import World, waybill_payload

HTML = {"Accept": "text/html"}


def test_page_shows_masked_results_then_full_after_the_phone_check(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    client.post(
        "/api/v1/scans",
        json={"scans": life(number, clock.now() - timedelta(days=3))},
        headers=world.headers("ops"),
    )
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    page = client.get(
        "/track",
        params={"numbers": f"{number[:5]} {number[5:]}\n{typo}"},
        headers={**HTML, "Accept-Language": "zh-CN"},
    )
    assert page.status_code == 200
    assert "李*" in page.text and "139****5678" in page.text and "李雷" not in page.text
    assert "已签收" in page.text and "收发室代收" in page.text
    assert "不是有效的运单号" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    wrong = client.post(
        "/track/verify",
        data={"number": number, "last4": "1111", "back": number, "csrf_token": token.group(1)},
        headers=HTML,
    )
    assert "号码后4位不匹配" in wrong.text and "李雷" not in wrong.text
    right = client.post(
        "/track/verify",
        data={"number": number, "last4": "5678", "back": number, "csrf_token": token.group(1)},
        headers=HTML,
    )
    assert "李雷" in right.text and "13912345678" in right.text


def test_page_limits_numbers_and_rate(client: TestClient, world: World) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    many = "\n".join(f"ED{n:012d}" for n in range(21))
    assert client.get("/track", params={"numbers": many}, headers=HTML).status_code == 422
    client.app.state.public_limiter.limit = 2  # type: ignore[attr-defined]
    assert client.get("/track", params={"numbers": number}, headers=HTML).status_code == 200
    assert client.get("/track", params={"numbers": number}, headers=HTML).status_code == 200
    limited = client.get(
        "/track", params={"numbers": number}, headers={**HTML, "Accept-Language": "en"}
    )
    assert limited.status_code == 429
    assert "Too many lookups" in limited.text
    assert limited.headers["Retry-After"]


def test_staff_waybill_page_shows_timeline_custody_and_anomalies(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    from tests.support.scans import scan
    from tests.support.web_login import login

    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    scans = [
        *life(number, clock.now() - timedelta(days=3)),
        scan(number, "arrival", clock.now() - timedelta(hours=2), facility="BJ01"),
    ]
    client.post("/api/v1/scans", json={"scans": scans}, headers=world.headers("ops"))
    login(client, "agent")
    page = client.get(f"/waybills/{number}", headers={**HTML, "Accept-Language": "en"})
    assert page.status_code == 200
    assert 'id="timeline"' in page.text and 'id="custody"' in page.text
    assert "scanned_after_delivered" in page.text
    assert "Anomalies: 1" in page.text
