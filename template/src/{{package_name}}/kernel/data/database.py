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
"""

from __future__ import annotations

import re
import sqlite3
import time
import weakref
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase

from ..core.settings import KernelSettings, sqlite_file

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
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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


#: Whether the unit of work now open may write (set by `open_context(writes=...)`).
#: SQLite then begins its transactions with `BEGIN IMMEDIATE`; outside any unit of
#: work (migrations, scripts) it does too: the safe choice.
WRITE_INTENT: ContextVar[bool] = ContextVar("keel_write_intent", default=True)

db = SQLAlchemy(metadata=Model.metadata, session_options={"class_": Session})


def engine_options(settings: KernelSettings) -> dict[str, Any]:
    """Engine arguments for `SQLALCHEMY_ENGINE_OPTIONS`: timeouts everywhere."""
    timeout = settings.DATABASE_CONNECT_TIMEOUT
    if settings.DATABASE_URL.startswith("sqlite"):
        # pysqlite's `timeout` is SQLite's busy timeout: how long a writer waits for the lock.
        busy = settings.SQLITE_BUSY_TIMEOUT
        return {"connect_args": {"timeout": busy, "check_same_thread": False}}
    return {
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "pool_timeout": timeout,
        "connect_args": {"connect_timeout": timeout},
    }


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file (SQLite creates the file, not its folder)."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def configure_engines(app: Flask, settings: KernelSettings) -> None:
    """Set up the app's engines (only the app's: a Celery broker on SQLite manages its own).

    SQLite gets real transactional mode; every engine is disposed when the app goes away.
    """
    with app.app_context():
        engines = list(db.engines.values())
    wal = settings.SQLITE_WAL
    on_connect = _sqlite_connect_listener(wal, round(settings.SQLITE_BUSY_TIMEOUT * 1000))
    for engine in engines:
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", on_connect)
            sa.event.listen(engine, "begin", _sqlite_begin_listener(settings.SQLITE_BUSY_TIMEOUT))
    # An app that is dropped (tests build many) closes its pooled connections cleanly
    # instead of leaving them to the garbage collector.
    weakref.finalize(app, _dispose, engines)


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
    # Let SQLAlchemy emit BEGIN itself, so SAVEPOINT and rollback behave as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.close()


def _sqlite_begin_listener(timeout: float) -> Any:
    """The engine's `begin` listener: `BEGIN IMMEDIATE` for writers, `BEGIN` for readers."""

    def on_begin(connection: Connection) -> None:
        if WRITE_INTENT.get():
            _begin_immediate(connection, timeout)
        else:
            connection.exec_driver_sql("BEGIN")

    return on_begin


def _begin_immediate(connection: Connection, timeout: float) -> None:
    """Take the write lock now, polling for it every few hundred microseconds.

    A writer that takes the lock at BEGIN never fails later for want of it. SQLite's own
    busy handler would wait too, but sleeps in steps of up to 100 ms, so a waiting
    writer oversleeps the few milliseconds the holder needs (under two workers that
    halved the throughput of concurrent writes); this loop wakes up soon after the
    lock is free, and gives up at the same deadline with the same error.
    """
    deadline = time.monotonic() + timeout
    pause = _FIRST_PAUSE
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except sa.exc.OperationalError as exc:
                busy = getattr(exc.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _LAST_PAUSE)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={round(timeout * 1000)}")


#: The first and the longest pause between two tries at SQLite's write lock (seconds).
_FIRST_PAUSE = 0.0002
_LAST_PAUSE = 0.002
