"""Bulk import from CSV and XLSX: everything or nothing, every bad row reported by line."""

from __future__ import annotations

import io

import httpx2
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expressdesk.models import Waybill
from tests.support.world import World

CHINESE_HEADER = (
    "订单号,收件人,收件人电话,收件地址,寄件人,寄件人电话,寄件地址,重量,物品,保价金额,签单返回\n"
)


def row(
    order: str,
    phone: str = "13912345678",
    weight: str = "1.5",
    address: str = "北京市朝阳区建国路88号",
) -> str:
    sender = "王芳,13800000000,浙江省杭州市西湖区文三路1号"
    return f"{order},李雷,{phone},{address},{sender},{weight},图书,0,否\n"


def upload(
    client: TestClient, world: World, name: str, data: bytes, user: str = "shipper_c1"
) -> httpx2.Response:
    return client.post(
        "/api/v1/waybills/import", files={"file": (name, data)}, headers=world.headers(user)
    )


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Waybill)) or 0


def test_utf8_csv_with_chinese_headers_imports_every_row(
    client: TestClient, world: World, session: Session
) -> None:
    data = (CHINESE_HEADER + row("A1") + row("A2") + row("A3")).encode("utf-8-sig")
    response = upload(client, world, "orders.csv", data)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 3
    assert count(session) == 3
    refs = set(session.scalars(select(Waybill.order_ref)))
    assert refs == {"A1", "A2", "A3"}


def test_gbk_csv_from_excel_is_read(client: TestClient, world: World, session: Session) -> None:
    data = (CHINESE_HEADER + row("G1")).encode("gbk")
    response = upload(client, world, "excel-export.csv", data)
    assert response.status_code == 201, response.text
    assert session.scalar(select(Waybill.recipient_name)) == "李雷"


def test_xlsx_workbook_is_read(client: TestClient, world: World, session: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "order_ref",
            "recipient_name",
            "recipient_phone",
            "recipient_address",
            "sender_name",
            "sender_phone",
            "sender_address",
            "weight_kg",
        ]
    )
    sheet.append(
        [
            "X1",
            "李雷",
            13912345678,
            "北京市朝阳区建国路88号",
            "王芳",
            "13800000000",
            "浙江省杭州市西湖区文三路1号",
            2.5,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, world, "orders.xlsx", buffer.getvalue())
    assert response.status_code == 201, response.text
    assert session.scalar(select(Waybill.weight_g)) == 2500


def test_bad_rows_are_all_reported_with_lines_and_nothing_is_imported(
    client: TestClient, world: World, session: Session
) -> None:
    data = (
        CHINESE_HEADER
        + row("B1")
        + row("B2", phone="12345")  # line 3: bad phone
        + row("B3", weight="-2")  # line 4: negative weight
        + row("B4")
        + row("B1")  # line 6: order_ref repeated in the file
    ).encode("utf-8")
    response = upload(client, world, "orders.csv", data)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "import_rejected"
    assert "3 of 5 rows" in body["detail"]
    problems = {(p["line"], p["field"], p["rule"]) for p in body["problems"]}
    assert (3, "收件人电话", "phone_cn") in problems
    assert (4, "重量", "greater_than") in problems
    assert (6, "订单号", "unique") in problems
    assert count(session) == 0


def test_order_ref_imported_before_is_reported(
    client: TestClient, world: World, session: Session
) -> None:
    assert upload(client, world, "a.csv", (CHINESE_HEADER + row("R1")).encode()).status_code == 201
    again = upload(client, world, "b.csv", (CHINESE_HEADER + row("R2") + row("R1")).encode())
    assert again.status_code == 422
    assert again.json()["problems"][0]["line"] == 3
    assert "already used" in again.json()["problems"][0]["message"]
    assert count(session) == 1


def test_missing_and_unknown_columns_are_named(client: TestClient, world: World) -> None:
    missing = upload(client, world, "a.csv", "收件人,收件人电话\n李雷,13912345678\n".encode())
    assert missing.status_code == 422
    fields = {p["field"] for p in missing.json()["problems"]}
    assert {"recipient_address", "sender_name", "weight_kg"} <= fields
    unknown = upload(
        client,
        world,
        "a.csv",
        (CHINESE_HEADER.strip() + ",颜色\n" + row("U1").strip() + ",红\n").encode(),
    )
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["field"] == "颜色"


def test_undecodable_and_wrong_files_get_clear_errors(client: TestClient, world: World) -> None:
    garbage = upload(client, world, "a.csv", b"\xff\xfe\xfa\x80\x81" * 10)
    assert garbage.status_code == 415
    assert "UTF-8 or GBK" in garbage.json()["detail"]
    pdf = upload(client, world, "a.pdf", b"%PDF-1.4")
    assert pdf.status_code == 415
    fake_xlsx = upload(client, world, "a.xlsx", b"not a zip")
    assert fake_xlsx.status_code == 415
    assert "XLSX" in fake_xlsx.json()["detail"]
    empty = upload(client, world, "a.csv", CHINESE_HEADER.encode())
    assert empty.status_code == 422


def test_oversized_upload_is_refused(client: TestClient, world: World, session: Session) -> None:
    data = (CHINESE_HEADER + row("Z1") * 3000).encode()  # > 256 KiB test limit
    response = upload(client, world, "big.csv", data)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert count(session) == 0
