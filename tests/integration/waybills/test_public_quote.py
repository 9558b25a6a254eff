"""The public quote: list prices and the product's promise, on the API and the page; bad input
named; the same price as billing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.world import World

BODY = {"origin": "浙江省杭州市西湖区", "destination": "北京市朝阳区", "weight_kg": "1.2"}


def test_anyone_gets_the_list_price_and_the_promise(client: TestClient, world: World) -> None:
    public = client.post("/api/v1/public/quotes", json=BODY)
    assert public.status_code == 200, public.text
    out = public.json()
    assert out["rate_card"] == "LIST" and out["promise_hours"] == 72
    billed = client.post("/api/v1/quotes", json=BODY, headers=world.headers("agent")).json()
    assert out["total"] == billed["total"]  # the same rules as billing
    # A shipper's contract never leaks into the public quote.
    contract = client.post("/api/v1/public/quotes", json={**BODY, "customer_code": "C1"})
    assert contract.json()["rate_card"] == "LIST"
    bad = client.post("/api/v1/public/quotes", json={**BODY, "destination": "火星"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "destination"
    heavy = client.post("/api/v1/public/quotes", json={**BODY, "weight_kg": "500"})
    assert heavy.status_code == 422 and "weight_kg" in heavy.text


def test_the_quote_page_in_both_languages(client: TestClient, world: World) -> None:
    page = client.get("/quote", params=BODY, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "承诺送达" in page.text
    price = client.post("/api/v1/public/quotes", json=BODY).json()["total"]["yuan"]
    assert f'id="quote-total">¥{price}<' in page.text
    english = client.get("/quote", params=BODY, headers={"Accept-Language": "en"})
    assert "Promised delivery" in english.text
    bad = client.get("/quote", params={**BODY, "weight_kg": "abc"})
    assert bad.status_code == 422 and "weight_kg" in bad.text and "Traceback" not in bad.text
