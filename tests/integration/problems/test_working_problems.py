"""Working a problem: registration without doubles, one owner at a time, actions on the
timeline, resolution refused while steps are missing."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.models import OutletMessage, Waybill
from tests.support.problems import problems_of, register
from tests.support.world import World


def _open(client: TestClient, world: World, number: str, type_: str = "address_unclear") -> dict[str, Any]:  # fmt: skip
    response = register(client, world, number, type_, note="门牌号缺失")
    assert response.status_code == 201, response.text
    return dict(response.json()["problem"])


def act(client: TestClient, world: World, pid: int, user: str, **body: Any) -> Any:
    return client.post(f"/api/v1/problems/{pid}/actions", json=body, headers=world.headers(user))


def resolve(client: TestClient, world: World, pid: int, user: str = "agent", **body: Any) -> Any:
    return client.post(f"/api/v1/problems/{pid}/resolve", json=body, headers=world.headers(user))


def assign(client: TestClient, world: World, pid: int, user: str, **body: Any) -> Any:
    return client.post(f"/api/v1/problems/{pid}/assign", json=body, headers=world.headers(user))


def test_registering_the_same_problem_twice_adds_to_the_first(
    client: TestClient, world: World, number: str, session: Session
) -> None:
    first = _open(client, world, number)
    again = register(client, world, number, "address_unclear", user="courier", note="再次上报")
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["problem"]["id"] == first["id"]
    kinds = [a["kind"] for a in again.json()["problem"]["actions"]]
    assert kinds == ["registered", "reported_again"]
    assert len(problems_of(session, number)) == 1
    # A different problem of the same parcel is its own problem.
    assert register(client, world, number, "damaged").status_code == 201
    assert len(problems_of(session, number)) == 2


def test_registration_errors_name_the_field(client: TestClient, world: World, number: str) -> None:
    bad_number = register(client, world, "ED123", "damaged")
    assert bad_number.status_code == 422
    assert "waybill" in bad_number.json()["detail"]
    bad_type = register(client, world, number, "exploded")
    assert bad_type.status_code == 422 and "type" in bad_type.json()["detail"]
    bad_facility = register(client, world, number, "damaged", facility="NOPE")
    assert bad_facility.status_code == 422 and "facility" in bad_facility.json()["detail"]
    assert register(client, world, number, "damaged", user="shipper_c1").status_code == 403


def test_one_owner_at_a_time_and_every_hand_over_recorded(
    client: TestClient, world: World, number: str
) -> None:
    problem = _open(client, world, number)
    pid = problem["id"]
    taken = assign(client, world, pid, "agent")
    assert taken.status_code == 200 and taken.json()["owner"] == "agent"
    # Another agent cannot take it: a clear 409 naming the owner.
    stolen = assign(client, world, pid, "agent2")
    assert stolen.status_code == 409
    assert stolen.json()["error"] == "problem_owned" and "agent" in stolen.json()["detail"]
    # A hand-over needs a reason.
    no_reason = assign(client, world, pid, "agent", owner="agent2")
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    handed = assign(client, world, pid, "agent", owner="agent2", reason="下班交接")
    assert handed.json()["owner"] == "agent2"
    hand_overs = [a for a in handed.json()["actions"] if a["kind"] == "assigned"]
    assert [(a["from_owner"], a["to_owner"], a["actor"]) for a in hand_overs] == [
        (None, "agent", "agent"),
        ("agent", "agent2", "agent"),
    ]
    assert hand_overs[1]["reason"] == "下班交接"
    # A supervisor may move it anywhere; a stale version is refused.
    stale = assign(client, world, pid, "super", owner="agent", reason="x", version=1)
    assert stale.status_code == 409 and stale.json()["error"] == "problem_changed"
    current = handed.json()["version"]
    moved = assign(client, world, pid, "super", owner="agent", reason="重新分配", version=current)
    assert moved.status_code == 200 and moved.json()["owner"] == "agent"


def test_two_agents_taking_the_same_problem_at_once_one_wins_one_gets_409(
    client: TestClient, world: World, number: str
) -> None:
    pid = _open(client, world, number)["id"]
    version = client.get(f"/api/v1/problems/{pid}", headers=world.headers("agent")).json()[
        "version"
    ]
    barrier = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def take(user: str) -> None:
        barrier.wait()
        answers[user] = assign(client, world, pid, user, version=version)

    threads = [threading.Thread(target=take, args=(u,)) for u in ("agent", "agent2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers.values())
    assert codes == [200, 409]
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert loser.json()["error"] in ("problem_changed", "problem_owned", "conflict")
    assert loser.json()["detail"]
    winner = next(u for u, a in answers.items() if a.status_code == 200)
    final = client.get(f"/api/v1/problems/{pid}", headers=world.headers("agent")).json()
    assert final["owner"] == winner
    assert len([a for a in final["actions"] if a["kind"] == "assigned"]) == 1


def test_resolving_is_refused_while_required_steps_are_missing(
    client: TestClient, world: World, number: str
) -> None:
    pid = _open(client, world, number, "refused")["id"]
    refused = resolve(client, world, pid, resolution="returned_to_sender")
    assert refused.status_code == 422
    assert refused.json()["error"] == "steps_missing"
    assert refused.json()["problems"][0]["field"] == "resolution"
    assert "return" in refused.json()["detail"]
    not_delivered = resolve(client, world, pid, resolution="delivered")
    assert not_delivered.status_code == 422 and "signed" in not_delivered.json()["detail"]
    # Returning needs a reason.
    assert act(client, world, pid, "agent", kind="return_to_sender").status_code == 422
    assert act(client, world, pid, "agent", kind="return_to_sender", reason="收件人拒收，寄件人要求退回").status_code == 200  # fmt: skip
    done = resolve(client, world, pid, resolution="returned_to_sender", note="已安排退回")
    assert done.status_code == 200
    assert done.json()["status"] == "resolved" and done.json()["resolution"] == "returned_to_sender"
    # Resolved is final for this problem: no more actions.
    assert act(client, world, pid, "agent", kind="note", note="x").status_code == 409


def test_correcting_the_address_re_routes_the_parcel(
    client: TestClient, world: World, number: str, session: Session
) -> None:
    pid = _open(client, world, number)["id"]
    bad = act(client, world, pid, "agent", kind="address_corrected", address="某处某号")
    assert bad.status_code == 422 and "address" in bad.json()["detail"]
    ok = act(
        client, world, pid, "agent", kind="address_corrected", address="北京市海淀区中关村大街1号"
    )
    assert ok.status_code == 200, ok.text
    session.rollback()
    waybill = session.scalar(select(Waybill).where(Waybill.number == number))
    assert waybill is not None
    assert waybill.dest_facility_id == world.facilities["BJ02"].id
    assert waybill.recipient_district == "海淀区"
    action = ok.json()["actions"][-1]
    assert action["data"]["old"]["dest_facility_id"] == world.facilities["BJ01"].id
    assert resolve(client, world, pid, resolution="address_corrected").status_code == 200


def test_locker_or_station_only_with_consent_and_only_to_a_pickup_point(
    client: TestClient, world: World, number: str
) -> None:
    pid = _open(client, world, number, "recipient_absent")["id"]
    no_consent = act(client, world, pid, "courier", kind="to_pickup_point", facility="BJ01S", consent=False)  # fmt: skip
    assert no_consent.status_code == 422 and "consent" in no_consent.json()["detail"]
    not_point = act(client, world, pid, "courier", kind="to_pickup_point", facility="BJ02", consent=True)  # fmt: skip
    assert not_point.status_code == 422 and "facility" in not_point.json()["detail"]
    ok = act(client, world, pid, "courier", kind="to_pickup_point", facility="BJ01S", consent=True)
    assert ok.status_code == 200
    assert resolve(client, world, pid, resolution="at_pickup_point").status_code == 200


def test_contacts_reschedules_escalation_and_outlet_messages(
    client: TestClient, world: World, number: str, session: Session
) -> None:
    pid = _open(client, world, number, "phone_unreachable")["id"]
    assert act(client, world, pid, "agent", kind="contact", outcome="no_answer").status_code == 200
    assert resolve(client, world, pid, resolution="customer_reached").status_code == 422
    assert act(client, world, pid, "agent", kind="contact", channel="sms", outcome="sms_sent").status_code == 200  # fmt: skip
    past = act(client, world, pid, "agent", kind="rescheduled", deliver_on="2020-01-01")
    assert past.status_code == 422 and "deliver_on" in past.json()["detail"]
    escalated = act(client, world, pid, "agent", kind="escalated", reason="客户多次投诉")
    assert escalated.json()["owner"] == "super" and escalated.json()["escalated"] is True
    told = act(client, world, pid, "agent", kind="outlet_notified", message="请核实寄件人电话")
    assert told.status_code == 200
    session.rollback()
    [message] = session.scalars(select(OutletMessage)).all()
    assert message.facility_id == world.facilities["HZ01"].id  # the origin outlet
    inbox = client.get("/api/v1/outlets/HZ01/messages", headers=world.headers("ops")).json()
    assert inbox[0]["body"] == "请核实寄件人电话" and inbox[0]["waybill"] == number
    assert act(client, world, pid, "agent", kind="contact", outcome="reached").status_code == 200
    done = resolve(client, world, pid, resolution="customer_reached")
    assert done.status_code == 200
    kinds = [a["kind"] for a in done.json()["actions"]]
    assert kinds == [
        "registered", "contact", "contact", "escalated", "outlet_notified", "contact", "resolved",
    ]  # fmt: skip
    # The waybill page shows the desk's work on the parcel's timeline.
    from tests.support.web_login import login

    login(client, "agent")
    page = client.get(f"/waybills/{number}")
    assert "请核实寄件人电话" in page.text


def test_resolution_codes_fit_their_problem_types(
    client: TestClient, world: World, number: str
) -> None:
    pid = _open(client, world, number, "damaged")["id"]
    wrong = resolve(client, world, pid, resolution="resent_to_right_outlet")
    assert wrong.status_code == 422 and "damaged" in wrong.json()["detail"]
    no_note = resolve(client, world, pid, resolution="no_action_needed")
    assert no_note.status_code == 422
    assert resolve(client, world, pid, resolution="no_action_needed", note="外包装轻微压痕，内物完好").status_code == 200  # fmt: skip
