# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, made safe to share."""

from __future__ import annotations

import sqlite3
from typing import Any, Self


class _SQLiteBrokerCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        if sql.lstrip().upper().startswith("BEGIN"):
            if self.connection.in_transaction:
                return self  # kombu's own BEGIN IMMEDIATE, after SQLAlchemy's BEGIN
            sql = "BEGIN IMMEDIATE"
        return super().execute(sql, parameters)


class SQLiteBrokerConnection(sqlite3.Connection):
    """The embedded broker's SQLite connections: every transaction takes the write lock.

    Why: the kernel's database module makes SQLAlchemy emit BEGIN itself on every
    SQLite engine (kombu's included), after which kombu's `BEGIN IMMEDIATE` fails
    ("cannot start a transaction within a transaction"). And with deferred
    transactions, a publishing web process and a polling worker that both read first
    deadlock on the upgrade to a write lock, which SQLite reports at once as "database
    is locked" instead of waiting. Taking the write lock at BEGIN lets the busy timeout
    queue them instead.
    """

    def cursor(self, factory: Any = _SQLiteBrokerCursor) -> Any:
        return super().cursor(factory)
