"""The courier and arrival screens post through the devices' ingestion: a re-sent form is a
duplicate, bad input is named, roles are kept apart."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.web_login import login
from tests.support.world import World, waybill_payload


def _form(page: str) -> dict[str, str]:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    scan_id = re.search(r'name="scan_id" value="([^"]+)"', page)
    assert token and scan_id
    return {"csrf_token": token.group(1), "scan_id": scan_id.group(1)}


def test_a_courier_scan_is_recorded_once_and_bad_input_is_named(
    client: TestClient, world: World
) -> None:
    number = client.post("/api/v1/waybills", json=waybill_payload(),
                         headers=world.headers("shipper_c1")).json()["number"]  # fmt: skip
    login(client, "courier")
    form = _form(client.get("/courier").text)
    first = client.post("/courier/scan", data={**form, "waybill": number, "action": "pickup"})
    assert first.status_code == 200 and 'id="scan-result"' in first.text and number in first.text
    again = client.post("/courier/scan", data={**form, "waybill": number, "action": "pickup"})
    assert again.status_code == 200 and (
        "已记录过" in again.text or "Already recorded" in again.text
    )
    timeline = client.get(f"/api/v1/waybills/{number}", headers=world.headers("agent")).json()
    assert timeline["status"] == "PICKED_UP"
    bad = client.post("/courier/scan", data={**_form(first.text), "waybill": "ED123",
                                             "action": "pickup"})  # fmt: skip
    assert bad.status_code == 422 and "Traceback" not in bad.text
    wrong = client.post("/courier/scan", data={**form, "waybill": number, "action": "fly"})
    assert wrong.status_code == 422 and "action" in wrong.text
    login(client, "shipper_c1")
    assert client.get("/courier", follow_redirects=False).status_code in (303, 403)
    assert client.get("/ops/arrival", follow_redirects=False).status_code in (303, 403)


def test_the_arrival_screen_warns_of_a_missort(client: TestClient, world: World) -> None:
    to_hangzhou = waybill_payload(recipient={"name": "李雷", "phone": "13912345678",
                                             "address": "浙江省杭州市西湖区文三路1号"})  # fmt: skip
    number = client.post("/api/v1/waybills", json=to_hangzhou,
                         headers=world.headers("shipper_c1")).json()["number"]  # fmt: skip
    login(client, "ops")
    scanned = client.post("/ops/arrival", data={**_form(client.get("/ops/arrival").text),
                                                "waybill": number})  # fmt: skip
    assert scanned.status_code == 200 and 'id="missort"' in scanned.text and "HZ01" in scanned.text
    # The parcel now waits at BJ01 for HZ01: bag it and scan it out, once.
    page = client.get("/ops/dispatch").text
    assert number in page and "HZ01" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    batch = re.search(r'name="batch_id" value="([^"]+)"', page)
    assert token and batch
    form = {
        "csrf_token": token.group(1),
        "batch_id": batch.group(1),
        "n": [number],
        "bag": "BAG-HZ-1",
    }
    bagged = client.post("/ops/dispatch", data=form)
    assert bagged.status_code == 200 and "BAG-HZ-1: 1" in bagged.text
    again = client.post("/ops/dispatch", data=form)
    assert "BAG-HZ-1: 0" in again.text  # a re-send changes nothing
    status = client.get(f"/api/v1/waybills/{number}", headers=world.headers("agent")).json()
    assert status["status"] == "IN_TRANSIT"
    nothing = client.post("/ops/dispatch", data={**form, "n": []})
    assert nothing.status_code == 422
