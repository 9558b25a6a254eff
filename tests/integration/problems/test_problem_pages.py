"""The problem pages: queue filters, registration form with photos, errors on the page."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from expressdesk.clock import FixedClock
from tests.support.problems import register
from tests.support.web_login import login
from tests.support.world import World


def _csrf(client: TestClient) -> str:
    return str(client.cookies.get("ed_csrf"))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 255)).save(out, format="PNG")
    return out.getvalue()


def test_queue_filters_by_type_outlet_and_owner_oldest_due_first(
    client: TestClient, world: World, number: str
) -> None:
    damaged = register(client, world, number, "damaged", facility="BJ01").json()["problem"]
    register(client, world, number, "missorted", facility="BJ02")
    client.post(f"/api/v1/problems/{damaged['id']}/assign", json={}, headers=world.headers("agent"))
    login(client, "agent")
    page = client.get("/problems")
    assert page.status_code == 200
    rows = page.text.split('id="queue-rows"')[1]
    # The missort (2 h) is due before the damaged parcel (24 h).
    assert rows.index("错分") < rows.index("破损")
    only_bj02 = client.get("/problems/rows?facility=BJ02").text
    assert "错分" in only_bj02 and "破损" not in only_bj02
    mine = client.get("/problems/rows?owner=me").text
    assert "破损" in mine and "错分" not in mine
    unowned = client.get("/problems/rows?owner=none&type=missorted").text
    assert "错分" in unowned
    bad = client.get("/problems?facility=NOPE")
    assert bad.status_code == 422 and "facility" in bad.text


def test_registering_on_the_page_with_a_photo_and_seeing_errors_there(
    client: TestClient, world: World, number: str
) -> None:
    login(client, "courier")
    client.get("/problems/new")
    wrong = client.post(
        "/problems/new",
        data={"waybill": "ED1", "type": "damaged", "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert wrong.status_code == 422 and "waybill" in wrong.text and "ED1" in wrong.text
    not_image = client.post(
        "/problems/new",
        data={"waybill": number, "type": "damaged", "csrf_token": _csrf(client)},
        files={"photo": ("x.jpg", b"not an image", "image/jpeg")},
        follow_redirects=False,
    )
    assert not_image.status_code == 422 and "JPEG, PNG or WebP" in not_image.text
    # Nothing half-written: the failed photo took the problem with it.
    assert client.get("/api/v1/problems", headers=world.headers("agent")).json() == []
    ok = client.post(
        "/problems/new",
        data={
            "waybill": number,
            "type": "damaged",
            "note": "外箱破损",
            "csrf_token": _csrf(client),
        },
        files={"photo": ("box.png", _png(), "image/png")},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    detail = client.get(ok.headers["location"])
    assert "外箱破损" in detail.text and "<img" in detail.text


def test_an_action_refused_on_the_page_says_why(
    client: TestClient, world: World, number: str
) -> None:
    pid = register(client, world, number, "recipient_absent").json()["problem"]["id"]
    login(client, "agent")
    client.get(f"/problems/{pid}")
    refused = client.post(
        f"/problems/{pid}/act",
        data={"kind": "to_pickup_point", "facility": "BJ01S", "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "consent" in refused.text
    done = client.post(
        f"/problems/{pid}/act",
        data={
            "kind": "to_pickup_point",
            "facility": "BJ01S",
            "consent": "on",
            "csrf_token": _csrf(client),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    no_csrf = client.post(f"/problems/{pid}/resolve", data={"resolution": "at_pickup_point"})
    assert no_csrf.status_code == 403
    resolved = client.post(
        f"/problems/{pid}/resolve",
        data={"resolution": "at_pickup_point", "csrf_token": _csrf(client)},
    )
    assert resolved.status_code == 200 and "已完结" in resolved.text


def test_measures_count_types_and_missorts_caught_at_arrival(
    client: TestClient, world: World, number: str, clock: FixedClock
) -> None:
    from tests.support.problems import H, new_waybill, upload
    from tests.support.scans import scan

    other = new_waybill(client, world)
    register(client, world, number, "missorted")  # found by an agent, not at arrival
    upload(client, world, [scan(other, "arrival", clock.now() - H, facility="BJ02")])
    m = client.get("/api/v1/problems/measures", headers=world.headers("super")).json()
    assert m["by_type"]["missorted"] == 2
    assert (m["missorts"], m["missorts_caught_at_arrival"]) == (2, 1)
    assert m["missort_arrival_share"] == 0.5
    login(client, "super")
    page = client.get("/problems/measures")
    assert page.status_code == 200 and "50%" in page.text
