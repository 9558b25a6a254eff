"""Login, CSRF, language and the waybill pages, as a browser sees them (HTTP level)."""

from __future__ import annotations

import re

import httpx2
from fastapi.testclient import TestClient

from tests.support.world import PASSWORD, World, waybill_payload

HTML = {"Accept": "text/html"}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF field"
    return match.group(1)


def login(
    client: TestClient, username: str, password: str = PASSWORD, next_: str = "/"
) -> httpx2.Response:
    page = client.get("/login", headers=HTML)
    token = csrf_from(page.text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_},
        headers=HTML,
        follow_redirects=False,
    )


def test_pages_redirect_to_login_and_back(client: TestClient, world: World) -> None:
    response = client.get("/waybills?phone=1", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/waybills")
    done = login(client, "agent", next_="/waybills")
    assert done.status_code == 303
    assert done.headers["location"] == "/waybills"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()


def test_wrong_password_shows_a_message(client: TestClient, world: World) -> None:
    response = login(client, "agent", password="nope-nope-1")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.text


def test_form_without_csrf_token_is_refused(client: TestClient, world: World) -> None:
    response = client.post("/login", data={"username": "agent", "password": PASSWORD}, headers=HTML)
    assert response.status_code == 403
    assert "form expired" in response.text


def test_open_redirect_after_login_is_blocked(client: TestClient, world: World) -> None:
    response = login(client, "agent", next_="https://evil.example/")
    assert response.headers["location"] == "/"


def test_cookie_session_needs_csrf_header_for_api_writes(client: TestClient, world: World) -> None:
    login(client, "agent")
    refused = client.post("/api/v1/waybills", json=waybill_payload())
    assert refused.status_code == 403
    assert "x-csrf-token" in refused.json()["detail"]
    token = client.cookies.get("ed_csrf")
    assert token
    accepted = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers={"X-CSRF-Token": token}
    )
    assert accepted.status_code == 201


def test_waybill_page_in_both_languages(client: TestClient, world: World) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    login(client, "agent")
    zh = client.get(f"/waybills/{number}", headers={**HTML, "Accept-Language": "zh-CN"})
    assert zh.status_code == 200
    assert "收件人" in zh.text and "李雷" in zh.text and "已下单" in zh.text
    client.get("/lang/en?next=/", headers=HTML)
    en = client.get(f"/waybills/{number}", headers=HTML)
    assert "Recipient" in en.text and "Order created" in en.text


def test_search_box_routes_numbers_and_phones(client: TestClient, world: World) -> None:
    number = client.post(
        "/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent")
    ).json()["number"]
    login(client, "agent")
    by_number = client.get(
        "/search", params={"q": number.lower()}, headers=HTML, follow_redirects=False
    )
    assert by_number.headers["location"] == f"/waybills/{number}"
    by_phone = client.get("/search", params={"q": "139 1234 5678"}, headers=HTML)
    assert number in by_phone.text
    typo = client.get(f"/waybills/{number[:-1]}{(int(number[-1]) + 1) % 10}", headers=HTML)
    assert typo.status_code == 422
    assert "不是有效的运单号" in typo.text


def test_import_page_reports_bad_rows(client: TestClient, world: World) -> None:
    login(client, "shipper_c1")
    page = client.get("/waybills/import", headers=HTML)
    data = (
        "收件人,收件人电话,收件地址,寄件人,寄件人电话,寄件地址,重量\n"
        "李雷,123,北京市朝阳区,王芳,13800000000,杭州市西湖区,1\n"
    )
    response = client.post(
        "/waybills/import",
        files={"file": ("a.csv", data.encode())},
        data={"csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert response.status_code == 422
    assert "未导入任何运单" in response.text
    assert "收件人电话" in response.text


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    login(client, "agent")
    home = client.get("/", headers=HTML)
    assert home.status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(home.text)}, headers=HTML)
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_health_and_api_docs(client: TestClient, world: World) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_unknown_page_and_unknown_api_path(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/nothing").json() == {"error": "not_found", "detail": "Not Found"}
    assert client.get("/nothing", headers=HTML).status_code == 404


def test_api_docs_load_no_asset_from_the_internet(client: TestClient, world: World) -> None:
    docs = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs) + re.findall(r"url: '([^']+)'", docs)
    assert assets
    assert all(a.startswith("/") for a in assets), assets
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


def test_overview_counts_waybills_by_status_and_a_shipper_sees_only_theirs(
    client: TestClient, world: World
) -> None:
    client.post("/api/v1/waybills", json=waybill_payload(), headers=world.headers("agent"))
    client.post("/api/v1/waybills", json=waybill_payload(), headers=world.headers("shipper_c1"))
    login(client, "agent")
    staff = client.get("/", headers={**HTML, "Accept-Language": "en"}).text
    assert re.search(r'class="num">2</span><span>Waybills', staff)
    assert 'href="/waybills?status=CREATED">Order created</a>' in staff
    client.cookies.clear()
    login(client, "shipper_c1")
    shipper = client.get("/", headers={**HTML, "Accept-Language": "en"}).text
    assert re.search(r'class="num">1</span><span>Waybills', shipper)
    assert "Facilities" not in shipper
