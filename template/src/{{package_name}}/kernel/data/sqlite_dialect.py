# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""SQLite through pysqlite, beginning its transactions the way Keel's units of work need.

A writer's transaction begins with `BEGIN IMMEDIATE` (it holds the write lock from its
first statement, so it never fails later for want of it); a reader in autocommit
(DATABASE_AUTOCOMMIT_READS, the default) sends no BEGIN, each SELECT its own snapshot;
any other reader a deferred `BEGIN`. Outside a unit of work (migrations, scripts, the
test suite's outer transaction) a transaction is a writer's: the safe choice.

SQLAlchemy's pysqlite recipe emits that BEGIN from a `begin` event listener on the
engine; but with any connection-level listener SQLAlchemy dispatches its execution
events around every statement of every connection (146 k instructions per authenticated
read, measured). `Dialect.do_begin`, the documented hook that begins a transaction on a
DBAPI connection, does the same with no event at all. The dialect is registered with
SQLAlchemy as `sqlite+keel` (`register()`); `engine_url()` names it for a `sqlite://`
DATABASE_URL.
"""

from __future__ import annotations

import sqlite3
import time
from contextvars import ContextVar
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite import pysqlite

#: The URL scheme of this dialect (`sqlite+keel:///var/app.sqlite3`).
SCHEME = "sqlite+keel"
#: Its name in SQLAlchemy's dialect registry.
_REGISTERED_AS = "sqlite.keel"
#: Whether the unit of work now open may write (set by `open_context(writes=...)`).
#: SQLite then begins its transactions with `BEGIN IMMEDIATE`; outside any unit of
#: work (migrations, scripts) it does too: the safe choice.
WRITE_INTENT: ContextVar[bool] = ContextVar("keel_write_intent", default=True)
#: The first and the longest pause between two tries at SQLite's write lock (seconds).
FIRST_PAUSE = 0.0002
LAST_PAUSE = 0.002


class KeelSQLiteDialect(pysqlite.dialect):
    """pysqlite, its transactions begun by `do_begin` (the connection is in pysqlite's
    autocommit mode, `isolation_level = None`, so the driver itself never sends BEGIN)."""

    supports_statement_cache = True

    # Not keyword-only: `create_engine` routes to a dialect the arguments its __init__
    # names positionally (SQLALCHEMY_ENGINE_OPTIONS, kernel/data/database.py).
    def __init__(
        self, keel_busy_timeout: float = 5.0, keel_autocommit_reads: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.keel_busy_timeout = keel_busy_timeout
        self.keel_autocommit_reads = keel_autocommit_reads

    def do_begin(self, dbapi_connection: Any) -> None:
        if WRITE_INTENT.get():
            begin_immediate(dbapi_connection, self.keel_busy_timeout)
        elif not self.keel_autocommit_reads:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("BEGIN")
            finally:
                cursor.close()


def begin_immediate(dbapi_connection: Any, timeout: float) -> None:
    """Take the write lock now, polling for it every few hundred microseconds.

    SQLite's own busy handler would wait too, but sleeps in steps of up to 100 ms, so a
    waiting writer oversleeps the few milliseconds the holder needs (under two workers
    that halved the throughput of concurrent writes); this loop wakes up soon after the
    lock is free, and gives up at the same deadline with the same error (which
    SQLAlchemy raises as its `OperationalError`, like any error of `do_begin`).
    """
    deadline = time.monotonic() + timeout
    pause = FIRST_PAUSE
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LAST_PAUSE)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={round(timeout * 1000)}")
        cursor.close()


def engine_url(url: str) -> str:
    """A `sqlite://` `url` naming this dialect instead; any other `url` as it is."""
    if not url.startswith("sqlite://"):
        return url
    register()
    return SCHEME + url.removeprefix("sqlite")


def register() -> None:
    """Make `sqlite+keel://` URLs load `KeelSQLiteDialect` (idempotent)."""
    registry.register(_REGISTERED_AS, __name__, KeelSQLiteDialect.__name__)
