"""``expressdesk desk …`` and ``expressdesk mail serve``: the desk's calendar and rules, and the
inbound mail server."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from expressdesk.clock import SystemClock
from expressdesk.db import create_db_engine, create_session_factory

desk_app = typer.Typer(help="The service desk: holiday calendar and rules.", no_args_is_help=True)
mail_app = typer.Typer(help="Inbound e-mail to the desk.", no_args_is_help=True)


@desk_app.command("holidays")
def holidays(
    year: Annotated[int, typer.Option(help="the year to load", min=2004, max=2100)],
) -> None:
    """Load a year's Chinese public holidays and make-up working days (调休) into the desk's
    calendar; days an admin already set are kept."""
    from expressdesk.cli import _settings, _transaction, console, friendly_errors
    from expressdesk.desk.admin import load_china_year

    def run() -> None:
        with _transaction(_settings()) as session:
            added = load_china_year(session, year)
        console.print(f"{added} days of {year} added to the desk calendar")

    friendly_errors(run)()


@desk_app.command("rules")
def rules() -> None:
    """Every number the desk works by, the value in force, and its source."""
    from expressdesk.cli import _settings, _transaction, console
    from expressdesk.desk.clocks import load_setup
    from expressdesk.desk.rules import DESK_RULES

    settings = _settings()
    with _transaction(settings) as session:
        setup = load_setup(session, settings)
    table = Table("rule", "value", "default", "unit", "source")
    for rule in DESK_RULES.values():
        table.add_row(rule.key, str(setup.rules.values[rule.key]), str(rule.default), rule.unit,
                      rule.source)  # fmt: skip
    console.print(table)


@mail_app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="listen address")] = None,
    port: Annotated[int | None, typer.Option(help="listen port", min=1, max=65535)] = None,
) -> None:
    """Receive mail for the desk's mailbox over SMTP and file each as a ticket or a reply."""
    import signal
    import threading

    from aiosmtpd.controller import Controller

    from expressdesk.cli import _settings, console
    from expressdesk.desk.mail import DeskMailHandler

    settings = _settings()
    engine = create_db_engine(settings.effective_database_url)
    handler = DeskMailHandler(
        create_session_factory(engine, writes=True), settings, SystemClock().now
    )
    controller = Controller(
        handler,
        hostname=host or settings.mail_listen_host,
        port=port or settings.mail_listen_port,
        data_size_limit=settings.max_upload_bytes * 2,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    controller.start()
    console.print(
        f"receiving mail for {settings.desk_mailbox} on "
        f"{controller.hostname}:{controller.port} (Ctrl+C stops)"
    )
    try:
        stop.wait()
    finally:
        controller.stop()
        engine.dispose()
