"""Helpers for the problem-desk tests: waybills to Beijing 朝阳区 (served by BJ01), uploads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.models import Problem, Waybill
from tests.support.world import World, waybill_payload


def new_waybill(client: TestClient, world: World, **overrides: Any) -> str:
    response = client.post(
        "/api/v1/waybills", json=waybill_payload(**overrides), headers=world.headers("agent")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def upload(
    client: TestClient, world: World, scans: list[dict[str, Any]], user: str = "ops"
) -> dict[str, Any]:
    response = client.post("/api/v1/scans", json={"scans": scans}, headers=world.headers(user))
    assert response.status_code == 200, response.text
    return dict(response.json())


def problems_of(session: Session, number: str) -> list[Problem]:
    session.rollback()
    return list(
        session.scalars(
            select(Problem)
            .join(Waybill, Waybill.id == Problem.waybill_id)
            .where(Waybill.number == number)
            .order_by(Problem.id)
        )
    )


def register(
    client: TestClient, world: World, number: str, type_: str, user: str = "agent", **extra: Any
) -> Any:
    return client.post(
        "/api/v1/problems",
        json={"waybill": number, "type": type_, **extra},
        headers=world.headers(user),
    )


H = timedelta(hours=1)
