"""Facilities, delivery areas, routes with schedules, and lanes through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.world import World


def test_admin_adds_an_outlet_under_a_hub(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/network/facilities",
        json={
            "code": "HZ02",
            "name": "杭州上城网点",
            "type": "outlet",
            "address": "杭州市上城区解放路1号",
            "parent_code": "HHZ",
        },
        headers=world.headers("admin"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["province"], body["city"], body["district"]) == ("浙江省", "杭州市", "上城区")
    assert body["parent_id"] == world.facilities["HHZ"].id


def test_facility_errors_name_the_field(client: TestClient, world: World) -> None:
    bad_parent = client.post(
        "/api/v1/network/facilities",
        json={
            "code": "HZ03",
            "name": "x",
            "type": "outlet",
            "address": "杭州市上城区解放路1号",
            "parent_code": "HZ01",
        },
        headers=world.headers("admin"),
    )
    assert bad_parent.status_code == 422
    assert bad_parent.json()["problems"][0] == {
        "field": "parent_code",
        "rule": "facility_type",
        "message": "'HZ01' is a outlet, not a hub",
    }
    vague = client.post(
        "/api/v1/network/facilities",
        json={"code": "HZ04", "name": "x", "type": "outlet", "address": "某个地方"},
        headers=world.headers("admin"),
    )
    assert vague.json()["problems"][0]["rule"] == "address_unrecognised"
    duplicate = client.post(
        "/api/v1/network/facilities",
        json={"code": "HZ01", "name": "x", "type": "outlet", "address": "杭州市上城区解放路1号"},
        headers=world.headers("admin"),
    )
    assert duplicate.status_code == 409


def test_area_with_keywords_and_courier_then_matching(client: TestClient, world: World) -> None:
    created = client.post(
        "/api/v1/network/areas",
        json={
            "code": "BJ01-03",
            "name": "望京",
            "outlet_code": "BJ01",
            "region": "北京市朝阳区",
            "keywords": ["望京街", "阜通东大街"],
            "courier_usernames": ["courier"],
        },
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["couriers"] == ["courier"]
    match = client.post(
        "/api/v1/network/areas/match",
        json={"address": "北京朝阳区阜通东大街6号"},
        headers=world.headers("ops"),
    )
    assert match.json()["area"]["code"] == "BJ01-03"
    rest = client.post(
        "/api/v1/network/areas/match",
        json={"address": "北京市朝阳区三里屯路19号"},
        headers=world.headers("ops"),
    )
    assert rest.json()["area"]["code"] == "BJ01-02"
    outside = client.post(
        "/api/v1/network/areas/match",
        json={"address": "上海市徐汇区漕溪北路1号"},
        headers=world.headers("ops"),
    )
    assert outside.json()["area"] is None
    not_courier = client.post(
        "/api/v1/network/areas",
        json={
            "code": "BJ01-04",
            "name": "x",
            "outlet_code": "BJ01",
            "region": "北京市朝阳区",
            "courier_usernames": ["agent"],
        },
        headers=world.headers("admin"),
    )
    assert not_courier.json()["problems"][0]["field"] == "courier_usernames"


def test_air_route_needs_its_flight_and_a_consistent_schedule(
    client: TestClient, world: World
) -> None:
    flight = {
        "departure": "22:30",
        "arrival": "01:55",
        "arrival_day_offset": 1,
        "days_of_operation": "12345",
        "airline_code": "CA",
        "flight_number": "CA1301",
        "aircraft_type": "B737-800F",
    }
    ok = client.post(
        "/api/v1/network/routes",
        json={
            "code": "A-CA1301",
            "origin_hub_code": "HHZ",
            "dest_hub_code": "HBJ",
            "mode": "air",
            "schedules": [flight],
        },
        headers=world.headers("admin"),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["schedules"][0]["flight_number"] == "CA1301"
    no_flight = client.post(
        "/api/v1/network/routes",
        json={
            "code": "A-X",
            "origin_hub_code": "HHZ",
            "dest_hub_code": "HBJ",
            "mode": "air",
            "schedules": [{"departure": "22:30", "arrival": "23:55"}],
        },
        headers=world.headers("admin"),
    )
    assert no_flight.json()["problems"][0]["rule"] == "air_needs_flight"
    backwards = client.post(
        "/api/v1/network/routes",
        json={
            "code": "T-X",
            "origin_hub_code": "HHZ",
            "dest_hub_code": "HBJ",
            "mode": "truck",
            "schedules": [{"departure": "22:30", "arrival": "06:00"}],
        },
        headers=world.headers("admin"),
    )
    assert backwards.status_code == 422
    assert "arrival" in backwards.json()["detail"]


def test_lane_time_follows_from_the_schedules(client: TestClient, world: World) -> None:
    lane = client.get(
        "/api/v1/network/lanes",
        params={"origin": "HHZ", "destination": "HBJ"},
        headers=world.headers("agent"),
    )
    hours = lane.json()["normal_transit_hours"]
    # The 21:00 truck takes 12 h; a parcel waits on average half a day for it.
    assert 12 <= hours <= 36
    back = client.get(
        "/api/v1/network/lanes",
        params={"origin": "HBJ", "destination": "HHZ"},
        headers=world.headers("agent"),
    )
    assert back.json()["normal_transit_hours"] is None  # no route that way
