"""The satisfaction survey: a tokenized link answered once before it expires, attributed to the
courier, outlet and customer; a low score opens a follow-up ticket for the outlet; results."""

from __future__ import annotations

from datetime import timedelta

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import SurveyResponse, Ticket, Waybill
from expressdesk.notify.events import survey_link
from tests.support.problems import new_waybill, upload
from tests.support.scans import scan
from tests.support.world import World

H = timedelta(hours=1)


def _delivered(client: TestClient, world: World, clock: FixedClock) -> str:
    number = new_waybill(client, world)
    start = clock.now()
    clock.advance(3 * H)
    upload(client, world, [
        scan(number, "pickup", start, facility="HZ01"),
        scan(number, "out_for_delivery", start + H, facility="BJ01", courier="courier",
             courier_phone="13700001111"),
        scan(number, "signed", start + 2 * H, facility="BJ01", signer_type="recipient"),
    ])  # fmt: skip
    return number


def _path(settings: Settings, session: Session, number: str, clock: FixedClock) -> str:
    session.rollback()
    waybill = session.scalars(select(Waybill).where(Waybill.number == number)).one()
    link = survey_link(settings, "waybill", waybill.id, clock.now())
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _answer(client: TestClient, path: str, **form: str) -> httpx2.Response:
    client.get(path)  # sets the CSRF cookie
    return client.post(path, data={"csrf_token": str(client.cookies.get("ed_csrf")), **form})


def test_a_survey_is_answered_once_and_attributed(
    client: TestClient, world: World, clock: FixedClock, session: Session, settings: Settings
) -> None:
    number = _delivered(client, world, clock)
    path = _path(settings, session, number, clock)
    page = client.get(path)
    assert page.status_code == 200 and number in page.text
    missing = _answer(client, path, nps="9")
    assert missing.status_code == 422 and "csat" in missing.text
    done = _answer(client, path, csat="5", nps="10", comment="快递员很准时")
    assert done.status_code == 200 and 'id="survey-done"' in done.text
    again = _answer(client, path, csat="1", nps="0")
    assert again.status_code == 409
    session.rollback()
    response = session.scalars(select(SurveyResponse)).one()
    assert (response.csat, response.nps) == (5, 10)
    assert response.courier_id == world.users["courier"].id
    assert response.facility_id == world.facilities["BJ01"].id
    assert response.follow_up_ticket_id is None
    assert "already been answered" in client.get(path).text or "已" in client.get(path).text


def test_a_link_expires(
    client: TestClient, world: World, clock: FixedClock, session: Session, settings: Settings
) -> None:
    number = _delivered(client, world, clock)
    path = _path(settings, session, number, clock)
    clock.advance(timedelta(days=15))  # valid for 14 days
    assert client.get(path).status_code == 410
    assert client.get("/survey/forged-token").status_code == 404


def test_a_low_score_opens_a_follow_up_ticket_for_the_outlet_and_results_add_up(
    client: TestClient, world: World, clock: FixedClock, session: Session, settings: Settings
) -> None:
    low = _delivered(client, world, clock)
    assert _answer(client, _path(settings, session, low, clock), csat="1", nps="2",
                   comment="包裹被随意放在门口").status_code == 200  # fmt: skip
    high = _delivered(client, world, clock)
    assert (
        _answer(client, _path(settings, session, high, clock), csat="5", nps="9").status_code == 200
    )
    session.rollback()
    answer = session.scalars(select(SurveyResponse).where(SurveyResponse.csat == 1)).one()
    ticket = session.get(Ticket, answer.follow_up_ticket_id)
    assert ticket is not None
    assert ticket.responsible_facility_id == world.facilities["BJ01"].id
    assert ticket.owner_id == world.users["ops"].id  # the outlet's person on duty
    assert "包裹被随意放在门口" in ticket.entries[0].body
    by_courier = client.get(
        "/api/v1/surveys/results?by=courier", headers=world.headers("agent")
    ).json()
    assert by_courier == [{"key": str(world.users["courier"].id), "label": "Courier",
                           "answers": 2, "csat": 50.0, "nps": 0.0}]  # fmt: skip
    by_month = client.get("/api/v1/surveys/results?by=month", headers=world.headers("agent")).json()
    assert [r["answers"] for r in by_month] == [2]
    assert (
        client.get("/api/v1/surveys/results", headers=world.headers("shipper_c1")).status_code
        == 403
    )
