"""Key accounts by the 80/20 rule over the last 3 months, the churn watch list and lost
accounts, with a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import Customer, User, Waybill
from tests.support.world import World, create_waybills


def _send(
    session: Session, world: World, code: str, count: int, at: datetime, settings: Settings
) -> None:
    actor = session.get(User, world.users[f"shipper_{code.lower()}"].id)
    assert actor is not None
    numbers = create_waybills(session, actor, count, at, settings)
    session.execute(update(Waybill).where(Waybill.number.in_(numbers)).values(created_at=at))
    session.commit()


def test_key_accounts_and_the_churn_watch_list(
    client: TestClient, world: World, clock: FixedClock, session: Session, settings: Settings
) -> None:
    now = clock.now()
    # Thirteen weeks of history: C1 sends 20 a week, C2 sends 2 a week.
    for week in range(1, 14):
        _send(session, world, "C1", 20, now - timedelta(weeks=week, days=1), settings)
        _send(session, world, "C2", 2, now - timedelta(weeks=week, days=1), settings)
    # Last week C1 sent only 5 (a 75 % drop); C2 kept its 2.
    _send(session, world, "C1", 5, now - timedelta(days=2), settings)
    _send(session, world, "C2", 2, now - timedelta(days=2), settings)
    recomputed = client.post("/api/v1/customers/tiers/recompute", headers=world.headers("super"))
    assert recomputed.status_code == 200 and recomputed.json() == {"key_accounts": 1}
    session.rollback()
    tiers = {c.code: c.tier for c in session.query(Customer)}
    assert tiers == {"C1": "key", "C2": "regular"}
    watch = client.get("/api/v1/customers/watch-list", headers=world.headers("agent")).json()
    assert watch == [{"customer": "C1", "name": "Shop C1", "last_week": 5, "weekly_average": 20.0,
                      "drop": 0.75, "tier": "key", "lost": False}]  # fmt: skip
    # A ticket of a key account gets the tighter targets.
    ticket = client.post("/api/v1/tickets", headers=world.headers("agent"),
                         json={"type": "trace", "subject": "查件", "customer": "C1"}).json()  # fmt: skip
    assert ticket["tier"] == "key"
    first = next(c for c in ticket["clocks"] if c["metric"] == "first_response")
    assert first["target_hours"] == 1.0  # 2 h × key-account factor 0.5
    lost = client.post("/api/v1/customers/C1/lost", json={"reason": "改用其他快递，价格原因"},
                       headers=world.headers("agent"))  # fmt: skip
    assert lost.status_code == 200
    assert client.get("/api/v1/customers/watch-list", headers=world.headers("agent")).json()[0][
        "lost"
    ]
    assert (
        client.post("/api/v1/customers/tiers/recompute", headers=world.headers("agent")).status_code
        == 403
    )
    assert client.post("/api/v1/customers/NOPE/lost", json={"reason": "xx"},
                       headers=world.headers("agent")).status_code == 404  # fmt: skip


def test_the_account_page_shows_one_timeline_of_everything(
    client: TestClient, world: World, clock: FixedClock, session: Session, settings: Settings
) -> None:
    from tests.support.web_login import login
    from tests.support.world import waybill_payload

    mine = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    ).json()["number"]
    made = client.post("/api/v1/tickets", headers=world.headers("agent"),
                       json={"type": "inquiry", "subject": "咨询月结", "customer": "C1"}).json()  # fmt: skip
    client.post("/api/v1/claims", headers=world.headers("agent"),
                json={"waybill": mine, "kind": "delay"})  # fmt: skip
    client.post(
        "/api/v1/customers/C1/lost", json={"reason": "价格原因"}, headers=world.headers("agent")
    )
    login(client, "agent")
    page = client.get("/customers/C1")
    assert page.status_code == 200
    timeline = page.text.split('id="timeline"')[1]
    for expected in (mine, made["number"], "delay", "价格原因"):
        assert expected in timeline, expected
    assert "CT-C1" in page.text  # the contract
    assert client.get("/customers/NOPE").status_code == 404
    client.cookies.clear()
    login(client, "shipper_c1")
    assert client.get("/customers/C1").status_code == 403


def test_an_account_has_a_manager_and_notes_on_its_timeline(
    client: TestClient, world: World, session: Session
) -> None:
    from tests.support.web_login import login

    assigned = client.put("/api/v1/customers/C1/account-manager", json={"username": "agent2"},
                          headers=world.headers("super"))  # fmt: skip
    assert assigned.status_code == 200
    assert client.put("/api/v1/customers/C1/account-manager", json={"username": "agent2"},
                      headers=world.headers("agent")).status_code == 403  # fmt: skip
    wrong = client.put("/api/v1/customers/C1/account-manager", json={"username": "courier"},
                       headers=world.headers("super"))  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["problems"][0]["field"] == "username"
    note = client.post("/api/v1/customers/C1/notes", json={"body": "拜访客户，约定月结对账日为每月5日"},
                       headers=world.headers("agent"))  # fmt: skip
    assert note.status_code == 201
    assert client.post("/api/v1/customers/C1/notes", json={"body": "x"},
                       headers=world.headers("agent")).status_code == 422  # fmt: skip
    assert client.post("/api/v1/customers/C1/notes", json={"body": "看看别人的"},
                       headers=world.headers("shipper_c1")).status_code == 403  # fmt: skip
    login(client, "agent")
    page = client.get("/customers/C1")
    assert "约定月结对账日" in page.text and world.users["agent2"].display_name in page.text
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    added = client.post("/customers/C1/notes", data={"body": "电话回访，客户满意",
                                                     "csrf_token": token.group(1)},
                        follow_redirects=False)  # fmt: skip
    assert added.status_code == 303
    empty = client.post("/customers/C1/notes", data={"body": " ", "csrf_token": token.group(1)})
    assert empty.status_code == 422 and "body" in empty.text
    assert "电话回访" in client.get("/customers/C1").text
