# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""SQLAlchemy 2 models and Flask-SQLAlchemy, configured the same way for every entry point.

- `Model` is the typed declarative base every module's models subclass; its metadata
  carries a naming convention so Alembic migrations get stable constraint names.
- `db` is Flask-SQLAlchemy: it reads the engine settings at `init_app` and scopes one
  session to each Flask app context. The execution context opens that context, so a
  request, a task, a command and a test all see the same `db.session` behaviour.
- `UTCDateTime` stores aware datetimes and gives them back aware, on every database
  (SQLite keeps no offset: without it a value read back is naive).
- SQLite is put in real transactional mode (the pysqlite driver otherwise defers BEGIN
  and breaks SAVEPOINTs on Python 3.11), with foreign keys enforced, and a database
  file in write-ahead-log mode (`SQLITE_WAL`): readers and the writer no longer block
  each other, and a read takes no file lock (the per-request token check is one).
  Recent commits live in the `-wal` file beside the database until a checkpoint: back
  up with `sqlite3 var/app.sqlite3 ".backup backup.sqlite3"`, not by copying one file.
- A database that cannot be reached is one line, not a traceback: `unreachable()` says
  which server DATABASE_URL names (never its password), why, and what to do; the `flask`
  commands (`@in_context`, `flask db ...` through migrations/env.py) print it and exit 1.
- PostgreSQL never makes a request wait without bound: a connect timeout, a pool
  checkout timeout, TCP keepalives, and for HTTP requests a statement timeout on the
  server (`statement_timeout`, sent with the login: no extra round trip) backed by a
  client-side deadline (kernel/data/deadlines.py) for a server that stopped answering,
  armed by Keel's psycopg dialect (kernel/data/postgresql_dialect.py). Each of them
  ends in `OperationalError` or the pool's `TimeoutError`: a 503. No ping before each
  checkout: a connection the server dropped fails once (SQLAlchemy's disconnect
  handling then invalidates the pool) and `pool_recycle` retires old ones.
- Reads (a unit of work opened with `writes=False`) run without BEGIN/COMMIT when
  DATABASE_AUTOCOMMIT_READS is on: `begin_read()` puts PostgreSQL's connection in
  SQLAlchemy's AUTOCOMMIT isolation level; on SQLite Keel's dialect
  (kernel/data/sqlite_dialect.py) sends no BEGIN for a reader, `BEGIN IMMEDIATE` for a
  writer.
  An ORM write in such a unit of work is refused (`ReadOnlyUnitOfWorkError`).
- `/health/ready` asks a `DatabaseProbe`: on PostgreSQL its own connection (no pool,
  so it never waits for one), bounded by `READY_BUDGET` seconds whatever the server does.

At import this module registers the read-only guards on the kernel's `Session` class;
`configure_engines()` adds the listeners above to each engine when the app is built:
pool and dialect events only (`connect`, `checkout`, `do_connect`). A connection-level
event would make SQLAlchemy dispatch its execution events around every statement, so
what must happen per transaction or statement is done by Keel's dialects instead.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase

