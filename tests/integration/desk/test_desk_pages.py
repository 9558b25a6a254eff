"""The desk's pages: the console (breaches on top, call-backs, the search box), a phone call in
one form, the ticket page (clocks, tracking, scripts with the parcel's facts), conflicts and
errors on the page, the admin's rules page."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from expressdesk.clock import FixedClock
from tests.support.desk import open_ticket, run_jobs, ticket
from tests.support.web_login import login
from tests.support.world import World


def _csrf(client: TestClient) -> str:
    return str(client.cookies.get("ed_csrf"))


def test_the_console_puts_breaches_on_top_and_lists_call_backs(
    client: TestClient, world: World, clock: FixedClock, number: str
) -> None:
    calm = open_ticket(client, world, type="suggestion", subject="建议增加晚间派送")
    urgent = open_ticket(client, world, type="urging", subject="客户催件很急", waybills=[number])
    # Make both the agent's, then let the urging breach (1 working hour).
    for t in (calm, urgent):
        if t["owner"] != "agent":
            client.post(f"/api/v1/tickets/{t['number']}/transfer", headers=world.headers("agent2"),
                        json={"to_user": "agent", "reason": "我来跟进"})  # fmt: skip
    client.post(f"/api/v1/tickets/{calm['number']}/callbacks", headers=world.headers("agent"),
                json={"note": "回访客户建议处理结果", "phone": "13600000000"})  # fmt: skip
    clock.advance(timedelta(hours=2))
    run_jobs(client.app)
    login(client, "agent")
    page = client.get("/desk")
    assert page.status_code == 200
    rows = page.text.split('id="my-tickets"')[1].split("</table>")[0]
    assert rows.index(urgent["number"]) < rows.index(calm["number"])
    assert 'data-state="breached"' in rows
    callbacks = page.text.split('id="callbacks"')[1].split("</section>")[0]
    assert calm["number"] in callbacks and "13600000000" in callbacks


def test_the_search_box_takes_a_phone_a_waybill_or_a_ticket_number(
    client: TestClient, world: World, number: str
) -> None:
    made = open_ticket(client, world, subject="来电咨询", contact_phone="13912345678")
    login(client, "agent")
    by_phone = client.get("/desk?q=139 1234 5678")
    assert by_phone.status_code == 200
    found = by_phone.text.split('id="found"')[1]
    assert number in found and made["number"] in found
    by_waybill = client.get(f"/desk?q={number[:7]} {number[7:]}", follow_redirects=False)
    assert by_waybill.status_code == 303 and by_waybill.headers["location"] == f"/waybills/{number}"
    by_ticket = client.get(f"/desk?q={made['number'].lower()}", follow_redirects=False)
    assert by_ticket.headers["location"] == f"/tickets/{made['number']}"
    nothing = client.get("/desk?q=hello")
    assert "Nothing found" in nothing.text or "没有找到" in nothing.text


def test_a_phone_call_ticket_from_the_form_and_its_page(
    client: TestClient, world: World, number: str
) -> None:
    login(client, "agent")
    assert client.get(f"/tickets/new?waybill={number}").status_code == 200
    bad = client.post("/tickets/new", data={"csrf_token": _csrf(client), "type": "complaint",
                                            "waybill": number, "subject": "派件员态度差"})  # fmt: skip
    assert bad.status_code == 422
    assert "category" in bad.text and 'value="派件员态度差"' in bad.text  # the form keeps input
    made = client.post("/tickets/new", follow_redirects=False, data={
        "csrf_token": _csrf(client), "type": "urging", "waybill": number,
        "subject": "代收货款快件催派送", "contact_phone": "13912345678"})  # fmt: skip
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert page.status_code == 200
    assert 'id="clocks"' in page.text and 'data-metric="first_response"' in page.text
    assert number in page.text.split('id="parcels"')[1]
    # The scripts carry the parcel's facts, ready to insert into the reply.
    scripts = page.text.split('id="script-picker"')[1].split("</select>")[0]
    assert number in scripts
    # And the waybill page shows the ticket.
    assert made.headers["location"].split("/")[-1] in client.get(f"/waybills/{number}").text


def test_a_stale_form_gets_the_conflict_on_the_page(client: TestClient, world: World) -> None:
    made = open_ticket(client, world)
    login(client, "agent")
    tn = made["number"]
    form = {"csrf_token": _csrf(client), "version": str(made["version"]), "priority": "high",
            "reason": "客户很急"}  # fmt: skip
    assert (
        client.post(f"/tickets/{tn}/change", data=form, follow_redirects=False).status_code == 303
    )
    stale = client.post(f"/tickets/{tn}/change", data=form | {"priority": "low"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text
    assert ticket(client, world, tn)["priority"] == "high"
    reply = client.post(f"/tickets/{tn}/reply", follow_redirects=False, data={
        "csrf_token": _csrf(client), "body": "您好，已为您加急处理", "public": "on",
        "version": str(ticket(client, world, tn)["version"])})  # fmt: skip
    assert reply.status_code == 303
    assert ticket(client, world, tn)["first_response_at"] is not None


def test_only_an_admin_edits_the_rules_and_the_law_is_kept(
    client: TestClient, world: World
) -> None:
    login(client, "agent")
    assert client.get("/desk/rules").status_code == 403
    client.cookies.clear()
    login(client, "admin")
    page = client.get("/desk/rules")
    assert page.status_code == 200 and "快递暂行条例" in page.text
    refused = client.post("/desk/rules", data={"csrf_token": _csrf(client),
                                               "key": "regulatory.complaint_days", "value": "9"})  # fmt: skip
    assert refused.status_code == 422 and "not loosened" in refused.text
    saved = client.post("/desk/days", follow_redirects=False, data={
        "csrf_token": _csrf(client), "day": "2026-11-04", "kind": "off", "name": "公司活动日"})  # fmt: skip
    assert saved.status_code == 303
    assert "公司活动日" in client.get("/desk/rules").text


def test_the_public_contact_form_checks_the_phone(
    client: TestClient, world: World, number: str
) -> None:
    page = client.get(f"/help?waybill={number}")
    assert page.status_code == 200
    form = {"csrf_token": _csrf(client), "waybill": number, "phone_last4": "9999",
            "type": "urging", "message": "请今天送到", "phone": "13912345678"}  # fmt: skip
    wrong = client.post("/help", data=form)
    assert wrong.status_code == 422 and "phone_last4" in wrong.text
    assert 'value="13912345678"' in wrong.text  # what the visitor typed is kept
    done = client.post("/help", data=form | {"phone_last4": "5678"})
    assert done.status_code == 200 and 'id="help-done"' in done.text
    made = done.text.split("<strong>")[1].split("</strong>")[0]
    assert ticket(client, world, made)["channel"] == "web"


def test_files_attach_to_a_ticket_and_download_for_its_people_only(
    client: TestClient, world: World
) -> None:
    made = open_ticket(client, world, type="claim", subject="破损理赔")
    sent = client.post(f"/api/v1/tickets/{made['number']}/attachments",
                       files={"file": ("../../照片.jpg", b"\xff\xd8\xffphoto", "image/jpeg")},
                       headers=world.headers("agent"))  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert sent.json()["name"] == "照片.jpg"  # no path from the uploader's name
    got = client.get(sent.json()["url"], headers=world.headers("agent"))
    assert got.status_code == 200 and got.content == b"\xff\xd8\xffphoto"
    assert "attachment" in got.headers["content-disposition"]
    assert client.get(sent.json()["url"], headers=world.headers("shipper_c1")).status_code == 404
    assert client.get(sent.json()["url"], headers=world.headers("courier")).status_code == 403
    empty = client.post(f"/api/v1/tickets/{made['number']}/attachments",
                        files={"file": ("x.txt", b"", "text/plain")}, headers=world.headers("agent"))  # fmt: skip
    assert empty.status_code == 422 and "file" in empty.json()["detail"]
    data = ticket(client, world, made["number"])
    assert [a["name"] for a in data["attachments"]] == ["照片.jpg"]
