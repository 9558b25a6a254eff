"""Who may do what on a problem (every action, every role), and photo uploads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.models import ProblemPhoto
from tests.support.problems import new_waybill, register
from tests.support.world import World

ROLES = ("admin", "super", "agent", "courier", "ops", "shipper_c1")

# The permission matrix as the desk's manager wrote it down (Y: allowed).
#                       admin super agent courier ops  shipper
MATRIX: dict[str, str] = {
    "register":          "Y     Y     Y     Y      Y    -",
    "view":              "Y     Y     Y     Y      Y    -",
    "assign":            "Y     Y     Y     -      -    -",
    "contact":           "Y     Y     Y     Y      -    -",
    "address_corrected": "Y     Y     Y     -      -    -",
    "rescheduled":       "Y     Y     Y     Y      -    -",
    "to_pickup_point":   "Y     Y     Y     Y      -    -",
    "return_to_sender":  "Y     Y     Y     -      -    -",
    "escalated":         "Y     Y     Y     Y      Y    -",
    "outlet_notified":   "Y     Y     Y     -      Y    -",
    "note":              "Y     Y     Y     Y      Y    -",
    "photo":             "Y     Y     Y     Y      Y    -",
    "resolve":           "Y     Y     Y     -      Y    -",
    "measures":          "Y     Y     Y     -      -    -",
}  # fmt: skip

ACTION_BODIES: dict[str, dict[str, Any]] = {
    "contact": {"kind": "contact", "outcome": "no_answer"},
    "address_corrected": {"kind": "address_corrected", "address": "北京市海淀区中关村大街1号"},
    "rescheduled": {"kind": "rescheduled", "deliver_on": "2026-11-03"},
    "to_pickup_point": {"kind": "to_pickup_point", "facility": "BJ01S", "consent": True},
    "return_to_sender": {"kind": "return_to_sender", "reason": "寄件人要求退回"},
    "escalated": {"kind": "escalated", "reason": "需要主管决定"},
    "outlet_notified": {"kind": "outlet_notified", "message": "请联系寄件人"},
    "note": {"kind": "note", "note": "已核实"},
}


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _allowed(action: str, role: str) -> bool:
    return MATRIX[action].split()[ROLES.index(role)] == "Y"


def _problem(client: TestClient, world: World, number: str) -> int:
    response = register(client, world, number, "address_unclear")
    return int(response.json()["problem"]["id"])


def _try(client: TestClient, world: World, number: str, action: str, user: str) -> int:
    headers = world.headers(user)
    if action == "register":
        return int(register(client, world, number, "damaged", user=user).status_code)
    if action == "assign":  # each on a problem of its own: nobody owns it yet
        number = new_waybill(client, world)
    pid = _problem(client, world, number)
    if action == "view":
        return client.get(f"/api/v1/problems/{pid}", headers=headers).status_code
    if action == "assign":
        body = {"reason": "换人处理"}
        return client.post(f"/api/v1/problems/{pid}/assign", json=body, headers=headers).status_code
    if action == "resolve":
        body = {"resolution": "no_action_needed", "note": "误报"}
        return client.post(
            f"/api/v1/problems/{pid}/resolve", json=body, headers=headers
        ).status_code
    if action == "photo":
        files = {"photo": ("p.png", png(), "image/png")}
        return client.post(
            f"/api/v1/problems/{pid}/photos", files=files, headers=headers
        ).status_code
    if action == "measures":
        return client.get("/api/v1/problems/measures", headers=headers).status_code
    body = ACTION_BODIES[action]
    return client.post(f"/api/v1/problems/{pid}/actions", json=body, headers=headers).status_code


@pytest.mark.parametrize("action", list(MATRIX))
def test_every_action_is_allowed_exactly_to_its_roles(
    client: TestClient, world: World, number: str, action: str
) -> None:
    for role in ROLES:
        status = _try(client, world, number, action, role)
        if _allowed(action, role):
            assert status in (200, 201), (action, role, status)
        else:
            assert status == 403, (action, role, status)


def test_a_photo_is_stored_under_the_data_directory_and_served_to_staff(
    client: TestClient, world: World, number: str, settings: Settings, session: Session
) -> None:
    pid = _problem(client, world, number)
    data = png()
    response = client.post(
        f"/api/v1/problems/{pid}/photos",
        files={"photo": ("../../etc/passwd.png", data, "image/png")},
        headers=world.headers("courier"),
    )
    assert response.status_code == 201, response.text
    stored = session.scalar(select(ProblemPhoto))
    assert stored is not None
    path = (settings.photo_dir / stored.stored_name).resolve()
    assert settings.photo_dir.resolve() in path.parents and path.read_bytes() == data
    assert stored.original_name == "passwd.png"  # the uploader's path is never used
    served = client.get(response.json()["url"], headers=world.headers("agent"))
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png"
    assert (
        client.get(response.json()["url"], headers=world.headers("shipper_c1")).status_code == 403
    )
    shown = client.get(f"/api/v1/problems/{pid}", headers=world.headers("agent")).json()
    assert shown["photos"][0]["size_bytes"] == len(data)
    assert shown["actions"][-1]["kind"] == "photo"


@pytest.mark.parametrize(
    ("name", "content", "status", "word"),
    [
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 1000), 413, "larger"),
        ("notes.jpg", "这不是图片".encode() * 10, 422, "JPEG, PNG or WebP"),
        ("broken.png", png()[:60], 422, "JPEG, PNG or WebP"),
        ("empty.png", b"", 422, "empty"),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 422, "JPEG, PNG or WebP"),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing_behind(
    client: TestClient,
    world: World,
    number: str,
    settings: Settings,
    session: Session,
    name: str,
    content: bytes,
    status: int,
    word: str,
) -> None:
    pid = _problem(client, world, number)
    response = client.post(
        f"/api/v1/problems/{pid}/photos",
        files={"photo": (name, content, "image/png")},
        headers=world.headers("agent"),
    )
    assert response.status_code == status, response.text
    assert response.json()["error"] and word in response.json()["detail"]
    assert "photo" in response.json()["detail"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ProblemPhoto)) == 0
    photo_dir: Path = settings.photo_dir
    assert not photo_dir.exists() or not any(p.is_file() for p in photo_dir.rglob("*"))
