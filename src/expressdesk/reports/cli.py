"""``expressdesk reports``: a customer's monthly report as PDF or XLSX, the rollup, the mailing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select

reports_app = typer.Typer(help="Reports: monthly customer reports, the daily rollup, the mailing.",
                          no_args_is_help=True)  # fmt: skip
console = Console()


@reports_app.command("monthly")
def monthly(
    customer: Annotated[str, typer.Option("--customer", help="the account code, e.g. C1001")],
    month: Annotated[str, typer.Option("--month", help="the month, e.g. 2026-10")],
    format: Annotated[str, typer.Option("--format", help="pdf or xlsx")] = "pdf",
    locale: Annotated[str, typer.Option("--locale", help="zh_CN or en")] = "zh_CN",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="the file to write")] = None,
) -> None:
    """Write one account's monthly report as a PDF or an XLSX workbook."""
    from expressdesk.cli import friendly_errors

    friendly_errors(_monthly)(customer, month, format, locale, output)


def _monthly(customer: str, month: str, format: str, locale: str, output: Path | None) -> None:
    from expressdesk.cli import _settings, _transaction
    from expressdesk.clock import SystemClock
    from expressdesk.errors import NotFound, ValidationFailed
    from expressdesk.models import Customer
    from expressdesk.reports import data, document, export

    if format not in ("pdf", "xlsx"):
        raise ValidationFailed.on("format", "one_of", "pdf or xlsx")
    if locale not in ("zh_CN", "en"):
        raise ValidationFailed.on("locale", "one_of", "zh_CN or en")
    period = data.parse_period(month)
    if len(period.months()) != 1:
        raise ValidationFailed.on("month", "period", "one month, like 2026-10")
    settings = _settings()
    tz = ZoneInfo(settings.timezone)
    with _transaction(settings) as session:
        account = session.scalar(select(Customer).where(Customer.code == customer))
        if account is None:
            raise NotFound(f"customer {customer} not found")
        report = data.customer_report(session, account, period, tz, SystemClock().now())
        doc = document.customer_document(report, tz, locale)
        content = export.to_pdf(doc) if format == "pdf" else export.to_xlsx(doc)
    target = output or Path(f"{doc.filename}.{format}")
    target.write_bytes(content)
    console.print(f"wrote {target} ({len(content):,} bytes): {account.code} {period.name}, "
                  f"{int(report.total.counts['shipped']):,} parcels")  # fmt: skip


@reports_app.command("rollup")
def rollup_command(
    days: Annotated[int, typer.Option("--days", min=1, max=3660, help="the last N days")] = 45,
    month: Annotated[str, typer.Option("--month", help="a month, quarter or year instead")] = "",
) -> None:
    """Rewrite the daily rollup the reports read (the worker does the last 45 days hourly)."""
    from expressdesk.cli import friendly_errors

    friendly_errors(_rollup)(days, month)


def _rollup(days: int, month: str) -> None:
    from expressdesk.cli import _settings, _transaction
    from expressdesk.clock import SystemClock
    from expressdesk.reports import data, rollup

    settings = _settings()
    tz = ZoneInfo(settings.timezone)
    now = SystemClock().now()
    if month:
        period = data.parse_period(month)
        chosen = rollup.days_between(period.first, period.last)
    else:
        today = now.astimezone(tz).date()
        chosen = rollup.days_between(today - timedelta(days=days - 1), today)
    total = 0
    columns = (TextColumn("[bold]rollup"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[parcels]:,} parcels"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("days", total=len(chosen), parcels=0)
        for day in chosen:
            with _transaction(settings) as session:  # one day per transaction
                total += rollup.refresh_days(session, [day], tz, now).waybills
            progress.update(task, advance=1, parcels=total)
    console.print(f"{len(chosen)} days rewritten, {total:,} parcels counted")


@reports_app.command("mail-monthly")
def mail_monthly(
    month: Annotated[str, typer.Option("--month", help="default: last month")] = "",
) -> None:
    """Queue each key account's monthly report (PDF) for e-mail, once per account and month."""
    from expressdesk.cli import friendly_errors

    friendly_errors(_mail)(month)


def _mail(month: str) -> None:
    from expressdesk.cli import _settings, _transaction
    from expressdesk.clock import SystemClock
    from expressdesk.reports import data
    from expressdesk.reports.mailing import mail_monthly_reports

    settings = _settings()
    with _transaction(settings) as session:
        run = mail_monthly_reports(session, settings, SystemClock().now(),
                                   data.parse_period(month) if month else None)  # fmt: skip
    console.print(f"{run.month}: {run.queued} reports queued, {run.skipped} skipped "
                  "(no e-mail address, or sent already)")  # fmt: skip
