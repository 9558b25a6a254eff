"""A report document as an XLSX workbook (openpyxl: numbers stay numbers, with formats) and as
a PDF (reportlab, A4, with an embedded TrueType CJK font so Chinese renders in any viewer)."""

from __future__ import annotations

import io
import re
from typing import Any

from expressdesk.fonts import pdf_font
from expressdesk.reports.document import Cell, Chart, Document, Table
from expressdesk.reports.figures import Kind

# In the PDF, a long table stops here; the workbook has every row.
PDF_TABLE_ROWS = 150

_NUMBER_FORMATS = {
    Kind.RATE: "0.00%",
    Kind.COUNT: "#,##0",
    Kind.MONEY: '"¥"#,##0.00',
    Kind.HOURS: "0.0",
    Kind.SCORE: "0.0",
}


def _xlsx_value(cell: Cell) -> Any:
    if cell.kind is Kind.MONEY and isinstance(cell.value, int | float):
        return cell.value / 100  # fen → yuan
    return cell.value


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip() or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name)
    return name


def to_xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    assert summary is not None
    used: set[str] = set()
    summary.title = _sheet_title("概要" if doc.locale.startswith("zh") else "Summary", used)
    bold = Font(bold=True)
    summary.append([doc.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([doc.subtitle])
    summary.append([doc.as_of])
    summary.append([])
    head = ["指标", "数值", "目标", "公式"] if doc.locale.startswith("zh") else \
        ["Figure", "Value", "Target", "Formula"]  # fmt: skip
    summary.append(head)
    for c in summary[summary.max_row]:
        c.font = bold
    for f in doc.figures:
        summary.append([f.label, _xlsx_value(f.value), f.target, f.formula])
        if f.value.kind is not None:
            summary.cell(summary.max_row, 2).number_format = _NUMBER_FORMATS[f.value.kind]
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 16
    summary.column_dimensions["C"].width = 12
    summary.column_dimensions["D"].width = 80
    charts_sheet = None
    row_at = 1
    for block in doc.blocks:
        if isinstance(block, Table):
            sheet = book.create_sheet(_sheet_title(block.title, used))
            sheet.append(block.headers)
            for header in sheet[1]:
                header.font = bold
            for r in block.rows:
                sheet.append([_xlsx_value(c) for c in r])
                for i, item in enumerate(r, start=1):
                    if item.kind is not None and item.value is not None:
                        sheet.cell(sheet.max_row, i).number_format = _NUMBER_FORMATS[item.kind]
            sheet.freeze_panes = "B2"
            sheet.column_dimensions["A"].width = 30
        elif isinstance(block, Chart):
            if charts_sheet is None:
                charts_sheet = book.create_sheet(
                    _sheet_title("图表" if doc.locale.startswith("zh") else "Charts", used)
                )
            image = Image(io.BytesIO(block.png))
            charts_sheet.add_image(image, f"A{row_at}")
            row_at += int(image.height / 20) + 2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------ PDF


def to_pdf(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    font = pdf_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=16, spaceBefore=10,
                             spaceAfter=4)  # fmt: skip
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    small = ParagraphStyle("small", fontName=font, fontSize=7.5, leading=9.5,
                           textColor=colors.grey)  # fmt: skip
    zh = doc.locale.startswith("zh")
    story: list[Any] = [
        Paragraph(_escape(doc.title), title),
        Paragraph(_escape(doc.subtitle), body),
    ]
    if doc.as_of:
        story.append(Paragraph(_escape(doc.as_of), small))
    story.append(Spacer(1, 0.4 * cm))
    if doc.figures:
        rows: list[list[Any]] = [["指标" if zh else "Figure", "数值" if zh else "Value",
                                  "目标" if zh else "Target"]]  # fmt: skip
        for f in doc.figures:
            rows.append([Paragraph(_escape(f.label), body), f.value.text(), f.target])
        table = PdfTable(rows, colWidths=[7 * cm, 4 * cm, 4 * cm], repeatRows=1)
        style = _table_style(font, colors, TableStyle)
        for i, f in enumerate(doc.figures, start=1):
            if f.value.flag is not None:
                tone = colors.HexColor("#1e8449" if f.value.flag else "#c0392b")
                style.add("TEXTCOLOR", (1, i), (1, i), tone)
        table.setStyle(style)
        story.append(table)
    width = A4[0] - 3 * cm
    for block in doc.blocks:
        if isinstance(block, Chart):
            image = Image(io.BytesIO(block.png))
            scale = min(1.0, width / image.drawWidth)
            image.drawWidth *= scale
            image.drawHeight *= scale
            story.append(Spacer(1, 0.3 * cm))
            story.append(image)
        else:
            story.append(Paragraph(_escape(block.title), heading))
            shown = block.rows[:PDF_TABLE_ROWS]
            data = [[Paragraph(_escape(h), small) for h in block.headers]]
            data += [[c.text() for c in r] for r in shown]
            n = len(block.headers)
            first = min(5.5 * cm, width * 0.35) if n > 1 else width
            rest = (width - first) / (n - 1) if n > 1 else 0
            table = PdfTable(data, colWidths=[first] + [rest] * (n - 1), repeatRows=1)
            table.setStyle(_table_style(font, colors, TableStyle, size=7.5))
            story.append(table)
            if len(block.rows) > len(shown):
                n_all, n_shown = len(block.rows), len(shown)
                note = (
                    f"（仅列前 {n_shown} 行，共 {n_all} 行；完整数据见 XLSX）"
                    if zh
                    else f"(first {n_shown} of {n_all} rows; the XLSX has all)"
                )
                story.append(Paragraph(note, small))
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm, title=doc.title,
                            author="ExpressDesk")  # fmt: skip
    pdf.build(story, onFirstPage=_footer(font, doc), onLaterPages=_footer(font, doc))
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table_style(font: str, colors: Any, table_style: Any, size: float = 9) -> Any:
    return table_style([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eaf0f8")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])  # fmt: skip


def _footer(font: str, doc: Document) -> Any:
    def draw(canvas: Any, pdf: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(
            pdf.leftMargin, 0.8 * 28.35, f"ExpressDesk · {doc.title} · {doc.subtitle}"
        )
        canvas.drawRightString(pdf.pagesize[0] - pdf.rightMargin, 0.8 * 28.35, str(pdf.page))
        canvas.restoreState()

    return draw
