"""Tickets through the API: a phone call in one request, repeat calls merged, the clocks kept
apart, pauses, one owner with visible transfers, conflicts, escalation on breach."""

from __future__ import annotations

from datetime import timedelta

import httpx2
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.models import User
from tests.support.desk import clock_of, open_ticket, run_jobs, ticket
from tests.support.world import World

H = timedelta(hours=1)


def test_a_phone_call_becomes_a_ticket_with_an_owner_and_its_clocks(
    client: TestClient, world: World, number: str
) -> None:
    # START is Monday 09:00 Beijing time: a trace request is answered within 2 working hours
    # and resolved within 24.
    data = open_ticket(client, world, type="trace", subject="查件：客户说三天没动",
                       waybills=[f" {number[:6]}-{number[6:]} "])  # fmt: skip
    assert data["number"].startswith("T")
    assert data["waybills"] == [number]
    assert data["status"] == "new"
    assert data["owner"] in ("agent", "agent2")
    first = clock_of(data, "first_response")
    assert first["due_at"].startswith("2026-11-02T03:00")  # 11:00 in Beijing, in UTC
    assert first["business_time"] is True
    resolution = clock_of(data, "resolution")
    # 24 working hours from Monday 09:00: Mon–Fri 9 h a day → Wednesday 15:00.
    assert resolution["due_at"].startswith("2026-11-04T07:00")
    assert "regulatory" not in [c["metric"] for c in data["clocks"]]
    assert data["entries"][0]["kind"] == "created"


def test_the_least_loaded_agent_gets_the_next_ticket(client: TestClient, world: World) -> None:
    owners = [open_ticket(client, world, subject=f"问题 {i}")["owner"] for i in range(4)]
    assert sorted(owners) == ["agent", "agent", "agent2", "agent2"]


