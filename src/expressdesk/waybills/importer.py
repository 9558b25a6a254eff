"""Bulk waybill import from CSV or XLSX with a row-by-row error report.

Every row is checked first; if any row is bad, nothing is imported and every problem is reported
with its line number, column and rule. Column headers may be English keys or the Chinese headers
people use in Excel (收件人, 收件人电话, …). CSV files may be UTF-8 or GBK / GB18030 (what Excel
saves on a Chinese Windows).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Product
from expressdesk.errors import AppError, FieldProblem, PayloadTooLarge, ValidationFailed
from expressdesk.models import User, Waybill
from expressdesk.waybills.products import PRODUCTS
from expressdesk.waybills.schemas import WaybillCreate
from expressdesk.waybills.service import build_waybills

# Our field → the headers accepted for it (first: the English key we document).
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_code": ("customer_code", "客户编码", "客户代码"),
    "order_ref": ("order_ref", "订单号", "商家订单号"),
    "product": ("product", "产品", "产品类型"),
    "sender_name": ("sender_name", "寄件人", "寄件人姓名"),
    "sender_phone": ("sender_phone", "寄件人电话", "寄件电话"),
    "sender_address": ("sender_address", "寄件地址", "寄件人地址"),
    "recipient_name": ("recipient_name", "收件人", "收件人姓名"),
    "recipient_phone": ("recipient_phone", "收件人电话", "收件电话"),
    "recipient_address": ("recipient_address", "收件地址", "收件人地址"),
    "contents": ("contents", "物品", "物品名称", "内件"),
    "weight_kg": ("weight_kg", "重量", "重量(kg)", "重量（kg）"),
    "length_cm": ("length_cm", "长", "长(cm)", "长（cm）"),
    "width_cm": ("width_cm", "宽", "宽(cm)", "宽（cm）"),
    "height_cm": ("height_cm", "高", "高(cm)", "高（cm）"),
    "declared_value": ("declared_value", "保价金额", "声明价值"),
    "cod_amount": ("cod_amount", "代收货款", "代收金额"),
    "freight_collect": ("freight_collect", "到付"),
    "receipt_return": ("receipt_return", "签单返回", "回单"),
}
REQUIRED = (
    "sender_name", "sender_phone", "sender_address",
    "recipient_name", "recipient_phone", "recipient_address", "weight_kg",
)  # fmt: skip
_HEADER_TO_FIELD = {h.strip().lower(): f for f, headers in COLUMNS.items() for h in headers}
_TRUE = {"1", "true", "yes", "y", "是", "需要", "√"}
_FALSE = {"", "0", "false", "no", "n", "否", "不需要"}
_PRODUCT_NAMES = {info.name_zh: p for p, info in PRODUCTS.items()} | {p.value: p for p in Product}


class ImportRejected(ValidationFailed):
    code = "import_rejected"


class UnreadableFile(AppError):
    status_code = 415
    code = "unreadable_file"


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def read_limited(stream: Any, limit: int) -> bytes:
    """Read at most ``limit`` bytes from a binary stream; refuse a larger upload outright."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"file: larger than the {limit // (1024 * 1024)} MiB upload limit")
    return bytes(data)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("file: CSV must be encoded as UTF-8 or GBK/GB18030")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip()


def rows_from_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(decode_text(data), newline=""))
    for values in reader:
        yield reader.line_num, [v.strip() for v in values]


