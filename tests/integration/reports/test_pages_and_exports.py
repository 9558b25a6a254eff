"""The report pages, their XLSX and PDF (read back: the workbook's numbers, the PDF's pages as
images with Chinese glyphs, not empty boxes), the CLI, the shipper's isolation and the monthly
mailing through a real SMTP server."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.models import Customer, OutboxMessage, ReportMailing
from tests.integration.reports.conftest import Month
from tests.support.receivers import SmtpReceiver
from tests.support.web_login import login
from tests.support.world import World


def _pdf_pages(content: bytes) -> list[Any]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    return [pdf[i] for i in range(len(pdf))]


def test_report_pages_render_with_charts_and_figures(client: TestClient, month: Month) -> None:
    login(client, "super")
    for url in ("/reports", "/reports/customer/C1?month=2026-10", "/reports/network?month=2026-10",
                "/reports/period?period=2026-Q4", "/reports/period?period=2026",
                "/reports/desk?month=2026-10"):  # fmt: skip
        page = client.get(url)
        assert page.status_code == 200, (url, page.text[:500])
        if url != "/reports":
            assert 'src="data:image/png;base64,' in page.text, url
    network = client.get("/reports/network?month=2026-10").text
    assert "72小时妥投率" in network or "72-hour delivery rate" in network
    assert "/reports/network/parcels?month=2026-10&amp;outlet=" in network
    drill = client.get("/reports/network/parcels?month=2026-10&figure=delay_rate&outlet=0")
    assert drill.status_code == 200 and 'id="parcels"' in drill.text
    # Bad input: a clear message naming the field, never a 500.
    bad = client.get("/reports/network?month=2026-13", headers={"Accept": "text/html"})
    assert bad.status_code == 422 and "month" in bad.text
    bad = client.get("/reports/network/parcels?month=2026-10&figure=nope")
    assert bad.status_code == 422 and "figure" in bad.text
    api = client.get("/api/v1/reports/network?month=2026-10&format=json")
    assert api.status_code in (200, 401)  # the API takes tokens, not the page's cookie


def test_the_xlsx_reads_back_with_the_same_numbers(
    client: TestClient, month: Month, world: World
) -> None:
    from openpyxl import load_workbook

    figures = client.get("/api/v1/reports/customer/C1?month=2026-10",
                         headers=world.headers("agent")).json()  # fmt: skip
    login(client, "agent")
    download = client.get("/reports/customer/C1?month=2026-10&format=xlsx")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(download.content))
    summary = book.worksheets[0]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=6, values_only=True) if row[0]}
    by_label = {"业务量": "volume", "Volume": "volume", "到车及时率": "arrival_punctuality",
                "Arrival punctuality": "arrival_punctuality", "理赔金额": "claims_paid",
                "Claims paid": "claims_paid"}  # fmt: skip
    checked = 0
    for label, key in by_label.items():
        if label in values:
            expected = figures["figures"][key]
            if key == "claims_paid":
                expected = expected / 100  # yuan in the workbook
            assert values[label] == pytest.approx(expected), label
            checked += 1
    assert checked == 3
    assert len(book.sheetnames) >= 3  # the summary, the tables, the charts
    (name,) = [n for n in book.sheetnames if "省" in n or n.startswith("Volume by dest")]
    provinces = book[name]
    total = sum(int(str(r[1])) for r in provinces.iter_rows(min_row=2, values_only=True) if r[1])
    assert total == figures["counts"]["shipped"]


def test_the_pdf_renders_chinese_glyphs_not_boxes(client: TestClient, month: Month) -> None:
    from expressdesk.fonts import pdf_font
    from expressdesk.reports.document import Document
    from expressdesk.reports.export import to_pdf

    login(client, "super")
    pdf = client.get("/reports/customer/C1?month=2026-10&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pages = _pdf_pages(pdf.content)
    assert len(pages) >= 2
    text = pages[0].get_textpage().get_text_range()
    assert "月度服务报告" in text or "Monthly report" in text
    assert "业务量" in text or "Volume" in text
    assert pdf_font() == "ReportCJK"  # an embedded TrueType CJK font (fonts-wqy-zenhei)

    # Two different characters must draw two different shapes: a missing glyph is the same box.
    def ink(word: str) -> bytes:
        doc = Document("customer", word, "", "", "zh_CN")
        image = _pdf_pages(to_pdf(doc))[0].render(scale=2).to_pil().convert("L")
        box = image.crop((100, 100, 400, 160))
        return bytes(box.tobytes())

    first, second, blank = ink("运单"), ink("投诉"), ink(" ")
    assert first != blank and second != blank  # something is drawn
    assert first != second  # and it is not the same box twice


def test_a_shipper_sees_only_its_own_report(client: TestClient, month: Month, world: World) -> None:
    own = client.get(
        "/api/v1/reports/customer/C1?month=2026-10", headers=world.headers("shipper_c1")
    )
    assert own.status_code == 200 and own.json()["customer"] == "C1"
    other = client.get(
        "/api/v1/reports/customer/C2?month=2026-10", headers=world.headers("shipper_c1")
    )
    assert other.status_code == 404
    assert client.get("/api/v1/reports/network?month=2026-10",
                      headers=world.headers("shipper_c1")).status_code == 403  # fmt: skip
    login(client, "shipper_c1")
    assert client.get("/reports/customer/C1?month=2026-10&format=pdf").status_code == 200
    for url in ("/reports/customer/C2?month=2026-10", "/reports/customer/C2?month=2026-10&format=xlsx",
                "/reports/network?month=2026-10", "/reports/desk?month=2026-10",
                "/reports/period?period=2026", "/reports/network/parcels?month=2026-10&figure=loss_rate"):  # fmt: skip
        assert client.get(url, follow_redirects=False).status_code in (403, 404), url
    index = client.get("/reports").text
    assert "/reports/customer/C1" in index and "/reports/customer/C2" not in index


def test_the_cli_writes_pdf_and_xlsx_and_names_bad_input(
    month: Month,
    cli_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from expressdesk.cli import app

    runner = CliRunner()
    out = tmp_path / "c1.pdf"
    result = runner.invoke(app, ["reports", "monthly", "--customer", "C1", "--month", "2026-10",
                                 "--format", "pdf", "--output", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "C1 2026-10" in result.output
    xlsx = tmp_path / "c1.xlsx"
    result = runner.invoke(app, ["reports", "monthly", "--customer", "C1", "--month", "2026-10",
                                 "--format", "xlsx", "--locale", "en", "-o", str(xlsx)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx).worksheets[0]["A1"].value == "Monthly report for Shop C1"
    for args, words in ((["--customer", "NOPE", "--month", "2026-10"], "NOPE not found"),
                        (["--customer", "C1", "--month", "2026-13"], "month"),
                        (["--customer", "C1", "--month", "2026-10", "--format", "doc"], "format")):  # fmt: skip
        result = runner.invoke(app, ["reports", "monthly", *args])
        assert result.exit_code == 1 and words in result.output, result.output
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["reports", "rollup", "--month", "2026-10"])
    assert result.exit_code == 0 and "31 days rewritten" in result.output, result.output


def test_key_accounts_get_their_monthly_report_by_mail_once(
    month: Month, session: Session, session_factory: sessionmaker[Session], settings: Settings,
    clock: FixedClock,
) -> None:  # fmt: skip
    from expressdesk.notify.sender import deliver_due
    from expressdesk.reports import mailing

    session.execute(update(Customer).where(Customer.code == "C1").values(
        tier="key", email="boss@c1.example"))  # fmt: skip
    session.execute(update(Customer).where(Customer.code == "C2").values(tier="key", email=""))
    session.commit()
    first_of_november = clock.now().replace(day=1, hour=9)
    assert mailing.due(first_of_november, ZoneInfo("Asia/Shanghai"))
    assert not mailing.due(first_of_november + timedelta(days=5), ZoneInfo("Asia/Shanghai"))
    with session_factory() as s:
        run = mailing.mail_monthly_reports(s, settings, first_of_november)
        s.commit()
    assert (run.month, run.queued, run.skipped) == ("2026-10", 1, 1)  # C2 has no address
    with session_factory() as s:  # the worker's next sweep: nothing twice
        assert (
            mailing.mail_monthly_reports(s, settings, first_of_november + timedelta(hours=1)).queued
            == 0
        )
        s.commit()
    receiver = SmtpReceiver()
    try:
        configured = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": receiver.port}
        )
        assert deliver_due(session_factory, configured, clock.now()).sent == 1
        (mail,) = receiver.messages
    finally:
        receiver.stop()
    assert mail["To"] == "boss@c1.example" and "2026-10" in str(mail["Subject"])
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "C1-2026-10.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    session.rollback()
    assert session.scalar(select(ReportMailing.month)) == "2026-10"
    assert session.scalar(select(OutboxMessage.status).where(
        OutboxMessage.event == "monthly_report")) == "sent"  # fmt: skip
