# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Client-side deadlines for PostgreSQL statements: a request never waits on a silent server.

PostgreSQL's `statement_timeout` ends a slow statement from the server's side. It cannot
help when the server, or the path to it, stops answering (a partition, a firewall that
drops packets, a proxy that stops forwarding): the driver then waits on its socket for
as long as TCP lets it, which through a proxy that still acknowledges is forever, and
the request, its worker and in the end `/health/live` wait with it.

So each statement of an HTTP request is watched: `arm(connection)` before it is sent
(Keel's PostgreSQL dialect calls it, kernel/data/postgresql_dialect.py), and one daemon
thread per process looks every `TICK` seconds for a connection still waiting on the
server (psycopg's documented `info.transaction_status` is `ACTIVE`) past its deadline.
Such a connection has its socket shut down (through a duplicate of its descriptor,
`fileno()`): the driver sees the connection closed, raises `OperationalError`,
SQLAlchemy invalidates the connection and the pool (its documented disconnect
handling), and the request answers 503. The thread starts with the first watched
statement of each process (after the server's fork), and costs one wake-up per `TICK`
when idle.

Only psycopg connections are watched (SQLite has its busy timeout and no network).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from contextvars import ContextVar
from typing import Any

#: Seconds between two looks at the watched connections (the cut lands up to this late).
TICK = 0.1
#: Seconds one statement of the unit of work now open may run on PostgreSQL (0: no
#: limit). `open_context()` sets DATABASE_STATEMENT_TIMEOUT for HTTP requests only:
#: tasks, commands and migrations may legitimately run long statements.
STATEMENT_TIMEOUT: ContextVar[float] = ContextVar("keel_statement_timeout", default=0.0)
#: How much later than the server's own statement timeout the client gives up on a
#: statement (the server's cancellation, when it can send one, arrives first).
CLIENT_GRACE = 0.25

_log = logging.getLogger("keel.database")


class Deadlines:
    """The statements in flight that must be answered by a deadline, and their watcher."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: id(connection) -> (deadline on the monotonic clock, the DBAPI connection).
        self._watched: dict[int, tuple[float, Any]] = {}
        self._pid = 0

    def watch(self, dbapi_connection: Any, deadline: float) -> None:
        """Cut `dbapi_connection` if it still waits on the server at `deadline`.

        A later call for the same connection replaces the deadline (its next statement).
        """
        with self._lock:
            self._watched[id(dbapi_connection)] = (deadline, dbapi_connection)
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="keel-db-deadlines", daemon=True).start()

    def forget(self, dbapi_connection: Any) -> None:
        """No deadline for `dbapi_connection` now: its next statement has none (a task's,
        a test's), and the one its last statement set must not cut that one."""
        if self._watched:
            with self._lock:
                self._watched.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            time.sleep(TICK)
            self.sweep(time.monotonic())

    def sweep(self, now: float) -> list[Any]:
        """Cut every connection past its deadline that still waits; forget the others.

        Returns the connections cut (for the log and the tests).
        """
        with self._lock:
            due = [entry for entry in self._watched.items() if entry[1][0] <= now]
            for key, _ in due:
                del self._watched[key]
        cut = [conn for _, (_, conn) in due if _still_waiting(conn)]
        for conn in cut:
            _shut_down(conn)
        if cut:
            _log.warning(
                "Cut %d database connection(s) whose statement outlived its deadline "
                "(DATABASE_STATEMENT_TIMEOUT): the server did not answer",
                len(cut),
                extra={"event": "database_deadline"},
            )
        return cut


def _still_waiting(dbapi_connection: Any) -> bool:
    try:
        return (
            not dbapi_connection.closed
            and dbapi_connection.info.transaction_status.name == "ACTIVE"
        )
    except Exception:  # noqa: BLE001 (the driver's own error: a connection closing now)
        return False


def _shut_down(dbapi_connection: Any) -> None:
    """Shut the connection's socket down without closing the driver's descriptor.

    The duplicate keeps the socket itself alive while it is checked, so a descriptor
    number the driver has since closed and the process reused is never touched.
    """
    try:
        duplicate = os.dup(dbapi_connection.fileno())
    except Exception:  # noqa: BLE001 (the driver's own error: closed since the check)
        return
    try:
        sock = socket.socket(fileno=duplicate)
    except OSError:
        os.close(duplicate)
        return
    with sock:
        if not dbapi_connection.closed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


#: The process's one watcher, shared by every engine of every app.
DEADLINES = Deadlines()


def arm(dbapi_connection: Any) -> None:
    """The deadline of what `dbapi_connection` sends now: the unit of work's statement
    timeout, or none (a task's or a command's statement), replacing whatever the last
    one set. Called by Keel's PostgreSQL dialect before each round trip."""
    timeout = STATEMENT_TIMEOUT.get()
    if timeout:
        DEADLINES.watch(dbapi_connection, time.monotonic() + timeout + CLIENT_GRACE)
    else:
        DEADLINES.forget(dbapi_connection)