from ..core.settings import KernelSettings, sqlite_file
from ..core.state import kernel_state
from . import postgresql_dialect, sqlite_dialect
from .deadlines import CLIENT_GRACE as CLIENT_GRACE  # its place before 0.4
from .deadlines import DEADLINES, arm
from .deadlines import STATEMENT_TIMEOUT as STATEMENT_TIMEOUT  # its place before 0.4
from .sqlite_dialect import WRITE_INTENT as WRITE_INTENT  # its place before 0.4

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    """Base class of every model: `class Project(Model): ...` with `Mapped[...]` columns."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, in Python and in the database.

    A naive datetime is refused when written: its meaning depends on the machine.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (ctx.clock.now())")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: sa.Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        """On SQLite, read the stored text straight into an aware UTC datetime.

        SQLAlchemy stores a SQLite DATETIME as naive UTC text ("2026-12-01 12:00:00.000000");
        parsing it with its offset appended gives the same value as parsing it naive and
        then `replace(tzinfo=UTC)`, at a fifth of the cost (the `replace` is most of a
        list's date handling). Text in any other form takes the general path.
        """
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            try:
                return datetime.fromisoformat(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)

        return process


class Session(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, honouring an explicit `bind`.

    Flask-SQLAlchemy always picks its engine; a session configured with
    `bind=<Connection>` (the test suite's outer transaction) must use that connection.
    """

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


#: Seconds within which `/health/ready` answers, whatever the database does.
READY_BUDGET = 2.2
#: `Session.info` key marking a unit of work that reads in autocommit.
AUTOCOMMIT_READ = "keel_autocommit_read"
#: `ConnectionPoolEntry.info` key: the statement timeout the connection logged in with.
_TIMEOUT_KEY = "keel_statement_timeout"

db = SQLAlchemy(metadata=Model.metadata, session_options={"class_": Session})


def engine_options(settings: KernelSettings) -> dict[str, Any]:
    """Engine arguments for `SQLALCHEMY_ENGINE_OPTIONS`: timeouts everywhere.

    No `pool_pre_ping`: it costs a round trip per checkout, for every request, to spare
    the first request after a database restart a 503 (see the module docstring).
    """
    if settings.DATABASE_URL.startswith("sqlite"):
        # pysqlite's `timeout` is SQLite's busy timeout: how long a writer waits for the lock.
        busy = settings.SQLITE_BUSY_TIMEOUT
        return {
            "connect_args": {"timeout": busy, "check_same_thread": False},
            "keel_busy_timeout": busy,
            "keel_autocommit_reads": settings.DATABASE_AUTOCOMMIT_READS,
        }
    return {
        "pool_recycle": settings.DATABASE_POOL_RECYCLE,
        "pool_timeout": settings.DATABASE_POOL_TIMEOUT,
        "connect_args": postgresql_connect_args(settings, settings.DATABASE_CONNECT_TIMEOUT),
    }


def engine_url(settings: KernelSettings) -> str:
    """`SQLALCHEMY_DATABASE_URI`: DATABASE_URL, through Keel's dialect for SQLite
    (kernel/data/sqlite_dialect.py) and for psycopg (kernel/data/postgresql_dialect.py)."""
    return postgresql_dialect.engine_url(sqlite_dialect.engine_url(settings.DATABASE_URL))


def postgresql_connect_args(settings: KernelSettings, connect_timeout: int) -> dict[str, Any]:
    """libpq connection parameters: the connect timeout and TCP keepalives."""
    return {
        "connect_timeout": connect_timeout,
        "keepalives": 1,
        "keepalives_idle": settings.DATABASE_TCP_KEEPALIVES_IDLE,
        "keepalives_interval": settings.DATABASE_TCP_KEEPALIVES_INTERVAL,
        "keepalives_count": settings.DATABASE_TCP_KEEPALIVES_COUNT,
    }


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file (SQLite creates the file, not its folder)."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def configure_engines(app: Flask, settings: KernelSettings) -> None:
    """Set up the app's engines (only the app's: a Celery broker on SQLite manages its own).

    SQLite gets real transactional mode (its dialect begins transactions); PostgreSQL its statement
    timeout at login and the client-side deadlines; the app gets its `DatabaseProbe`.
    Every engine is disposed when the app goes away.
    """
    with app.app_context():
        engines = list(db.engines.values())
        default = db.engine
    wal = settings.SQLITE_WAL
    on_connect = _sqlite_connect_listener(wal, round(settings.SQLITE_BUSY_TIMEOUT * 1000))
    for engine in engines:
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", on_connect)
        elif engine.dialect.driver == "psycopg":
            _guard_postgresql(engine)
    probe = DatabaseProbe(default, settings)
    kernel_state(app).add(probe)
    # An app that is dropped (tests build many) closes its pooled connections cleanly
    # instead of leaving them to the garbage collector.
    weakref.finalize(app, _dispose, [*engines, *probe.own_engines])


class DatabaseProbe:
    """What `/health/ready` asks: does the database answer now, within `READY_BUDGET`?

    PostgreSQL: a connection of the probe's own (no pool: a probe never waits for a
    busy pool, and answers for the server now, not for a pooled connection), opened
    with at most a 2-second connect timeout, its `SELECT 1` watched by the deadlines.
    SQLite: no engine of its own (`needed` is False); readiness asks the request's
    session, since a local file has no network to fail.
    """

    def __init__(self, engine: Engine, settings: KernelSettings) -> None:
        self._engine: Engine | None = None
        if engine.dialect.driver == "psycopg":
            # psycopg's own dialect: Keel's would arm the request's deadline over the probe's.
            self._engine = sa.create_engine(
                engine.url.set(drivername="postgresql+psycopg"),
                poolclass=sa.pool.NullPool,
                isolation_level="AUTOCOMMIT",
                connect_args=postgresql_connect_args(
                    settings, min(settings.DATABASE_CONNECT_TIMEOUT, 2)
                ),
            )
            sa.event.listen(self._engine, "do_connect", _login_options(READY_BUDGET / 2))

    @property
    def own_engines(self) -> list[Engine]:
        return [self._engine] if self._engine is not None else []

    @property
    def needed(self) -> bool:
        """False: readiness asks the request's session instead (SQLite)."""
        return self._engine is not None

    def check(self) -> None:
        """Return when the database answers; raise SQLAlchemy's error when it does not."""
        if self._engine is None:
            return
        started = time.monotonic()
        with self._engine.connect() as connection:
            DEADLINES.watch(connection.connection.dbapi_connection, started + READY_BUDGET)
            connection.exec_driver_sql("SELECT 1")


def begin_read(session: sa.orm.Session, settings: KernelSettings) -> None:
    """Start a read-only unit of work's session without BEGIN/COMMIT round trips.

    PostgreSQL: the session's connection is taken now, in SQLAlchemy's AUTOCOMMIT
    isolation level (`Session.connection(execution_options=...)`, the documented way
    to set it for one session); it returns to the pool with the default level. SQLite:
    Keel's dialect sends no BEGIN for a reader. A session bound to a connection
    of its own (the test suite's outer transaction) is left as it is.
    """
    if not settings.DATABASE_AUTOCOMMIT_READS:
        return
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return
    session.info[AUTOCOMMIT_READ] = True
    if bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


class ReadOnlyUnitOfWorkError(RuntimeError):
    """An ORM write in a unit of work that reads in autocommit (a GET, HEAD or OPTIONS).

    Its statements would each commit on their own, and a later error could not roll
    them back: write in a POST, PUT, PATCH or DELETE, or set
    DATABASE_AUTOCOMMIT_READS=false to give safe methods a transaction again.
    """


def _refuse_flush(session: sa.orm.Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(AUTOCOMMIT_READ) and (
        session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    ):
        raise ReadOnlyUnitOfWorkError(
            "A GET, HEAD or OPTIONS request (a read-only unit of work, in autocommit) "
            "tried to write: write in POST/PUT/PATCH/DELETE, or set "
            "DATABASE_AUTOCOMMIT_READS=false."
        )


def _refuse_dml(state: sa.orm.ORMExecuteState) -> None:
    if state.session.info.get(AUTOCOMMIT_READ) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise ReadOnlyUnitOfWorkError(
            "A GET, HEAD or OPTIONS request (a read-only unit of work, in autocommit) "
            "sent an INSERT, UPDATE or DELETE: write in POST/PUT/PATCH/DELETE, or set "
            "DATABASE_AUTOCOMMIT_READS=false."
        )


sa.event.listen(Session, "before_flush", _refuse_flush)
sa.event.listen(Session, "do_orm_execute", _refuse_dml)


def _guard_postgresql(engine: Engine) -> None:
    """The statement timeout at login, on one engine (its dialect arms the client-side
    deadlines: no connection-level listener here, see kernel/data/postgresql_dialect.py)."""
    sa.event.listen(engine, "do_connect", _login_options(None))
    sa.event.listen(engine, "checkout", _same_timeout)


def _login_options(fixed: float | None) -> Any:
    """A `do_connect` listener: log in with `statement_timeout` (the unit of work's, or
    `fixed`) and `TimeZone=UTC`, in the startup packet's `options`, so it costs no round
    trip. In UTC, psycopg hands timestamps back already in `datetime.UTC`, which
    `UTCDateTime` then returns as they are."""

    def on_do_connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        seconds = STATEMENT_TIMEOUT.get() if fixed is None else fixed
        record.info[_TIMEOUT_KEY] = seconds
        option = f"-c statement_timeout={round(seconds * 1000)} -c TimeZone=UTC"
        cparams["options"] = f"{cparams['options']} {option}" if cparams.get("options") else option

    return on_do_connect


def _same_timeout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection that logged in with another statement timeout (a task's in
    a process that also serves requests) is replaced: SQLAlchemy's documented
    `DisconnectionError` from a `checkout` listener makes the pool connect anew."""
    if record.info.get(_TIMEOUT_KEY, 0.0) != STATEMENT_TIMEOUT.get():
        raise sa.exc.DisconnectionError("statement timeout differs; reconnecting")


def watch_driver_statement(dialect: sa.Dialect, dbapi_connection: Any) -> None:
    """Arm the client-side deadline for a statement about to be sent on the driver's own
    cursor (kernel/data/driver.py), which no dialect method sees; psycopg only."""
    if dialect.driver == "psycopg":
        arm(dbapi_connection)


#: Driver messages that mean the server answered but refused these credentials or names.
_REFUSED_LOGIN = re.compile(r"authentication|does not exist|no pg_hba|permission denied", re.I)


def unreachable(url: sa.URL, error: BaseException) -> str:
    """One line for a failed connection: the database DATABASE_URL names (no password),
    the driver's reason, and how to start it or what to check."""
    driver_error = error.orig if isinstance(error, sa.exc.DBAPIError) else error
    reason = _first_reason(str(driver_error)) or type(driver_error).__name__
    if url.get_backend_name() == "sqlite":
        return (
            f"Cannot open the SQLite database of DATABASE_URL ({url.database or 'in memory'}): "
            f"{reason}. Check that its folder exists and is writable."
        )
    where = f"{url.host}:{url.port or 5432}" if url.host else "the local socket"
    named = f'PostgreSQL at {where}, database "{url.database}", user "{url.username}"'
    if _REFUSED_LOGIN.search(reason):
        advice = (
            "Check the user, password and database in DATABASE_URL (.env), or create them "
            '(README.md, "PostgreSQL").'
        )
    else:
        advice = 'Is it running? `make db` starts the development one (README.md, "PostgreSQL").'
    return f"Cannot connect to the database of DATABASE_URL ({named}): {reason}. {advice}"


def connection_problem(engine: Engine) -> str | None:
    """`unreachable()`'s line when `engine` cannot connect now; None when it can."""
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return unreachable(engine.url, exc)


def _first_reason(message: str) -> str:
    """The driver's reason, shortened: psycopg says `connection failed: connection to
    server at "h", port p failed: <reason>` on one line and hints on the next."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    reason = first.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:")
    return " ".join(reason.split()).rstrip(".")


def _dispose(engines: list[Engine]) -> None:
    for engine in engines:
        engine.dispose()


def _sqlite_connect_listener(wal: bool, busy_ms: int) -> Any:
    """The engine's `connect` listener: pragmas, and WAL when asked for."""

    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        _sqlite_on_connect(dbapi_connection, busy_ms)
        if wal:
            # Persistent in the file (a no-op once set); in memory it answers "memory".
            dbapi_connection.execute("PRAGMA journal_mode=WAL").close()

    return on_connect


def _sqlite_on_connect(dbapi_connection: Any, busy_ms: int) -> None:
    # The dialect emits BEGIN itself, so SAVEPOINT and rollback behave as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.close()
