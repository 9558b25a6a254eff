"""Engine and session factories, the declarative base, and the unit of work.

Services flush, never commit: the request (``session_dependency``) or the CLI command
(``unit_of_work``) commits once, so a failed request leaves nothing half-written.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Connection, DateTime, Engine, MetaData, Select, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    import asyncpg

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC on every engine (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: ExpressDesk stores aware timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            # The text SQLite holds, parsed and made aware in one step: the general path calls
            # the dialect's parser, then process_result_value (every timestamp of every read).
            return _sqlite_utc
        return super().result_processor(dialect, coltype)


def _sqlite_utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is off: SQLAlchemy's "begin" event below emits
    # BEGIN itself (SQLAlchemy's documented recipe; it also makes SAVEPOINT work).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # NORMAL is durable in WAL mode against a process crash (only a power cut can lose the
    # last transactions); FULL would be durable against that too, at a large write cost.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A transaction that will write takes the write lock at once (BEGIN IMMEDIATE): a deferred
    # one that reads first and writes later fails with "database is locked" as soon as another
    # connection wrote in between, whatever the busy timeout. Readers stay deferred.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``: SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Enough pooled connections for the server's thread pool: a connection opened and closed
        # per request would re-run the PRAGMAs every time.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False},
            pool_size=20,
            max_overflow=40,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def read_only(engine: Engine) -> Engine:
    """The engine for a few reads outside any unit of work. On PostgreSQL its connections are
    in autocommit, so there is no transaction to roll back when they go back to the pool (a
    network round trip saved per request); SQLite's driver runs in autocommit already."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def create_session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``writes=True`` for units of work that will write (on SQLite
    their transactions take the write lock up front)."""
    bind = engine.execution_options(sqlite_immediate=True) if writes else engine
    # Objects stay readable after commit: responses are serialised after the unit of work ends.
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for one command: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgresql(session_or_engine: Session | Engine) -> bool:
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "postgresql"


# Something that can read: a unit of work's session (inside its transaction) or a bare
# connection (a read-only request that needs no session).
Reader = Session | Connection


def reader_connection(db: Reader) -> Connection:
    return db.connection() if isinstance(db, Session) else db


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    positional: bool
    # (column index, result processor) of the columns that have one (most have none).
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


class DriverQuery:
    """A SELECT built once, compiled once per dialect and run on the driver's own cursor.

    For the hottest reads (the public tracking lookup): SQLAlchemy's per-execution machinery
    (execution context, events, result objects) costs several times an indexed lookup itself —
    the lookup's two queries took ~100 µs this way against 450–570 µs through a Connection or a
    Session on SQLite. Values still pass through the column types' own bind and result
    processors, so the rows hold what SQLAlchemy would return (a test compares them).
    """

    def __init__(self, statement: Select[*tuple[Any, ...]], name: str) -> None:
        self.statement = statement
        row = namedtuple(name, [c.key for c in statement.selected_columns])  # type: ignore[misc]
        self._make: Callable[[Iterable[Any]], Any] = row._make
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        names = compiled.positiontup or list(compiled.binds)
        return _Compiled(
            sql=compiled.string,
            params=tuple(
                (n, compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect))
                for n in names
            ),
            positional=compiled.positiontup is not None,
            results=tuple(
                (i, process)
                for i, c in enumerate(self.statement.selected_columns)
                if (process := c.type.dialect_impl(dialect).result_processor(dialect, None))
            ),
        )

    def _bind(self, dialect: Dialect, params: dict[str, Any]) -> tuple[_Compiled, Any]:
        key = f"{dialect.name}+{dialect.driver}"  # e.g. psycopg and asyncpg: other SQL
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(dialect)
        values = [
            (process(params[name]) if process else params[name])
            for name, process in compiled.params
        ]
        args: Any = (
            values
            if compiled.positional
            else dict(zip((n for n, _ in compiled.params), values, strict=True))
        )
        return compiled, args

    def _rows(self, compiled: _Compiled, rows: Iterable[Any]) -> list[Any]:
        make, results = self._make, compiled.results
        out = []
        for row in rows:
            values = list(row)
            for i, process in results:
                if values[i] is not None:
                    values[i] = process(values[i])
            out.append(make(values))
        return out

    def _fetch(self, db: Reader, params: dict[str, Any], prefix: str = "") -> tuple[_Compiled, Any]:
        """The driver's rows of the statement (after ``prefix``, e.g. EXPLAIN) for ``params``."""
        conn = reader_connection(db)
        compiled, args = self._bind(conn.dialect, params)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(prefix + compiled.sql, args)
            return compiled, cursor.fetchall()
        finally:
            cursor.close()

    def all(self, db: Reader, **params: Any) -> list[Any]:
        """The rows (named tuples) for ``params``, in the transaction ``db`` is in, if any."""
        compiled, rows = self._fetch(db, params)
        return self._rows(compiled, rows)

    def first(self, db: Reader, **params: Any) -> Any | None:
        rows = self.all(db, **params)
        return rows[0] if rows else None

    def plan(self, db: Reader, **params: Any) -> str:
        """The database's plan of this statement for ``params`` (``EXPLAIN``; on SQLite
        ``EXPLAIN QUERY PLAN``), one line per row: what the tests check the hot reads by."""
        sqlite = reader_connection(db).dialect.name == "sqlite"
        _, rows = self._fetch(db, params, "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ")
        return "\n".join(str(row[-1]) for row in rows)

    async def all_async(self, conn: Any, dialect: Dialect, **params: Any) -> list[Any]:
        """The same rows on an asyncpg connection of ``AsyncReads`` (``dialect``: its
        ``dialect``); asyncpg prepares each statement once per connection."""
        compiled, args = self._bind(dialect, params)
        return self._rows(compiled, await conn.fetch(compiled.sql, *args))

    async def first_async(self, conn: Any, dialect: Dialect, **params: Any) -> Any | None:
        rows = await self.all_async(conn, dialect, **params)
        return rows[0] if rows else None