def rows_from_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile("file: not a valid XLSX workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield index, [_cell(v) for v in values]
    finally:
        workbook.close()


def parse_table(data: bytes, filename: str, max_rows: int) -> tuple[dict[str, str], list[Row]]:
    """The header mapping (field → header as written) and the non-empty data rows."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw_rows = rows_from_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        raw_rows = rows_from_csv(data)
    else:
        raise UnreadableFile("file: expected a .csv or .xlsx file")
    header: list[str] | None = None
    used: dict[str, str] = {}
    positions: dict[int, str] = {}
    rows: list[Row] = []
    for line, values in raw_rows:
        if header is None:
            if not any(values):
                continue
            header = values
            unknown = []
            for pos, title in enumerate(header):
                field = _HEADER_TO_FIELD.get(title.strip().lower())
                if field is None:
                    if title.strip():
                        unknown.append(title)
                    continue
                positions[pos] = field
                used[field] = title
            missing = [f for f in REQUIRED if f not in used]
            if missing:
                raise ImportRejected(
                    "header: missing required columns: " + ", ".join(missing),
                    problems=[
                        FieldProblem(m, "required_column", "column is missing", line)
                        for m in missing
                    ],
                )
            if unknown:
                raise ImportRejected(
                    "header: unknown columns: " + ", ".join(unknown),
                    problems=[
                        FieldProblem(u, "unknown_column", "not a known column", line)
                        for u in unknown
                    ],
                )
            continue
        if not any(values):
            continue
        if len(rows) >= max_rows:
            raise ImportRejected(
                f"file: more than {max_rows} rows; split it into smaller files",
                problems=[FieldProblem("file", "max_rows", f"at most {max_rows} rows", line)],
            )
        rows.append(Row(line, {positions[p]: v for p, v in enumerate(values) if p in positions}))
    if header is None or not rows:
        raise ImportRejected(
            "file: no data rows", problems=[FieldProblem("file", "not_empty", "no rows", 1)]
        )
    return used, rows


def _bool(value: str) -> bool | str:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value  # pydantic reports it


def row_to_payload(values: dict[str, str]) -> dict[str, Any]:
    def get(key: str) -> str | None:
        value = values.get(key, "").strip()
        return value or None

    product = get("product")
    payload: dict[str, Any] = {
        "customer_code": get("customer_code"),
        "order_ref": get("order_ref"),
        "sender": {
            "name": get("sender_name"),
            "phone": get("sender_phone"),
            "address": get("sender_address"),
        },
        "recipient": {
            "name": get("recipient_name"),
            "phone": get("recipient_phone"),
            "address": get("recipient_address"),
        },
        "contents": values.get("contents", ""),
        "weight_kg": get("weight_kg"),
        "freight_collect": _bool(values.get("freight_collect", "")),
        "receipt_return": _bool(values.get("receipt_return", "")),
    }
    if product:
        payload["product"] = _PRODUCT_NAMES.get(product, product)
    for key in ("length_cm", "width_cm", "height_cm", "declared_value", "cod_amount"):
        if get(key) is not None:
            payload[key] = get(key)
    return payload


def _column_for(loc: tuple[Any, ...], used: dict[str, str]) -> str:
    """The header the user wrote for a pydantic error location like ('recipient', 'phone')."""
    parts = [str(p) for p in loc]
    key = (
        "_".join(parts[:2])
        if parts and parts[0] in ("sender", "recipient")
        else (parts[0] if parts else "row")
    )
    return used.get(key, key)


def import_waybills(
    session: Session,
    data: bytes,
    filename: str,
    actor: User,
    now: datetime,
    settings: Settings,
) -> list[Waybill]:
    """Import a whole file, or nothing: raises ``ImportRejected`` listing every bad row."""
    used, rows = parse_table(data, filename, settings.max_import_rows)
    drafts: list[WaybillCreate] = []
    lines: list[int] = []
    problems: list[FieldProblem] = []
    for row in rows:
        try:
            drafts.append(WaybillCreate.model_validate(row_to_payload(row.values)))
            lines.append(row.line)
        except ValidationError as exc:
            for err in exc.errors():
                column = _column_for(tuple(err["loc"]), used)
                problems.append(FieldProblem(column, str(err["type"]), str(err["msg"]), row.line))
    if drafts:
        service_problems, waybills = build_waybills(session, drafts, actor, now, settings, lines)
        for p in service_problems:
            column = used.get(p.field.replace(".", "_"), p.field)
            problems.append(FieldProblem(column, p.rule, p.message, p.line))
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.field))
        bad_lines = len({p.line for p in problems})
        raise ImportRejected(
            f"nothing imported: {bad_lines} of {len(rows)} rows have problems", problems=problems
        )
    return waybills
