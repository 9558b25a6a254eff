"""Shipping labels (面单): PDF in the common 100 × 180 mm thermal size, or two to an A4 sheet.

Each label carries the waybill number as a Code 128 barcode (twice: the delivery part and the
sender's stub), the destination sort code in large type (大头笔: destination outlet and delivery
area) for the sorting line, the product, COD / insurance / freight-collect / signed-receipt marks,
sender and recipient. With privacy on (隐私面单, the default) names and phones are masked on
paper; the system keeps the full data for the courier's handheld and the desk."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from expressdesk.fonts import pdf_font
from expressdesk.models import Waybill
from expressdesk.tracking.masking import mask_name
from expressdesk.waybills.phones import mask_phone
from expressdesk.waybills.products import PRODUCTS

MM = 72 / 25.4  # points per millimetre
THERMAL = (100 * MM, 180 * MM)
A4 = (210 * MM, 297 * MM)


@dataclass(frozen=True)
class LabelData:
    """What is printed: everything already decided (masked or not)."""

    number: str
    sort_code: str  # 大头笔
    sort_detail: str
    product: str
    created: str
    recipient: str
    recipient_phone: str
    recipient_address: str
    sender: str
    sender_phone: str
    sender_address: str
    marks: tuple[str, ...]
    weight: str
    contents: str


def label_data(waybill: Waybill, tz: ZoneInfo, privacy: bool = True) -> LabelData:
    w = waybill
    dest = w.dest_facility
    area = w.dest_area
    province = (w.recipient_province or "").removesuffix("省").removesuffix("市")[:3]
    sort_code = "-".join(
        x for x in (province, dest.code if dest else "", area.code if area else "") if x
    )
    marks = []
    if w.cod_amount_fen:
        marks.append(f"代收货款 COD ¥{w.cod_amount_fen / 100:,.2f}")
    if w.declared_value_fen:
        marks.append(f"保价 Insured ¥{w.declared_value_fen / 100:,.2f}")
    if w.freight_collect:
        marks.append(f"到付 Freight collect ¥{w.total_fen / 100:,.2f}")
    if w.receipt_return:
        marks.append("签单返回 Return receipt")
    info = PRODUCTS[w.product]
    name = mask_name if privacy else (lambda s: s)
    phone = mask_phone if privacy else (lambda s: s)
    return LabelData(
        number=w.number,
        sort_code=sort_code or "—",
        sort_detail=f"{dest.name if dest else ''} {area.name if area else ''}".strip(),
        product=f"{info.name_zh} {info.name_en}",
        created=f"{w.created_at.astimezone(tz):%Y-%m-%d %H:%M}",
        recipient=name(w.recipient_name),
        recipient_phone=phone(w.recipient_phone),
        recipient_address=_address(w.recipient_province, w.recipient_city, w.recipient_district,
                                   w.recipient_address),
        sender=name(w.sender_name),
        sender_phone=phone(w.sender_phone),
        sender_address=_address(w.sender_province, w.sender_city, w.sender_district, ""),
        marks=tuple(marks),
        weight=f"{w.chargeable_weight_g / 1000:.2f} kg",
        contents=w.contents or "—",
    )  # fmt: skip


def _address(province: str | None, city: str | None, district: str | None, street: str) -> str:
    """The address as printed: the parsed region, then the street as typed (unless the typed
    address already starts with the region)."""
    region = " ".join(x for x in (province, city, district) if x)
    if street and province and street.startswith(province):
        return street
    return f"{region} {street}".strip()


def _wrap(canvas: object, text: str, font: str, size: float, width: float) -> list[str]:
    """Split text into lines that fit ``width`` (character by character: Chinese has no spaces)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def _draw(c: object, data: LabelData, x: float, y: float) -> None:
    """One 100 × 180 mm label with its lower-left corner at (x, y)."""
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.pdfgen.canvas import Canvas

    assert isinstance(c, Canvas)
    font = pdf_font()
    w, h = THERMAL
    pad = 3 * MM
    c.saveState()
    c.translate(x, y)
    c.setLineWidth(0.8)
    c.rect(0, 0, w, h)

    def hline(at_mm: float) -> None:
        c.line(0, h - at_mm * MM, w, h - at_mm * MM)

    # Header: brand, product, date.
    c.setFont(font, 11)
    c.drawString(pad, h - 8 * MM, "ExpressDesk 快递")
    c.setFont(font, 9)
    c.drawRightString(w - pad, h - 6 * MM, data.product)
    c.drawRightString(w - pad, h - 10 * MM, data.created)
    hline(12)
    # 大头笔: the sorting code, large.
    size = 30 if len(data.sort_code) <= 12 else 20
    c.setFont(font, size)
    c.drawCentredString(w / 2, h - 25 * MM, data.sort_code)
    c.setFont(font, 8)
    c.drawCentredString(w / 2, h - 30 * MM, data.sort_detail)
    hline(32)
    # The barcode: Code 128, quiet zones included, wide enough for a handheld at arm's length.
    barcode = Code128(data.number, barHeight=18 * MM, barWidth=0.38 * MM, quiet=True)
    bx = (w - barcode.width) / 2
    barcode.drawOn(c, bx, h - 53 * MM)
    c.setFont(font, 12)
    c.drawCentredString(
        w / 2, h - 58 * MM, " ".join(data.number[i : i + 4] for i in range(0, len(data.number), 4))
    )
    hline(61)
    # Recipient.
    c.setFont(font, 9)
    c.drawString(pad, h - 66 * MM, "收")
    c.setFont(font, 12)
    c.drawString(pad + 7 * MM, h - 66 * MM, f"{data.recipient}  {data.recipient_phone}")
    c.setFont(font, 10)
    for i, line in enumerate(_wrap(c, data.recipient_address, font, 10, w - 2 * pad - 7 * MM)[:3]):
        c.drawString(pad + 7 * MM, h - (72 + 5 * i) * MM, line)
    hline(88)
    # Sender.
    c.setFont(font, 9)
    c.drawString(pad, h - 93 * MM, "寄")
    c.drawString(pad + 7 * MM, h - 93 * MM, f"{data.sender}  {data.sender_phone}")
    c.drawString(pad + 7 * MM, h - 98 * MM, data.sender_address[:40])
    hline(101)
    # Marks, weight and contents; a signature box.
    c.setFont(font, 9)
    row = 106
    for mark in data.marks[:3]:
        c.drawString(pad, h - row * MM, mark)
        row += 5
    c.drawString(pad, h - row * MM, f"计费重量 Weight: {data.weight}")
    c.drawString(pad, h - (row + 5) * MM, f"内件 Contents: {data.contents[:16]}")
    c.rect(w - 38 * MM, h - 125 * MM, 35 * MM, 20 * MM)
    c.setFont(font, 7)
    c.drawString(w - 37 * MM, h - 109 * MM, "签收人 / Signed by")
    c.drawString(w - 37 * MM, h - 123 * MM, "时间 / Time")
    # The sender's stub (寄件联): cut along the dashes; the number again, smaller.
    c.setDash(3, 2)
    c.line(0, h - 130 * MM, w, h - 130 * MM)
    c.setDash()
    stub = Code128(data.number, barHeight=12 * MM, barWidth=0.3 * MM, quiet=True)
    stub.drawOn(c, (w - stub.width) / 2, h - 147 * MM)
    c.setFont(font, 9)
    c.drawCentredString(w / 2, h - 151 * MM, f"{data.number}  寄件联 Sender's copy")
    c.drawString(pad, h - 158 * MM, f"收 {data.recipient}  {data.recipient_phone}")
    c.drawString(pad, h - 163 * MM, f"寄 {data.sender}  {data.sender_phone}")
    c.drawString(pad, h - 168 * MM, data.product)
    c.setFont(font, 6)
    c.drawString(
        pad, 4 * MM, "隐私面单：姓名与电话已隐去，快递员可在手持终端查看完整信息。Privacy label."
    )
    c.restoreState()


def render_labels(labels: Sequence[LabelData], size: str = "thermal") -> bytes:
    """A PDF with one label a page (``thermal``, 100 × 180 mm) or two on each A4 page."""
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    page = THERMAL if size == "thermal" else A4
    c = Canvas(out, pagesize=page, pageCompression=1)
    c.setTitle(f"ExpressDesk labels ({len(labels)})")
    per_page = 1 if size == "thermal" else 2
    for i, data in enumerate(labels):
        if size == "thermal":
            _draw(c, data, 0, 0)
        else:
            slot = i % per_page
            _draw(c, data, (5 + slot * 100) * MM, (297 - 180 - 10) * MM)
        if i % per_page == per_page - 1 or i == len(labels) - 1:
            c.showPage()
    c.save()
    return out.getvalue()