async def _keep_session(conn: Any) -> None:
    """What ``AsyncReads`` does to a connection given back to its pool, beyond asyncpg's own
    rollback of a transaction left open: nothing. asyncpg's default runs ``SELECT
    pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` — one more round trip per
    lookup, about a sixth of its reads' CPU in the application and in PostgreSQL
    (benchmarks/README.md). These connections only run ``DriverQuery`` SELECTs: they never
    change a setting, listen, lock or keep a cursor, so there is nothing to reset. Code that did
    any of that would have to use a connection of its own."""


READS_APPLICATION_NAME = "expressdesk public reads"


class AsyncReads:
    """On PostgreSQL: a pool of asyncpg connections for the public's reads on the event loop — no
    thread pool and no SQLAlchemy pool on their path (on this machine they cost a PostgreSQL
    lookup two thirds of its CPU; asyncpg's protocol, in C, costs a third less client CPU per
    lookup than psycopg's asynchronous one: benchmarks/README.md). Connections are made from the
    same database URL, in autocommit (asyncpg opens no transaction), named for
    ``pg_stat_activity``. The application opens the pool when it starts and closes it when it
    stops; ``DriverQuery.all_async`` reads on its connections, with its statements compiled for
    ``dialect``."""

    def __init__(self, engine: Engine, size: int) -> None:
        from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

        self.dialect: Dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
        self.engine = engine  # what the reads are of (caches are kept per engine)
        self._size = size
        self._pool: asyncpg.Pool | None = None

    @property
    def closed(self) -> bool:
        return self._pool is None

    async def open(self) -> None:
        import asyncpg

        # The database URL as a libpq-style DSN, which asyncpg parses itself: its sslmode,
        # sslrootcert, target_session_attrs… options apply to these connections as well.
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool = await asyncpg.create_pool(
            dsn,
            server_settings={"application_name": READS_APPLICATION_NAME},
            min_size=1,
            max_size=self._size,
            reset=_keep_session,
        )

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def renew(self) -> None:
        """Replace every connection when it is next taken (after the server dropped some: the
        others it dropped may not have noticed yet)."""
        if self._pool is not None:
            await self._pool.expire_connections()

    def connection(self) -> Any:
        """``async with reads.connection() as conn``: a connection of the pool, given back after."""
        if self._pool is None:
            raise RuntimeError("the asynchronous read pool is not open")
        return self._pool.acquire()


def async_read_pool(engine: Engine, size: int) -> AsyncReads | None:
    """The asynchronous reads on PostgreSQL (see ``AsyncReads``); None on SQLite, whose reads run
    on the event loop as they are."""
    if engine.dialect.name != "postgresql":
        return None
    return AsyncReads(engine, size)
