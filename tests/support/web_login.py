"""Log a TestClient in through the real login form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.world import PASSWORD


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login", headers={"Accept": "text/html"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/",
        },
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
