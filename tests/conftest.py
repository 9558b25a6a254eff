"""Fixtures shared by every test: the database (SQLite or PostgreSQL), the app, a fake clock.

``pytest`` runs on SQLite; ``pytest --db postgresql`` starts a throwaway PostgreSQL server (or
uses EXPRESSDESK_TEST_POSTGRES_URL) and runs the same tests there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session, sessionmaker

from expressdesk.clock import FixedClock
from expressdesk.config import Settings
from expressdesk.db import Base, create_db_engine, create_session_factory
from expressdesk.migrate import upgrade
from expressdesk.models import NumberSequence
from expressdesk.web.app import create_app
from tests.support.world import World, build_world

CST = timezone(timedelta(hours=8))
START = datetime(2026, 11, 2, 9, 0, tzinfo=CST)  # a Monday morning in Beijing time


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db", choices=("sqlite", "postgresql"), default="sqlite", help="database engine"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"expressdesk database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def database_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    given = os.environ.get("EXPRESSDESK_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    from tests.support.postgres import start_postgres

    server = start_postgres()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "number_sequences"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            # customers → users (the account manager) closes a cycle with users → customers.
            conn.execute(text("UPDATE customers SET account_manager_id = NULL"))
            for table in tables:
                conn.execute(table.delete())
        conn.execute(
            update(NumberSequence)
            .where(NumberSequence.name == "waybill")
            .values(next_value=10_000_000_000)
        )


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield create_session_factory(engine)
    _empty_all_tables(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path,
        max_upload_bytes=256 * 1024,
    )


@pytest.fixture
def world(session_factory: sessionmaker[Session], clock: FixedClock) -> World:
    with session_factory() as session:
        world = build_world(session, clock.now())
        session.commit()
    return world


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def app(
    settings: Settings, clock: FixedClock, engine: Engine, session_factory: sessionmaker[Session]
) -> FastAPI:
    return create_app(settings, clock=clock, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Iterator[None]:
    """The `expressdesk` command pointed at the test database (settings are read once per
    process, so the cache is cleared around the test)."""
    from expressdesk.config import get_settings

    monkeypatch.setenv("EXPRESSDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("EXPRESSDESK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
