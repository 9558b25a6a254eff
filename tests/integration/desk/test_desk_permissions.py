"""Who may call each of the desk's routes, role by role (a hand-written table, so a changed
permission shows up here as a failing row)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from expressdesk.clock import FixedClock
from tests.support.desk import open_ticket
from tests.support.problems import upload
from tests.support.scans import scan
from tests.support.web_login import login
from tests.support.world import World

ROLES = ("admin", "super", "agent", "courier", "ops", "shipper_c1")
# Y: allowed; -: 403; N: allowed but the record is not theirs (404, nothing revealed).
MATRIX: dict[str, str] = {
    #                                        admin super agent courier ops shipper
    "POST /api/v1/tickets":                  "Y     Y     Y     -       -   Y",
    "GET /api/v1/tickets/{t}":               "Y     Y     Y     -       -   N",
    "PATCH /api/v1/tickets/{t}":             "Y     Y     Y     -       -   -",
    "POST /api/v1/tickets/{t}/replies":      "Y     Y     Y     -       -   N",
    "POST /api/v1/tickets/{t}/transfer":     "Y     Y     Y     -       -   -",
    "POST /api/v1/tickets/{t}/callbacks":    "Y     Y     Y     -       -   -",
    "GET /api/v1/tickets/{t}/scripts":       "Y     Y     Y     -       -   -",
    "POST /api/v1/tickets/{t}/searches":     "Y     Y     Y     -       -   -",
    "GET /api/v1/searches/{s}":              "Y     Y     Y     Y       Y   -",
    "POST /api/v1/claims":                   "Y     Y     Y     -       -   -",
    "GET /api/v1/desk/rules":                "Y     Y     Y     -       -   -",
    "PUT /api/v1/desk/rules/sla.warn_percent": "Y   -     -     -       -   -",
    "GET /desk":                             "Y     Y     Y     -       -   -",
    "GET /tickets/new":                      "Y     Y     Y     -       -   -",
    "GET /tickets/{t}":                      "Y     Y     Y     -       -   -",
    "GET /desk/rules":                       "Y     -     -     -       -   -",
}  # fmt: skip
BODIES: dict[str, dict[str, Any]] = {
    "POST /api/v1/tickets": {"type": "inquiry", "subject": "咨询运费"},
    "PATCH /api/v1/tickets/{t}": {"version": 1, "priority": "high"},
    "POST /api/v1/tickets/{t}/replies": {"body": "您好", "public": False},
    "POST /api/v1/tickets/{t}/transfer": {"to_user": "super", "reason": "主管处理"},
    "POST /api/v1/tickets/{t}/callbacks": {"note": "回电"},
    "POST /api/v1/claims": {"waybill": "{w}", "kind": "delay"},
    "PUT /api/v1/desk/rules/sla.warn_percent": {"value": "75"},
}


def _call(client: TestClient, world: World, route: str, user: str, ids: dict[str, str]) -> int:
    method, path = route.split(" ", 1)
    url = path.format(**ids)
    body = BODIES.get(route)
    if body is not None:
        body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in body.items()}
    if url.startswith("/api/"):
        response = client.request(method, url, json=body, headers=world.headers(user))
    else:
        client.cookies.clear()
        login(client, user)
        response = client.request(method, url, follow_redirects=False)
        client.cookies.clear()
    return response.status_code


@pytest.mark.parametrize("route", list(MATRIX))
def test_every_desk_route_is_allowed_exactly_to_its_roles(
    client: TestClient, world: World, number: str, route: str, clock: FixedClock
) -> None:
    upload(client, world, [scan(number, "pickup", clock.now(), facility="HZ01")])
    made = open_ticket(client, world, type="inquiry", subject="咨询", waybills=[number])
    search = client.post(
        f"/api/v1/tickets/{made['number']}/searches", headers=world.headers("agent")
    )
    assert search.status_code == 201, search.text
    ids = {"t": made["number"], "s": str(search.json()["id"]), "w": number}
    for role, rule in zip(ROLES, MATRIX[route].split(), strict=True):
        status = _call(client, world, route, role, ids)
        if rule == "-":
            assert status == 403, (route, role, status)
        elif rule == "N":
            assert status == 404, (route, role, status)
        else:
            assert status not in (401, 403, 404, 500), (route, role, status)


def test_without_credentials_the_api_answers_401_and_pages_send_to_login(
    client: TestClient, world: World
) -> None:
    made = open_ticket(client, world)
    assert client.get(f"/api/v1/tickets/{made['number']}").status_code == 401
    page = client.get("/desk", follow_redirects=False)
    assert page.status_code in (302, 303) and "/login" in page.headers["location"]
