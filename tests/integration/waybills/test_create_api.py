"""Creating and reading waybills through the JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.models import Waybill
from expressdesk.waybills.numbering import is_valid_waybill_number
from tests.support.world import World, waybill_payload


def count_waybills(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Waybill)) or 0


def test_agent_creates_a_priced_and_routed_waybill(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert is_valid_waybill_number(body["number"], "ED")
    assert body["status"] == "CREATED"
    assert body["recipient"]["address"] == {
        "province": "北京市", "city": "北京市", "district": "朝阳区",
        "address": "北京市朝阳区建国路88号SOHO现代城", "parsed": True,
    }  # fmt: skip
    # Zone 3 list price: ¥12 first kg + ¥6 for the started second kg.
    assert body["freight"] == {"fen": 1800, "yuan": "18.00"}
    assert body["dest_area"] == "BJ01-01"  # 建国路 is a keyword of that area
    assert body["dest_facility"] == "BJ01"
    assert body["origin_facility"] == "HZ01"  # the sender's address is in HZ01's area

    again = client.get(f"/api/v1/waybills/{body['number']}", headers=world.headers("agent"))
    assert again.json()["number"] == body["number"]


def test_contract_prices_override_list_prices(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/waybills", json=waybill_payload(customer_code="C1"), headers=world.headers("agent")
    )
    assert response.status_code == 201
    assert response.json()["freight"]["fen"] == 1000 + 500  # C1's contract: ¥10 + ¥5


def test_bulky_parcel_pays_volumetric_weight_and_insurance(
    client: TestClient, world: World
) -> None:
    payload = waybill_payload(length_cm=40, width_cm=30, height_cm=30, declared_value="2000")
    body = client.post("/api/v1/waybills", json=payload, headers=world.headers("agent")).json()
    assert body["volumetric_weight_kg"] == "4.5"
    assert body["chargeable_weight_kg"] == "4.5"
    assert body["freight"]["fen"] == 1200 + 4 * 600
    assert body["insurance_fee"]["fen"] == 1000  # 0.5 % of ¥2,000
    assert body["total"]["fen"] == 1200 + 4 * 600 + 1000


def test_same_order_ref_twice_returns_the_first_waybill(
    client: TestClient, world: World, session: Session
) -> None:
    payload = waybill_payload(customer_code="C1", order_ref="TB-1001")
    first = client.post("/api/v1/waybills", json=payload, headers=world.headers("agent"))
    second = client.post("/api/v1/waybills", json=payload, headers=world.headers("agent"))
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replay"] == "true"
    assert second.json()["number"] == first.json()["number"]
    assert count_waybills(session) == 1


def test_reused_order_ref_with_other_content_is_a_conflict(
    client: TestClient, world: World
) -> None:
    client.post(
        "/api/v1/waybills",
        json=waybill_payload(customer_code="C1", order_ref="TB-1"),
        headers=world.headers("agent"),
    )
    response = client.post(
        "/api/v1/waybills",
        json=waybill_payload(customer_code="C1", order_ref="TB-1", weight_kg="9"),
        headers=world.headers("agent"),
    )
    assert response.status_code == 409
    assert response.json()["error"] == "order_ref_already_used"


def test_shipper_creates_for_their_own_account_only(client: TestClient, world: World) -> None:
    own = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    )
    assert own.status_code == 201
    assert own.json()["customer_code"] == "C1"
    other = client.post(
        "/api/v1/waybills",
        json=waybill_payload(customer_code="C2"),
        headers=world.headers("shipper_c1"),
    )
    assert other.status_code == 403
    assert "customer_code" in other.json()["detail"]


def test_shipper_cannot_see_another_shippers_waybill(client: TestClient, world: World) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c2")
    ).json()["number"]
    assert (
        client.get(f"/api/v1/waybills/{number}", headers=world.headers("shipper_c2")).status_code
        == 200
    )
    hidden = client.get(f"/api/v1/waybills/{number}", headers=world.headers("shipper_c1"))
    assert hidden.status_code == 404
    listed = client.get("/api/v1/waybills", headers=world.headers("shipper_c1")).json()
    assert listed["total"] == 0


def test_mistyped_number_is_invalid_not_missing(client: TestClient, world: World) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    typo = (
        number[:-2] + number[-1] + number[-2]
        if number[-1] != number[-2]
        else number[:-1] + str((int(number[-1]) + 1) % 10)
    )
    response = client.get(f"/api/v1/waybills/{typo}", headers=world.headers("agent"))
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_waybill_number"
    assert "not a valid waybill number" in response.json()["detail"]


def test_valid_but_unknown_number_is_not_found(client: TestClient, world: World) -> None:
    from expressdesk.waybills.numbering import make_waybill_number

    response = client.get(
        f"/api/v1/waybills/{make_waybill_number('ED', 99_999_999_999)}",
        headers=world.headers("agent"),
    )
    assert response.status_code == 404
    assert response.json()["error"] == "waybill_not_found"


def test_bad_input_names_every_field_and_rule_and_writes_nothing(
    client: TestClient, world: World, session: Session
) -> None:
    payload = waybill_payload(weight_kg="-1", length_cm=30)
    payload["recipient"] = {"name": "", "phone": "12345", "address": "北京市朝阳区建国路88号"}
    response = client.post("/api/v1/waybills", json=payload, headers=world.headers("agent"))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    fields = {(p["field"], p["rule"]) for p in body["problems"]}
    assert ("weight_kg", "greater_than") in fields
    assert ("recipient.phone", "phone_cn") in fields
    assert ("recipient.name", "string_too_short") in fields
    assert count_waybills(session) == 0


def test_incomplete_dimensions_and_unknown_fields_are_refused(
    client: TestClient, world: World
) -> None:
    partial = client.post(
        "/api/v1/waybills", json=waybill_payload(length_cm=30), headers=world.headers("agent")
    )
    assert partial.status_code == 422
    assert "given together" in partial.json()["detail"]
    extra = client.post(
        "/api/v1/waybills", json=waybill_payload(colour="red"), headers=world.headers("agent")
    )
    assert extra.status_code == 422
    assert extra.json()["problems"][0]["field"] == "colour"


def test_wrong_types_and_broken_json_get_clear_errors(client: TestClient, world: World) -> None:
    wrong = client.post(
        "/api/v1/waybills", json=waybill_payload(weight_kg="heavy"), headers=world.headers("agent")
    )
    assert wrong.status_code == 422
    assert wrong.json()["problems"][0]["field"] == "weight_kg"
    broken = client.post(
        "/api/v1/waybills",
        content=b"{not json",
        headers={**world.headers("agent"), "content-type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.json()["error"] == "validation_failed"


def test_unknown_customer_and_unknown_product(client: TestClient, world: World) -> None:
    unknown = client.post(
        "/api/v1/waybills",
        json=waybill_payload(customer_code="NOPE"),
        headers=world.headers("agent"),
    )
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0] == {
        "field": "customer_code",
        "rule": "unknown_code",
        "message": "no customer account 'NOPE'",
    }
    product = client.post(
        "/api/v1/waybills", json=waybill_payload(product="teleport"), headers=world.headers("agent")
    )
    assert product.status_code == 422
    assert product.json()["problems"][0]["field"] == "product"


def test_same_day_only_within_one_city(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/waybills", json=waybill_payload(product="same_day"), headers=world.headers("agent")
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["rule"] == "same_city_only"
    local = waybill_payload(product="same_day")
    local["recipient"] = {
        "name": "韩梅梅",
        "phone": "13912345678",
        "address": "杭州市西湖区文三路8号",
    }
    assert (
        client.post("/api/v1/waybills", json=local, headers=world.headers("agent")).status_code
        == 201
    )


def test_cash_on_delivery_needs_a_customer_account(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/waybills", json=waybill_payload(cod_amount="199"), headers=world.headers("agent")
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["rule"] == "cod_needs_account"


def test_unplaceable_address_is_recorded_as_such(client: TestClient, world: World) -> None:
    payload = waybill_payload()
    payload["recipient"] = {"name": "李雷", "phone": "13912345678", "address": "门口那家小卖部旁边"}
    body = client.post("/api/v1/waybills", json=payload, headers=world.headers("agent")).json()
    assert body["recipient"]["address"]["parsed"] is False
    assert body["dest_area"] is None


def test_search_by_phone_finds_sender_and_recipient_parcels(
    client: TestClient, world: World
) -> None:
    client.post("/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent"))
    found = client.get(
        "/api/v1/waybills", params={"phone": "139-1234-5678"}, headers=world.headers("agent")
    ).json()
    assert found["total"] == 1
    bad = client.get("/api/v1/waybills", params={"phone": "123"}, headers=world.headers("agent"))
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "phone"


def test_quote_uses_billing_rules(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/quotes",
        json={"origin": "杭州市西湖区", "destination": "北京市朝阳区", "weight_kg": "3"},
        headers=world.headers("agent"),
    )
    assert response.status_code == 200
    assert response.json()["total"]["fen"] == 1200 + 2 * 600
    contract = client.post(
        "/api/v1/quotes",
        json={"origin": "杭州市西湖区", "destination": "北京市朝阳区", "weight_kg": "3"},
        headers=world.headers("shipper_c1"),
    )
    assert contract.json()["total"]["fen"] == 1000 + 2 * 500
    unknown = client.post(
        "/api/v1/quotes",
        json={"origin": "火星", "destination": "北京", "weight_kg": "1"},
        headers=world.headers("agent"),
    )
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["field"] == "origin"