def test_three_urging_calls_in_a_day_are_one_ticket_with_three_calls(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    first = open_ticket(client, world, type="urging", subject="催件", waybills=[number])
    clock.advance(2 * H)
    second = open_ticket(
        client, world, expect=200, type="urging", subject="又催", waybills=[number]
    )
    clock.advance(3 * H)
    third = open_ticket(
        client, world, expect=200, type="urging", subject="第三次", waybills=[number]
    )
    assert first["number"] == second["number"] == third["number"]
    assert third["calls"] == 3
    assert third["priority"] == "high"  # the third call raises it
    assert [e["kind"] for e in third["entries"]].count("call") == 2
    # A day later the window has passed: a new call is a new ticket.
    clock.advance(25 * H)
    fourth = open_ticket(client, world, type="urging", subject="隔天再催", waybills=[number])
    assert fourth["number"] != first["number"]


def test_a_complaint_needs_a_category_and_has_a_regulatory_deadline(
    client: TestClient, world: World, number: str
) -> None:
    missing = open_ticket(client, world, expect=422, type="complaint", subject="投诉延误",
                          waybills=[number])  # fmt: skip
    assert missing["error"] == "validation_failed"
    assert "category" in missing["detail"]
    data = open_ticket(client, world, type="complaint", category="delay", subject="投诉延误",
                       waybills=[number])  # fmt: skip
    legal = clock_of(data, "regulatory")
    assert legal["business_time"] is False
    assert legal["due_at"].startswith("2026-11-09T01:00")  # 7 calendar days after receipt


def test_an_appeal_keeps_the_regulators_receipt_time(client: TestClient, world: World) -> None:
    data = open_ticket(client, world, type="complaint", category="loss", channel="regulator",
                       subject="邮政管理局转办申诉", received_at="2026-10-30T10:00:00+08:00")  # fmt: skip
    assert clock_of(data, "regulatory")["due_at"].startswith("2026-11-14T02:00")  # 15 days
    future = open_ticket(client, world, expect=422, type="complaint", category="loss",
                         channel="regulator", subject="x申诉", received_at="2027-01-01T10:00:00+08:00")  # fmt: skip
    assert "received_at" in future["detail"]


def test_replies_stop_the_first_response_and_waiting_pauses_the_resolution(
    client: TestClient, world: World, clock: FixedClock, number: str
) -> None:
    data = open_ticket(client, world, type="trace", subject="查件", waybills=[number])
    tn = data["number"]
    clock.advance(H)
    reply = client.post(f"/api/v1/tickets/{tn}/replies", headers=world.headers("agent"),
                        json={"body": "已为您查询，请提供收件地址门牌号", "status": "waiting_customer"})  # fmt: skip
    assert reply.status_code == 201, reply.text
    after = reply.json()
    assert clock_of(after, "first_response")["state"] == "met"
    assert clock_of(after, "resolution")["state"] == "paused"
    assert after["status"] == "waiting_customer"
    # The customer answers two days later: the clock resumes; the waiting time does not count.
    clock.advance(48 * H)
    data = ticket(client, world, tn)
    assert clock_of(data, "resolution")["elapsed_hours"] == 1.0
    note = client.post(f"/api/v1/tickets/{tn}/replies", headers=world.headers("agent"),
                       json={"body": "客户回电补充了门牌号", "public": False, "status": "open"})  # fmt: skip
    assert note.status_code == 201
    resumed = clock_of(note.json(), "resolution")
    assert resumed["state"] == "running"
    # 23 working hours left from Wednesday 10:00: Wednesday 8 h, Thursday 9 h, Friday 6 h.
    assert resumed["due_at"] == "2026-11-06T07:00:00Z"  # Friday 15:00 in Beijing


def test_a_customer_message_starts_the_next_response_clock_and_reopens(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    from tests.support.world import waybill_payload

    made = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1")
    )
    assert made.status_code == 201, made.text
    mine = made.json()["number"]
    data = open_ticket(client, world, user="shipper_c1", type="inquiry", subject="何时到",
                       waybills=[mine])  # fmt: skip
    tn = data["number"]
    assert data["channel"] == "api" and data["customer"] == "C1"
    client.post(f"/api/v1/tickets/{tn}/replies", headers=world.headers("agent"),
                json={"body": "明天送达", "status": "resolved"})  # fmt: skip
    clock.advance(H)
    again = client.post(f"/api/v1/tickets/{tn}/replies", headers=world.headers("shipper_c1"),
                        json={"body": "还没到，请再查"})  # fmt: skip
    assert again.status_code == 201, again.text
    seen = again.json()
    assert seen["status"] == "reopened"
    # A shipper sees only public entries, and no staff usernames.
    assert all(e["public"] for e in seen["entries"])
    assert all(e["actor"] is None for e in seen["entries"])
    data = ticket(client, world, tn)
    assert clock_of(data, "next_response")["state"] == "running"


def test_status_changes_follow_the_table(client: TestClient, world: World) -> None:
    data = open_ticket(client, world)
    bad = client.patch(f"/api/v1/tickets/{data['number']}", headers=world.headers("agent"),
                       json={"version": data["version"], "status": "closed"})  # fmt: skip
    assert bad.status_code == 409
    assert bad.json()["error"] == "illegal_status_change"
    assert "new cannot become closed" in bad.json()["detail"]


def test_two_agents_saving_the_same_ticket_the_second_gets_a_conflict(
    client: TestClient, world: World
) -> None:
    data = open_ticket(client, world)
    seen = data["version"]
    first = client.patch(f"/api/v1/tickets/{data['number']}", headers=world.headers("agent"),
                         json={"version": seen, "priority": "high", "reason": "客户着急"})  # fmt: skip
    assert first.status_code == 200, first.text
    second = client.patch(f"/api/v1/tickets/{data['number']}", headers=world.headers("agent2"),
                          json={"version": seen, "priority": "low"})  # fmt: skip
    assert second.status_code == 409
    body = second.json()
    assert body["error"] == "ticket_changed"
    assert "changed by agent" in body["detail"]
    assert ticket(client, world, data["number"])["priority"] == "high"  # not overwritten
    trail = ticket(client, world, data["number"])["entries"]
    change = next(e for e in trail if e["kind"] == "changed")
    assert change["data"]["changes"] == {"priority": ["normal", "high"]}
    assert change["actor"] == "agent"


def test_transfers_record_who_when_why_and_respect_duty(
    client: TestClient, world: World, session: Session
) -> None:
    data = open_ticket(client, world)
    tn = data["number"]
    other = "agent2" if data["owner"] == "agent" else "agent"

    def transfer(user: str, **body: object) -> httpx2.Response:
        body.setdefault("version", ticket(client, world, tn)["version"])
        return client.post(f"/api/v1/tickets/{tn}/transfer", json=body, headers=world.headers(user))

    moved = transfer("agent", to_user=other, reason="对方负责该区域")
    assert moved.status_code == 200, moved.text
    assert moved.json()["owner"] == other
    entry = next(e for e in moved.json()["entries"] if e["kind"] == "transfer")
    assert entry["data"]["to"] == other and entry["body"] == "对方负责该区域"
    assert transfer("agent", to_user=other, reason="x").status_code == 422  # no reason → refused
    # Nobody at BJ01 is on duty: refused without a supervisor's override.
    for name in ("ops", "courier"):
        person = session.get(User, world.users[name].id)
        assert person is not None
        person.on_duty = False
    session.commit()
    refused = transfer("agent", to_unit="BJ01", reason="网点负责")
    assert refused.status_code == 409 and refused.json()["error"] == "nobody_on_duty"
    not_allowed = transfer("agent", to_unit="BJ01", reason="网点负责", override=True)
    assert not_allowed.status_code == 403
    overridden = transfer("super", to_unit="BJ01", reason="主管指定网点处理", override=True)
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["owner"] in ("ops", "courier")
    last = [e for e in overridden.json()["entries"] if e["kind"] == "transfer"][-1]
    assert last["data"]["override"] is True and last["actor"] == "super"


def test_a_breach_is_warned_then_escalated_to_the_supervisors(
    client: TestClient, world: World, clock: FixedClock, app: FastAPI
) -> None:
    data = open_ticket(client, world, type="urging", subject="催件", priority="normal")
    # Urging: first response within 1 working hour; warning at 80 % (48 minutes).
    clock.advance(timedelta(minutes=50))
    report = run_jobs(app)
    assert report.warned == 1 and report.breached == 0
    assert run_jobs(app).warned == 0  # recorded once
    clock.advance(timedelta(minutes=15))
    report = run_jobs(app)
    assert report.breached == 1 and report.escalated == 1
    after = ticket(client, world, data["number"])
    assert clock_of(after, "first_response")["state"] == "breached"
    kinds = [e["kind"] for e in after["entries"]]
    assert "sla_warning" in kinds and "sla_breach" in kinds and "escalated" in kinds
    assert run_jobs(app).breached == 0


def test_call_backs_are_due_and_counted_late(
    client: TestClient, world: World, clock: FixedClock, app: FastAPI
) -> None:
    data = open_ticket(client, world)
    made = client.post(f"/api/v1/tickets/{data['number']}/callbacks", headers=world.headers("agent"),
                       json={"note": "下午回电告知查询结果"})  # fmt: skip
    assert made.status_code == 201, made.text
    clock.advance(3 * H)
    assert run_jobs(app).callbacks_late == 1
    done = client.post(f"/api/v1/callbacks/{made.json()['id']}/done",
                       headers=world.headers("agent"), json={"outcome": "已回电，客户满意"})  # fmt: skip
    assert done.status_code == 200 and done.json()["late"] is True
    again = client.post(f"/api/v1/callbacks/{made.json()['id']}/done",
                        headers=world.headers("agent"), json={"outcome": "再次"})  # fmt: skip
    assert again.status_code == 409


def test_rules_are_editable_by_an_admin_within_the_law(
    client: TestClient, world: World, number: str
) -> None:
    rules = client.get("/api/v1/desk/rules", headers=world.headers("agent")).json()
    complaint = next(r for r in rules if r["key"] == "regulatory.complaint_days")
    assert complaint["value"] == 7 and "条例" in complaint["source"]
    loosen = client.put("/api/v1/desk/rules/regulatory.complaint_days", json={"value": "10"},
                        headers=world.headers("admin"))  # fmt: skip
    assert loosen.status_code == 422
    assert "not loosened" in loosen.json()["detail"]
    assert client.put("/api/v1/desk/rules/regulatory.complaint_days", json={"value": "5"},
                      headers=world.headers("agent")).status_code == 403  # fmt: skip
    tighten = client.put("/api/v1/desk/rules/regulatory.complaint_days", json={"value": "5"},
                         headers=world.headers("admin"))  # fmt: skip
    assert tighten.status_code == 200
    data = open_ticket(client, world, type="complaint", category="attitude", subject="态度差",
                       waybills=[number])  # fmt: skip
    assert clock_of(data, "regulatory")["due_at"].startswith("2026-11-07T01:00")


def test_the_public_form_checks_the_phone_and_is_rate_limited(
    client: TestClient, world: World, number: str
) -> None:
    form = {"waybill": number, "phone_last4": "1111", "type": "urging", "message": "请尽快派送",
            "phone": "13912345678"}  # fmt: skip
    wrong = client.post("/api/v1/public/tickets", json=form)
    assert wrong.status_code == 422 and "phone_last4" in wrong.json()["detail"]
    ok = client.post("/api/v1/public/tickets", json=form | {"phone_last4": "5678"})
    assert ok.status_code == 201, ok.text
    assert ok.json()["number"].startswith("T")
    statuses = [client.post("/api/v1/public/tickets", json=form).status_code for _ in range(5)]
    assert statuses[-1] == 429


def test_two_agents_saving_at_the_same_moment_one_wins_one_gets_409(
    client: TestClient, world: World
) -> None:
    import threading
    from typing import Any

    data = open_ticket(client, world, type="complaint", category="delay", subject="投诉延误")
    barrier = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def save(user: str, priority: str) -> None:
        barrier.wait()
        answers[user] = client.patch(
            f"/api/v1/tickets/{data['number']}",
            headers=world.headers(user),
            json={"version": data["version"], "priority": priority, "reason": user},
        )

    threads = [
        threading.Thread(target=save, args=("agent", "high")),
        threading.Thread(target=save, args=("agent2", "urgent")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    winner = next(u for u, a in answers.items() if a.status_code == 200)
    final = ticket(client, world, data["number"])
    assert final["priority"] == ("high" if winner == "agent" else "urgent")
    assert len([e for e in final["entries"] if e["kind"] == "changed"]) == 1
