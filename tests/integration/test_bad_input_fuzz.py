"""Whatever a client sends, the answer is a clear {"error", "detail"}, never a 500.

Hypothesis takes a valid request and breaks it in random ways: wrong types, missing fields,
huge numbers, odd unicode, nested junk. Every answer must be a non-5xx JSON error (or success).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.world import World, waybill_payload

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _mutate(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    payload = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        target = payload
        key = data.draw(st.sampled_from(sorted(payload)))
        if isinstance(payload[key], dict) and data.draw(st.booleans()):
            target = payload[key]
            key = data.draw(st.sampled_from(sorted(target)))
        if data.draw(st.booleans()):
            target[key] = data.draw(json_values)
        else:
            target.pop(key, None)
    return payload


def _assert_clear_answer(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert set(body) >= {"error", "detail"}
        assert isinstance(body["detail"], str) and body["detail"]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_broken_waybill_requests_get_clear_errors(
    client: TestClient, world: World, data: st.DataObject
) -> None:
    payload = _mutate(
        waybill_payload(customer_code="C1", length_cm=10, width_cm=10, height_cm=10), data
    )
    _assert_clear_answer(
        client.post("/api/v1/waybills", json=payload, headers=world.headers("agent"))
    )


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_broken_quotes_and_network_requests_get_clear_errors(
    client: TestClient, world: World, data: st.DataObject
) -> None:
    quote = {
        "origin": "杭州市西湖区",
        "destination": "北京市朝阳区",
        "weight_kg": "3",
        "declared_value": "100",
    }
    _assert_clear_answer(
        client.post("/api/v1/quotes", json=_mutate(quote, data), headers=world.headers("agent"))
    )
    route = {
        "code": "T-Z",
        "origin_hub_code": "HHZ",
        "dest_hub_code": "HBJ",
        "mode": "truck",
        "schedules": [{"departure": "21:00", "arrival": "09:00", "arrival_day_offset": 1}],
    }
    _assert_clear_answer(
        client.post(
            "/api/v1/network/routes", json=_mutate(route, data), headers=world.headers("admin")
        )
    )


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(number=st.text(max_size=30), phone=st.text(max_size=20))
def test_any_typed_number_or_phone_gets_a_clear_answer(
    client: TestClient, world: World, number: str, phone: str
) -> None:
    from urllib.parse import quote

    _assert_clear_answer(
        client.get(f"/api/v1/waybills/{quote(number, safe='')}", headers=world.headers("agent"))
    )
    _assert_clear_answer(
        client.get("/api/v1/waybills", params={"phone": phone}, headers=world.headers("agent"))
    )


def test_numbers_too_big_for_the_database_are_refused_not_crashed(
    client: TestClient, world: World
) -> None:
    huge = "99999999999999999999"
    for method, url in (
        ("get", f"/api/v1/waybills?offset={huge}"),
        ("get", f"/api/v1/customers?offset={huge}"),
        ("delete", f"/api/v1/me/tokens/{huge}"),
    ):
        response = getattr(client, method)(url, headers=world.headers("admin"))
        assert response.status_code == 422, (url, response.text)
        assert response.json()["problems"][0]["rule"] == "less_than_equal"
