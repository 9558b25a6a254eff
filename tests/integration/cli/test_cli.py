"""The ``expressdesk`` command against a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from expressdesk.cli import app
from expressdesk.config import get_settings
from expressdesk.db import create_db_engine
from expressdesk.models import ApiToken, User, Waybill
from expressdesk.staff.security import token_digest
from tests.support.world import World

runner = CliRunner()


def test_help_is_everywhere() -> None:
    for args in (
        [],
        ["db"],
        ["demo", "load"],
        ["users", "create"],
        ["tokens", "create"],
        ["serve"],
        ["worker"],
        ["waybills", "import"],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output


def test_db_upgrade_creates_a_fresh_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    monkeypatch.setenv("EXPRESSDESK_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    engine = create_db_engine(url)
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT next_value FROM number_sequences").scalar()
            == 10_000_000_000
        )
    engine.dispose()


def test_demo_load_fills_an_empty_database_once(
    cli_env: None, session_factory: sessionmaker[Session]
) -> None:
    result = runner.invoke(app, ["demo", "load", "--waybills", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with session_factory() as session:
        waybills = list(session.scalars(select(Waybill)))
        assert len(waybills) == 120
        assert len({w.customer_id for w in waybills}) > 3
        assert session.scalar(select(User).where(User.username == "admin")) is not None
    again = runner.invoke(app, ["demo", "load", "--waybills", "10"])
    assert again.exit_code == 1
    assert "already has data" in again.output
    assert runner.invoke(app, ["demo", "load", "--if-empty"]).exit_code == 0


def _demo_rows(
    tmp_path: Path, name: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[object, ...]]:
    url = f"sqlite:///{tmp_path / name}"
    monkeypatch.setenv("EXPRESSDESK_DATABASE_URL", url)
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (
        runner.invoke(app, ["demo", "load", "--waybills", "60", "--seed", str(seed)]).exit_code == 0
    )
    get_settings.cache_clear()
    engine = create_db_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT number, recipient_name, recipient_phone, recipient_address, weight_g, total_fen"
            " FROM waybills ORDER BY number"
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_demo_data_is_deterministic_for_a_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _demo_rows(tmp_path, "a.sqlite3", 11, monkeypatch)
    second = _demo_rows(tmp_path, "b.sqlite3", 11, monkeypatch)
    other = _demo_rows(tmp_path, "c.sqlite3", 12, monkeypatch)
    assert first == second
    assert first != other


def test_users_create_asks_for_the_password(
    cli_env: None, world: World, session_factory: sessionmaker[Session]
) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "lily", "--role", "agent", "--name", "李莉"],
        input="good-pass-9\ngood-pass-9\n",
    )
    assert result.exit_code == 0, result.output
    assert "good-pass-9" not in result.output
    with session_factory() as session:
        user = session.scalar(select(User).where(User.username == "lily"))
        assert user is not None and user.password_hash.startswith("$argon2id$")
    weak = runner.invoke(app, ["users", "create", "bob", "--role", "agent"], input="short\nshort\n")
    assert weak.exit_code == 1
    assert "password" in weak.output
    bad_role = runner.invoke(
        app, ["users", "create", "bob", "--role", "king"], input="good-pass-9\ngood-pass-9\n"
    )
    assert bad_role.exit_code == 2


def test_tokens_create_prints_the_token_once(
    cli_env: None, world: World, session_factory: sessionmaker[Session]
) -> None:
    result = runner.invoke(app, ["tokens", "create", "--user", "courier", "--name", "PDA 7"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("edk_")
    with session_factory() as session:
        record = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
        assert record is not None and record.name == "PDA 7"
    unknown = runner.invoke(app, ["tokens", "create", "--user", "ghost"])
    assert unknown.exit_code == 1
    assert "no user 'ghost'" in unknown.output


def test_waybills_import_lists_bad_rows_and_imports_nothing(
    cli_env: None, world: World, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "收件人,收件人电话,收件地址,寄件人,寄件人电话,寄件地址,重量\n"
        "李雷,13912345678,北京市朝阳区建国路1号,王芳,13800000000,杭州市西湖区文三路1号,1\n"
        "韩梅梅,999,北京市朝阳区建国路2号,王芳,13800000000,杭州市西湖区文三路1号,1\n",
        encoding="gbk",
    )
    result = runner.invoke(app, ["waybills", "import", str(path), "--user", "agent"])
    assert result.exit_code == 1
    assert "line 3" in result.output and "收件人电话" in result.output
    assert "Traceback" not in result.output
    with session_factory() as session:
        assert session.scalar(select(Waybill.id)) is None
    path.write_text(
        path.read_text(encoding="gbk").replace(",999,", ",13612345678,"), encoding="gbk"
    )
    ok = runner.invoke(app, ["waybills", "import", str(path), "--user", "agent"])
    assert ok.exit_code == 0, ok.output
    assert "imported 2" in ok.output


def test_demo_has_open_and_resolved_problems_of_every_type_and_the_worker_runs(
    cli_env: None, session_factory: sessionmaker[Session]
) -> None:
    from sqlalchemy import func

    from expressdesk.models import Problem
    from expressdesk.problems.rules import ProblemType

    result = runner.invoke(app, ["demo", "load", "--waybills", "600", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with session_factory() as session:
        counts = {
            (t, s): n
            for t, s, n in session.execute(
                select(Problem.type, Problem.status, func.count()).group_by(
                    Problem.type, Problem.status
                )
            )
        }
    for problem_type in ProblemType:
        assert counts.get((problem_type, "open"), 0) >= 1, problem_type
        assert counts.get((problem_type, "resolved"), 0) >= 1, problem_type
    worker = runner.invoke(app, ["worker", "--once"])
    assert worker.exit_code == 0, worker.output
    assert "problems opened" in worker.output
