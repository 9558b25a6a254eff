"""Run Alembic migrations from code (the CLI, ``make run`` and the tests use this)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` to ``revision``."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


_PARTITION = re.compile(r"^scan_events_(\d{4}_\d{2}|default)$")


def include_name(name: str | None, type_: Any, parent_names: Any) -> bool:
    """Alembic filter: monthly partitions of scan_events are not tables of their own."""
    return not (type_ == "table" and name is not None and _PARTITION.match(name))
