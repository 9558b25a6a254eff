"""Who may do what: every API route declares its roles, and the declarations hold."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from expressdesk.web.deps import Allow
from tests.support.world import World


def _allow_rules(dependant: Dependant) -> list[Allow]:
    found = [d.call for d in dependant.dependencies if isinstance(d.call, Allow)]
    for sub in dependant.dependencies:
        found += _allow_rules(sub)
    return found


def test_every_api_route_declares_who_may_use_it(app: FastAPI) -> None:
    undeclared = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.include_in_schema
        and not _allow_rules(route.dependant)
    ]
    assert undeclared == []


def test_the_route_walk_sees_every_route(app: FastAPI) -> None:
    """The application holds its routes themselves, no router nodes (FastAPI keeps an included
    router as one node, which the walk above would skip, and which costs every request a
    scan of all its routes): so the walk sees the whole API."""
    nodes = [r for r in app.routes if hasattr(r, "original_router")]
    assert nodes == []
    paths = {r.path for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema}
    assert {"/api/v1/tracking/{number}", "/api/v1/waybills", "/api/v1/tickets"} <= paths
    assert len(paths) > 60


def test_the_route_walk_would_catch_an_undeclared_route(app: FastAPI) -> None:
    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path == "/api/v1/forgotten")
    assert _allow_rules(route.dependant) == []


def test_anonymous_callers_get_401_with_a_hint(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/waybills")
    assert response.status_code == 401
    assert response.json() == {
        "error": "not_authenticated",
        "detail": "log in or send 'Authorization: Bearer <API token>'",
    }


def test_unknown_or_revoked_token_is_refused(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer edk_nope"}).status_code == 401
    tokens = client.get("/api/v1/me/tokens", headers=world.headers("agent")).json()
    client.delete(f"/api/v1/me/tokens/{tokens[0]['id']}", headers=world.headers("agent"))
    assert client.get("/api/v1/me", headers=world.headers("agent")).status_code == 401


def test_new_token_is_shown_once_and_works(client: TestClient, world: World) -> None:
    created = client.post(
        "/api/v1/me/tokens", json={"name": "scanner 12"}, headers=world.headers("courier")
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("edk_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "courier"
    listed = client.get("/api/v1/me/tokens", headers=world.headers("courier")).json()
    assert all("token" not in t for t in listed)


def test_roles_are_enforced(client: TestClient, world: World) -> None:
    new_user = {"username": "x1", "display_name": "X", "role": "agent", "password": "secret-123"}
    assert (
        client.post("/api/v1/users", json=new_user, headers=world.headers("courier")).status_code
        == 403
    )
    assert (
        client.post("/api/v1/users", json=new_user, headers=world.headers("admin")).status_code
        == 201
    )
    assert client.get("/api/v1/customers", headers=world.headers("shipper_c1")).status_code == 403
    assert client.get("/api/v1/customers", headers=world.headers("agent")).status_code == 200
    assert (
        client.get("/api/v1/customers/C1", headers=world.headers("shipper_c1")).status_code == 200
    )
    assert (
        client.get("/api/v1/customers/C2", headers=world.headers("shipper_c1")).status_code == 404
    )
    facility = {
        "code": "SH01",
        "name": "上海浦东网点",
        "type": "outlet",
        "address": "上海市浦东新区张江路1号",
    }
    assert (
        client.post(
            "/api/v1/network/facilities", json=facility, headers=world.headers("agent")
        ).status_code
        == 403
    )
    denied = client.get("/api/v1/network/facilities", headers=world.headers("shipper_c1"))
    assert denied.status_code == 403
    assert "shipper" in denied.json()["detail"]


def test_weak_passwords_and_duplicate_usernames_are_refused(
    client: TestClient, world: World
) -> None:
    weak = {"username": "x2", "display_name": "X", "role": "agent", "password": "12345678"}
    response = client.post("/api/v1/users", json=weak, headers=world.headers("admin"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "password"
    taken = {"username": "agent", "display_name": "X", "role": "agent", "password": "secret-123"}
    assert (
        client.post("/api/v1/users", json=taken, headers=world.headers("admin")).status_code == 409
    )
    shipper = {"username": "x3", "display_name": "X", "role": "shipper", "password": "secret-123"}
    assert (
        client.post("/api/v1/users", json=shipper, headers=world.headers("admin")).json()[
            "problems"
        ][0]["field"]
        == "customer_code"
    )


def test_passwords_are_stored_as_argon2_hashes(world: World) -> None:
    assert world.users["agent"].password_hash.startswith("$argon2id$")
