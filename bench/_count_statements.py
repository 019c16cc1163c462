"""Count the SQL statements one request costs, at the database driver.

Runs inside the generated project's venv (it needs the app's dependencies):

    python _count_statements.py MODULE:APP DATABASE_ENV ITEM_PATHS LIST_PATH OUT.json

with an access token (or an empty line) on standard input. It imports the built app
(`<package>.wsgi:app`, a public entry point), sends each route through Flask's test
client, and writes what it counted to OUT.json.

Why at the driver: Keel's per-request token check runs straight through a DBAPI cursor
(no SQLAlchemy events fire for it) and a pool pre-ping is invisible to the events too.
So the headline count is what the driver sent:

- SQLite: every statement the SQLite library ran (`sqlite3.Connection.set_trace_callback`
  on each new connection), BEGIN and COMMIT included;
- PostgreSQL: every Query and Execute message the driver sent, read by a loopback proxy
  this script puts in front of the server (pings, BEGIN and COMMIT are messages too).

SQLAlchemy's own view is counted alongside, as a cross-check: `before_cursor_execute` on
the Engine class, the `begin`/`commit`/`rollback` connection events, pool checkouts, and
`pool_pre_ping` from the app's engine options (each checkout then pings once).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import socket
import sqlite3
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

#: Requests per route before counting: connections, caches and prepared statements warm.
WARMUP_REQUESTS = 3
#: PostgreSQL's SSLRequest and GSSENCRequest codes: answered "N" (plain text on loopback).
_ENCRYPTION_REQUESTS = (80877103, 80877104)


def first_word(sql: str | bytes | None) -> str:
    """BEGIN, SELECT, COMMIT... of a statement; `;` (SQLAlchemy's PostgreSQL ping) is PING."""
    if sql is None:
        return "?"
    text = sql.decode(errors="replace") if isinstance(sql, bytes) else sql
    words = text.strip().rstrip(";").split(None, 1)
    return words[0].upper() if words else "PING"


class Tally:
    """Statement kinds seen since the last reset; appended to from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.kinds: Counter[str] = Counter()

    def add(self, kind: str) -> None:
        with self._lock:
            self.kinds[kind] += 1

    def take(self) -> Counter[str]:
        with self._lock:
            kinds, self.kinds = self.kinds, Counter()
        return kinds


class _Reader:
    """Exact-size reads from a socket (PostgreSQL messages are length-prefixed)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def exact(self, size: int) -> bytes:
        chunks, missing = [], size
        while missing:
            chunk = self._sock.recv(missing)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)


