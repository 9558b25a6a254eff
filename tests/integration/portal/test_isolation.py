"""Portal isolation, route by route: every route of the application is called by another
shipper (C2) with the identifiers of C1's waybill, ticket, claim, pickup, problem, webhook,
address-book entry and API key. Nothing of C1's comes back, and nothing of C1's changes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.models import (
    AddressBookEntry,
    ApiToken,
    Pickup,
    Problem,
    Ticket,
    TicketEntry,
    WebhookSubscription,
)
from tests.support.web_login import login
from tests.support.world import World, waybill_payload

SECRETS = ("C1-secret-subject", "c1-secret.example", "C1-secret-label", "c1-secret-key",
           "Shop C1", "秘密联系人")  # fmt: skip
# Routes open to the public on purpose (they answer with masked data or a generic page).
PUBLIC = {"/api/v1/tracking/{number}", "/survey/{token}", "/unsubscribe/{token}", "/lang/{locale}",
          "/track", "/quote", "/login", "/healthz", "/docs", "/help"}  # fmt: skip


def _routes(app: Any) -> list[tuple[str, set[str]]]:
    def walk(routes: Any, prefix: str = "") -> Any:
        for r in routes:
            if isinstance(r, APIRoute):
                yield prefix + r.path, set(r.methods or ())
            elif hasattr(r, "original_router"):
                yield from walk(r.original_router.routes, prefix + r.include_context.prefix)

    return list(walk(app.routes))


def _c1_world(
    client: TestClient, world: World, session: Session, clock: FixedClock
) -> dict[str, str]:
    c1 = world.headers("shipper_c1")
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(note="秘密备注"), headers=c1
    ).json()
    if "number" not in number:  # no note field: make it plainly
        number = client.post("/api/v1/waybills", json=waybill_payload(), headers=c1).json()
    waybill = number["number"]
    ticket = client.post("/api/v1/tickets", headers=c1, json={
        "type": "trace", "subject": "C1-secret-subject", "waybills": [waybill]}).json()["number"]  # fmt: skip
    claim = client.post("/api/v1/claims", headers=world.headers("agent"),
                        json={"waybill": waybill, "kind": "delay"}).json()["number"]  # fmt: skip
    start = clock.now() + timedelta(hours=2)
    pickup = client.post("/api/v1/pickups", headers=c1, json={
        "contact_name": "秘密联系人", "phone": "13800000000", "address": "北京市朝阳区建国路88号",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat()}).json()["number"]  # fmt: skip
    sub = client.post("/api/v1/webhooks", headers=c1, json={
        "url": "https://c1-secret.example/hook", "events": ["status_changed"]}).json()  # fmt: skip
    entry = client.post("/api/v1/address-book", headers=c1, json={
        "label": "C1-secret-label", "name": "王芳", "phone": "13800000000",
        "address": "浙江省杭州市西湖区文三路1号"}).json()["id"]  # fmt: skip
    key = client.post("/api/v1/me/tokens", headers=c1, json={"name": "c1-secret-key"}).json()
    problem = client.post("/api/v1/problems", headers=world.headers("agent"), json={
        "waybill": waybill, "type": "address_unclear"}).json()  # fmt: skip
    session.rollback()
    problem_id = session.scalar(select(Problem.id)) or 0
    return {"number": waybill, "ticket": ticket, "claim": claim, "pickup": pickup,
            "sub_id": str(sub.get("id", 0)), "entry_id": str(entry), "token_id": str(key["id"]),
            "problem_id": str(problem_id or problem.get("id", 0)), "code": "C1"}  # fmt: skip


def _fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "number":
            for key, prefix in (("ticket", "/tickets/"), ("claim", "/claims/"),
                                ("pickup", "/pickups/")):  # fmt: skip
                if prefix in path:
                    return ids[key]
            return ids["number"]
        return ids.get(name, "1")

    return re.sub(r"{(\w+)(?::\w+)?}", value, path)


def test_another_shipper_gets_nothing_of_c1_by_any_route(
    app: Any, client: TestClient, world: World, session: Session, clock: FixedClock
) -> None:
    ids = _c1_world(client, world, session, clock)
    c2 = world.headers("shipper_c2")
    login(client, "shipper_c2")  # the pages use the login cookie; the API the token
    checked = 0
    for path, methods in _routes(app):
        if path in PUBLIC or "GET" not in methods:
            continue
        url = _fill(path, ids)
        headers = c2 if path.startswith("/api/") else {"Accept": "text/html"}
        answer = client.get(url, headers=headers, follow_redirects=False)
        assert answer.status_code < 500, (url, answer.status_code)
        body = answer.text
        leaked = [s for s in SECRETS if s in body]
        assert not leaked, (url, answer.status_code, leaked)
        checked += 1
    assert checked > 60
    # Changes by C2 to C1's things are refused, by the API and by the pages.
    changes: tuple[tuple[str, str, Any], ...] = (
        ("POST", f"/api/v1/tickets/{ids['ticket']}/replies", {"body": "C2 was here"}),
        ("POST", f"/api/v1/pickups/{ids['pickup']}/cancel", {"reason": "C2 was here"}),
        ("POST", "/api/v1/waybills/labels", {"numbers": [ids["number"]]}),
        ("DELETE", f"/api/v1/address-book/{ids['entry_id']}", None),
        ("DELETE", f"/api/v1/me/tokens/{ids['token_id']}", None),
        ("PATCH", f"/api/v1/webhooks/{ids['sub_id']}", {"active": False}),
        ("POST", "/api/v1/customers/C1/notes", {"body": "C2 was here"}),
        ("GET", "/api/v1/reports/customer/C1?month=2026-10", None),
    )  # fmt: skip
    for method, url, body in changes:
        answer = client.request(method, url, json=body, headers=c2)
        assert answer.status_code in (403, 404), (method, url, answer.status_code, answer.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/portal/keys").text)
    assert token
    for url, data in ((f"/portal/addresses/{ids['entry_id']}/delete", {}),
                      (f"/portal/keys/{ids['token_id']}/revoke", {}),
                      (f"/portal/tickets/{ids['ticket']}/reply", {"body": "C2 was here"})):  # fmt: skip
        answer = client.post(url, data={**data, "csrf_token": token.group(1)},
                             headers={"Accept": "text/html"}, follow_redirects=False)  # fmt: skip
        assert answer.status_code in (403, 404), (url, answer.status_code)
    session.rollback()
    assert session.scalar(
        select(AddressBookEntry).where(AddressBookEntry.id == int(ids["entry_id"]))
    )
    key = session.get(ApiToken, int(ids["token_id"]))
    assert key is not None and key.revoked_at is None
    pickup = session.scalar(select(Pickup).where(Pickup.number == ids["pickup"]))
    assert pickup is not None and pickup.status != "cancelled"
    ticket = session.scalar(select(Ticket).where(Ticket.number == ids["ticket"]))
    assert ticket is not None
    bodies = session.scalars(
        select(TicketEntry.body).where(TicketEntry.ticket_id == ticket.id)
    ).all()
    assert not any("C2 was here" in b for b in bodies)
    sub = session.get(WebhookSubscription, int(ids["sub_id"]))
    assert sub is not None and sub.active
