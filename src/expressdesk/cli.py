"""The ``expressdesk`` command: database, demo data, users, tokens, the web server, imports."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session

from expressdesk.clock import SystemClock
from expressdesk.config import Settings, get_settings
from expressdesk.db import create_db_engine, create_session_factory, unit_of_work
from expressdesk.desk.cli import desk_app, mail_app
from expressdesk.enums import Role
from expressdesk.errors import AppError
from expressdesk.reports.cli import reports_app

app = typer.Typer(
    help="ExpressDesk: operations and customer service for an express company.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
users_app = typer.Typer(help="Staff and shipper users.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for devices and integrations.", no_args_is_help=True)
waybills_app = typer.Typer(help="Waybills.", no_args_is_help=True)
scans_app = typer.Typer(help="Scans.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(waybills_app, name="waybills")
app.add_typer(scans_app, name="scans")
app.add_typer(desk_app, name="desk")
app.add_typer(mail_app, name="mail")
app.add_typer(reports_app, name="reports")


console = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Report a user's mistake as one clear line (and exit 1), never as a stack trace."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AppError as exc:
            err.print(f"[red]error:[/red] {exc.message}")
            for p in exc.problems[:200]:
                where = f"line {p.line}, " if p.line is not None else ""
                err.print(f"  {where}{p.field}: {p.message} [dim]({p.rule})[/dim]")
            raise typer.Exit(1) from None
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join(str(p) for p in e["loc"]) or "input"
                err.print(f"[red]error:[/red] {field}: {e['msg']}")
            raise typer.Exit(1) from None
        except RuntimeError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        for e in exc.errors():
            err.print(
                f"[red]configuration error:[/red] {'.'.join(map(str, e['loc'])) or 'settings'}: "
                f"{e['msg']}"
            )
        raise typer.Exit(2) from None


@contextmanager
def _transaction(settings: Settings) -> Iterator[Session]:
    """One unit of work on the configured database; the engine is closed afterwards."""
    engine = create_db_engine(settings.effective_database_url)
    try:
        with unit_of_work(create_session_factory(engine, writes=True)) as session:
            yield session
    finally:
        engine.dispose()


@db_app.command("upgrade")
@friendly_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    from expressdesk.migrate import upgrade

    settings = _settings()
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine, revision)
    console.print(
        f"database at [bold]{revision}[/bold]: {engine.url.render_as_string(hide_password=True)}"
    )


@db_app.command("partitions")
@friendly_errors
def db_partitions(
    months_ahead: Annotated[int, typer.Option(min=0, max=120, help="months to create ahead")] = 3,
) -> None:
    """Create monthly scan_events partitions ahead of time (PostgreSQL)."""
    from expressdesk.tracking.partitions import ensure_partitions

    settings = _settings()
    engine = create_db_engine(settings.effective_database_url)
    try:
        with engine.begin() as conn:
            created = ensure_partitions(conn, SystemClock().now().date(), months_ahead)
    finally:
        engine.dispose()
    if engine.dialect.name != "postgresql":
        console.print("SQLite keeps scan events in one table: nothing to do")
        return
    console.print(f"created {len(created)} partitions: {', '.join(created) or 'none needed'}")


@db_app.command("detach-month")
@friendly_errors
def db_detach_month(
    month: Annotated[str, typer.Argument(help="YYYY-MM, a month that has ended")],
) -> None:
    """Detach one month of scan events (PostgreSQL) so it can be archived whole and dropped."""
    from expressdesk.tracking.partitions import detach_month

    settings = _settings()
    engine = create_db_engine(settings.effective_database_url)
    try:
        with engine.begin() as conn:
            name = detach_month(conn, month, SystemClock().now().date())
    finally:
        engine.dispose()
    console.print(f"detached {name}; archive it with: pg_dump -t {name} … then DROP TABLE {name}")


@demo_app.command("load")
@friendly_errors
def demo_load(
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same data")] = 7,
    waybills: Annotated[int, typer.Option(min=0, max=1_000_000, help="number of waybills")] = 3000,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing (exit 0) if data exists")
    ] = False,
) -> None:
    """Load the demo network, staff, shippers, rate cards and waybills into an empty database."""
    from expressdesk.demo.generator import database_is_empty, load_demo

    settings = _settings()
    with _transaction(settings) as session:
        if if_empty and not database_is_empty(session):
            console.print("database already has data: demo not loaded")
            return
        with Progress(
            TextColumn("[bold]waybills"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("waybills", total=waybills)
            summary = load_demo(
                session,
                settings,
                SystemClock().now(),
                seed=seed,
                waybills=waybills,
                progress=lambda n: progress.advance(task, n),
            )
    table = Table("what", "count", title="demo data loaded")
    for key, value in vars(summary).items():
        table.add_row(key, str(value))
    console.print(table)


@users_app.command("create")
@friendly_errors
def users_create(
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Option(help="the user's role")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    facility: Annotated[str | None, typer.Option(help="facility code (staff)")] = None,
    customer: Annotated[str | None, typer.Option(help="customer code (shipper users)")] = None,
    locale: Annotated[str | None, typer.Option(help="zh_CN or en")] = None,
) -> None:
    """Create a user (the password is asked for, never echoed)."""
    from expressdesk.staff.schemas import UserCreate
    from expressdesk.staff.service import create_user

    data = UserCreate(
        username=username,
        display_name=name or username,
        role=role,
        password=password,
        facility_code=facility,
        customer_code=customer,
        locale=locale,
    )
    with _transaction(_settings()) as session:
        user = create_user(session, data, SystemClock().now())
    console.print(f"created {user.role.value} [bold]{user.username}[/bold] (id {user.id})")


@users_app.command("list")
@friendly_errors
def users_list() -> None:
    """List users."""
    from expressdesk.staff.repository import list_users

    with _transaction(_settings()) as session:
        table = Table("username", "name", "role", "active")
        for u in list_users(session):
            table.add_row(u.username, u.display_name, u.role.value, "yes" if u.is_active else "no")
    console.print(table)


@tokens_app.command("create")
@friendly_errors
def tokens_create(
    user: Annotated[str, typer.Option(help="username the token acts as")],
    name: Annotated[str, typer.Option(help="what the token is for, e.g. 'scanner 12'")] = "cli",
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from expressdesk.errors import NotFound
    from expressdesk.staff.repository import user_by_username
    from expressdesk.staff.service import create_api_token

    with _transaction(_settings()) as session:
        account = user_by_username(session, user)
        if account is None:
            raise NotFound(f"user: no user '{user}'")
        record, token = create_api_token(session, account, name, SystemClock().now())
    err.print(f"token {record.prefix}… for {user} ({name}); it is shown once:")
    print(token)


@waybills_app.command("import")
@friendly_errors
def waybills_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    user: Annotated[str, typer.Option(help="username the waybills are created as")] = "admin",
) -> None:
    """Import waybills from CSV or XLSX: all rows or none; bad rows listed with line numbers."""
    from expressdesk.errors import NotFound
    from expressdesk.staff.repository import user_by_username
    from expressdesk.waybills.importer import import_waybills, read_limited

    settings = _settings()
    with file.open("rb") as fh:
        data = read_limited(fh, settings.max_upload_bytes)
    with _transaction(settings) as session:
        actor = user_by_username(session, user)
        if actor is None:
            raise NotFound(f"user: no user '{user}'")
        with console.status(f"checking and importing {file.name}…"):
            created = import_waybills(
                session, data, file.name, actor, SystemClock().now(), settings
            )
    console.print(
        f"imported [bold]{len(created)}[/bold] waybills: {created[0].number} … {created[-1].number}"
    )


@scans_app.command("import")
@friendly_errors
def scans_import(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help=".csv or .jsonl")
    ],
    user: Annotated[str, typer.Option(help="username the scans are uploaded as")] = "admin",
    rejected: Annotated[
        Path | None, typer.Option(help="where rejected lines go (default FILE.rejected.csv)")
    ] = None,
) -> None:
    """Import scans of any size in bounded memory; rejected lines are written with their numbers."""
    from expressdesk.tracking.importer import import_scan_file

    settings = _settings()
    engine = create_db_engine(settings.effective_database_url)
    try:
        with Progress(
            TextColumn("[bold]scans"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("scans", total=file.stat().st_size)
            summary = import_scan_file(
                file,
                create_session_factory(engine, writes=True),
                settings,
                user,
                SystemClock(),
                progress=lambda n: progress.advance(task, n),
                rejected_path=rejected,
            )
    finally:
        engine.dispose()
    table = Table("outcome", "scans", title=f"{file.name}: {summary.lines} lines")
    table.add_row("accepted", str(summary.accepted))
    table.add_row("  of which anomalies", str(summary.anomalies))
    table.add_row("duplicate", str(summary.duplicate))
    table.add_row("rejected", str(summary.rejected))
    for reason, count in sorted(summary.by_reason.items(), key=lambda kv: -kv[1]):
        table.add_row(f"  {reason}", str(count))
    console.print(table)
    if summary.rejected_file:
        console.print(f"rejected lines, with their line numbers: {summary.rejected_file}")


@app.command("worker")
@friendly_errors
def worker(
    once: Annotated[bool, typer.Option("--once", help="run the jobs once and exit")] = False,
) -> None:
    """Run the periodic jobs: the problem detectors (stalled, past the estimate, uncollected,
    repeatedly failed) every ``EXPRESSDESK_DETECT_INTERVAL_SECONDS``; the desk's sweep (SLA
    warnings, breaches and escalations, late call-backs, searches past their deadline, parcels
    past the complete-delay limit) every ``EXPRESSDESK_DESK_SWEEP_SECONDS``; and sends the
    outbox (e-mail, SMS, webhooks) every ``EXPRESSDESK_NOTIFY_INTERVAL_SECONDS``; rewrites the
    reports' daily rollup of the last 45 days hourly; and on the first of the month queues each
    key account's monthly report for e-mail."""
    import signal
    import threading

    from expressdesk.customers import service as customer_service
    from expressdesk.desk import jobs as desk_jobs
    from expressdesk.notify.events import care_sweep
    from expressdesk.notify.sender import deliver_due
    from expressdesk.pickups.service import sweep_missed
    from expressdesk.problems.detect import LaneTimes, detect, lane_times
    from expressdesk.reports import mailing, rollup
    from expressdesk.tracking.repository import network_snapshot

    settings = _settings()
    tz = ZoneInfo(settings.timezone)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    engine = create_db_engine(settings.effective_database_url)
    factory = create_session_factory(engine, writes=True)
    clock = SystemClock()
    lanes: LaneTimes | None = None
    lanes_at: datetime | None = None
    detected_at: datetime | None = None
    swept_at: datetime | None = None
    tick = min(
        settings.detect_interval_seconds,
        settings.desk_sweep_seconds,
        settings.notify_interval_seconds,
    )
    try:
        while True:
            now = clock.now()
            if (
                detected_at is None
                or (now - detected_at).total_seconds() >= settings.detect_interval_seconds
            ):
                detected_at = now
                with unit_of_work(factory) as session:
                    network = network_snapshot(session)
                    if lanes is None or lanes_at is None or now - lanes_at > timedelta(hours=1):
                        lanes, lanes_at = lane_times(network, now), now
                    report = detect(session, now, settings, network, lanes)
                if report.total or once:
                    console.print(
                        f"{now:%Y-%m-%d %H:%M:%S} problems opened: stalled {report.stalled}, "
                        f"past estimate {report.past_estimate}, uncollected {report.uncollected}, "
                        f"repeatedly failed {report.repeatedly_failed}"
                    )
            if swept_at is None or (now - swept_at).total_seconds() >= settings.desk_sweep_seconds:
                swept_at = now
                with unit_of_work(factory) as session:
                    desk = desk_jobs.run(session, settings, now)
                    care_sweep(session, now, settings)
                    missed = sweep_missed(session, now, settings)  # pickups nobody came for
                    if customer_service.tiers_due(session, now):  # the 80/20 rule, daily
                        customer_service.recompute_tiers(session, now)
                with unit_of_work(factory) as session:
                    if rollup.due(session, now):  # the reports' recent days, hourly
                        rollup.refresh_recent(session, tz, now)
                    if mailing.due(now, tz):  # the key accounts' monthly reports
                        mailing.mail_monthly_reports(session, settings, now)
                if missed:
                    console.print(
                        f"{now:%Y-%m-%d %H:%M:%S} missed pickups sent to the desk: {missed}"
                    )
                if desk.total or once:
                    console.print(
                        f"{now:%Y-%m-%d %H:%M:%S} desk: {desk.warned} warnings, "
                        f"{desk.breached} breaches ({desk.escalated} escalated), "
                        f"{desk.callbacks_late} late call-backs, {desk.searches_moved} searches "
                        f"moved on, {desk.declared_lost} parcels declared lost"
                    )
            sent = deliver_due(factory, settings, clock.now())
            if sent.sent or sent.failed or sent.dead or once:
                console.print(
                    f"{now:%Y-%m-%d %H:%M:%S} messages: {sent.sent} sent, {sent.failed} to retry, "
                    f"{sent.dead} given up"
                )
            if once or stop.wait(tick):
                break
    finally:
        engine.dispose()


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    reload: Annotated[bool, typer.Option(help="restart on code changes (development)")] = False,
) -> None:
    """Serve the web app and the API (one worker process, restarted if it dies)."""
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    from expressdesk.web.server_logging import ACCESS_FORMAT, server_logging

    _settings()
    Server(
        "expressdesk.web.asgi:serve_app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=1,
        loop=Loops.auto,  # uvloop
        respawn_failed_workers=True,
        log_dictconfig=server_logging(),
        log_access=True,
        log_access_format=ACCESS_FORMAT,
        reload=reload,
    ).serve()


def main() -> None:
    app()