class PgCountingProxy:
    """A loopback TCP proxy in front of PostgreSQL that counts the client's statements.

    Only the client-to-server direction is parsed: a Query message is one statement, an
    Execute message is one (its SQL from the Parse of the statement its portal binds).
    """

    def __init__(self, host: str, port: int, tally: Tally) -> None:
        self._upstream = (host, port)
        self._tally = tally
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self._upstream, timeout=10)
        upstream.settimeout(None)
        try:
            reader = _Reader(client)
            self._startup(reader, client, upstream)
            threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
            self._messages(reader, upstream)
        except (EOFError, OSError):
            pass
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def _startup(self, reader: _Reader, client: socket.socket, upstream: socket.socket) -> None:
        """Refuse encryption requests, forward the StartupMessage (it has no type byte)."""
        while True:
            head = reader.exact(4)
            body = reader.exact(int.from_bytes(head, "big") - 4)
            if int.from_bytes(body[:4], "big") in _ENCRYPTION_REQUESTS:
                client.sendall(b"N")
                continue
            upstream.sendall(head + body)
            return

    def _messages(self, reader: _Reader, upstream: socket.socket) -> None:
        statements: dict[bytes, bytes] = {}  # prepared statement name -> SQL
        portals: dict[bytes, bytes | None] = {}  # portal name -> SQL
        while True:
            kind = reader.exact(1)
            head = reader.exact(4)
            body = reader.exact(int.from_bytes(head, "big") - 4)
            # Counted before it is forwarded: the client cannot see its answer earlier.
            fields = body.split(b"\0")
            if kind == b"Q":
                self._tally.add(first_word(fields[0]))
            elif kind == b"P":
                statements[fields[0]] = fields[1]
            elif kind == b"B":
                portals[fields[0]] = statements.get(fields[1])
            elif kind == b"E":
                self._tally.add(first_word(portals.get(fields[0])))
            upstream.sendall(kind + head + body)
            if kind == b"X":
                return


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def through_proxy(url: str, tally: Tally) -> str:
    """Start a counting proxy for a PostgreSQL URL; the same URL pointing at the proxy."""
    parts = urlsplit(url)
    proxy = PgCountingProxy(parts.hostname or "127.0.0.1", parts.port or 5432, tally)
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@127.0.0.1:{proxy.port}" if userinfo else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def listen(driver: Tally, orm: Tally) -> None:
    """Hook every pool and engine, before the app creates any."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.set_trace_callback(lambda sql: driver.add(first_word(sql)))

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        orm.add(first_word(statement))

    sa.event.listen(sa.pool.Pool, "connect", on_connect)
    sa.event.listen(sa.pool.Pool, "checkout", lambda *_args: orm.add("checkout"))
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", on_execute)
    for name in ("begin", "commit", "rollback"):
        sa.event.listen(sa.engine.Engine, name, lambda *_args, kind=name: orm.add(f"{kind}()"))


def load_app(reference: str) -> Any:
    """`module:attr`, then every engine disposed so each connection is new (and traced)."""
    module, _, attr = reference.partition(":")
    app = getattr(importlib.import_module(module), attr)
    extension = app.extensions.get("sqlalchemy")
    if extension is not None:
        with app.app_context():
            for engine in extension.engines.values():
                engine.dispose()
    return app


def sqlalchemy_statements(kinds: Counter[str], pre_ping: bool) -> int:
    """What SQLAlchemy's events account for: executes, driver BEGIN/COMMIT/ROLLBACK, pings.

    A `begin` event whose BEGIN was also executed as a statement (Keel's SQLite setup
    emits it itself) is not counted twice.
    """
    executes = sum(n for kind, n in kinds.items() if kind not in _EVENT_KINDS)
    implicit_begins = max(0, kinds["begin()"] - kinds["BEGIN"])
    pings = kinds["checkout"] if pre_ping else 0
    return executes + implicit_begins + kinds["commit()"] + kinds["rollback()"] + pings


_EVENT_KINDS = ("begin()", "commit()", "rollback()", "checkout")


def measure(
    client: Any, paths: list[str], headers: dict[str, str], tallies: tuple[Tally, Tally]
) -> dict[str, Any]:
    """Per-request counts over one request to each path, after a warm-up."""
    for _ in range(WARMUP_REQUESTS):
        for path in paths:
            _get(client, path, headers)
    for tally in tallies:
        tally.take()
    for path in paths:
        _get(client, path, headers)
    driver, orm = (tally.take() for tally in tallies)
    return {"requests": len(paths), "driver": dict(driver), "sqlalchemy": dict(orm)}


def _get(client: Any, path: str, headers: dict[str, str]) -> None:
    response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.data[:300]!r}")


def main(argv: list[str]) -> int:
    reference, database_env, item_paths, list_path, out = argv[1:6]
    sys.path.insert(0, os.getcwd())  # the plain app is a module in the working directory
    token = sys.stdin.readline().strip()
    driver, orm = Tally(), Tally()
    url = os.environ[database_env]
    if url.startswith(("postgresql", "postgres:")):
        os.environ[database_env] = through_proxy(url, driver)
    listen(driver, orm)
    app = load_app(reference)
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    pre_ping = bool(options.get("pool_pre_ping"))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = app.test_client()
    result = {
        "pool_pre_ping": pre_ping,
        "item": measure(client, item_paths.split(","), headers, (driver, orm)),
        "list": measure(client, [list_path], headers, (driver, orm)),
    }
    for route in ("item", "list"):
        counts = result[route]
        counts["sqlalchemy_statements"] = sqlalchemy_statements(
            Counter(counts["sqlalchemy"]), pre_ping
        )
    Path(out).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
