"""Helpers for the service-desk tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.world import World


def open_ticket(
    client: TestClient, world: World, user: str = "agent", expect: int | None = 201, **body: Any
) -> dict[str, Any]:
    payload = {"type": "inquiry", "subject": "客户来电", "contact_phone": "13912345678"} | body
    response = client.post("/api/v1/tickets", json=payload, headers=world.headers(user))
    if expect is not None:
        assert response.status_code == expect, response.text
    return dict(response.json())


def ticket(client: TestClient, world: World, number: str, user: str = "agent") -> dict[str, Any]:
    response = client.get(f"/api/v1/tickets/{number}", headers=world.headers(user))
    assert response.status_code == 200, response.text
    return dict(response.json())


def clock_of(data: dict[str, Any], metric: str) -> dict[str, Any]:
    return next(c for c in data["clocks"] if c["metric"] == metric)


def run_jobs(app: Any) -> Any:
    """Run the desk's periodic jobs as the worker does, at the app's (fake) clock."""
    from expressdesk.desk.jobs import run

    with app.state.writer_session_factory() as session:
        report = run(session, app.state.settings, app.state.clock.now())
        session.commit()
    return report
