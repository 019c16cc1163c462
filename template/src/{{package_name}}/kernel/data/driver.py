# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A small fixed read through the driver's own cursor, for a statement every request runs.

SQLAlchemy's Core execution costs four to five times what the driver does for a one-row
SELECT (the token check on SQLite, timeit: 36 µs through `Connection.execute`, 30 µs
through `exec_driver_sql`, 7 µs through the driver's cursor): an execution context,
events, result metadata, for a row that needs none of them. `FixedRead` compiles its
Core statement once per dialect (`Compiled.string` and, for a positional paramstyle,
`Compiled.positiontup`) and runs it on the DBAPI cursor of the SQLAlchemy `Connection`
it is given (`Connection.connection`, SQLAlchemy's documented way to the driver): the
same pooled connection, in the same transaction, as the rest of the unit of work.

What it gives up: SQLAlchemy's events do not see the statement (a `before_cursor_execute`
listener, a tracing instrumentation), nor the dialect's `do_execute`; the database's log
and the driver do. What Keel's PostgreSQL dialect does there, arming the client-side
deadline, is done here instead.
Errors keep SQLAlchemy's handling: on any driver error the statement runs once more
through `Connection.execute`, which translates it (a busy or lost database becomes
`OperationalError`, a 503), invalidates a lost connection and fires its events.

Only for statements whose columns need no result processing (integers, text, as the
driver returns them) and whose parameters need no bind processing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .database import watch_driver_statement

_Compiled = tuple[str, dict[str, Any], tuple[str, ...] | None]


class FixedRead:
    """One Core SELECT, run for its first row straight on the driver's cursor."""

    def __init__(self, statement: sa.Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        #: Dialect -> (SQL text, the statement's own bound values, the parameters' names
        #: in order for a positional paramstyle or None: by name).
        self._compiled: dict[sa.Dialect, _Compiled] = {}

    def compiled(self, dialect: sa.Dialect) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            binds = compiled.binds
            own = {
                name: value for name, value in compiled.params.items() if not binds[name].required
            }
            found = (compiled.string, own, order)
            self._compiled[dialect] = found
        return found

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The statement's first row as a tuple, or None.

        `params`: values by bind name (plain identifiers, as `sa.bindparam("family")`);
        binds that carry their own value (`sa.literal(1)`) keep it.
        """
        dialect = connection.dialect
        sql, defaults, order = self.compiled(dialect)
        values = {**defaults, **params} if defaults else params
        arguments: Any = values if order is None else [values[name] for name in order]
        pooled = connection.connection
        try:
            cursor = pooled.cursor()
            try:
                watch_driver_statement(dialect, pooled.dbapi_connection)
                cursor.execute(sql, arguments)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except dialect.loaded_dbapi.Error:
            # SQLAlchemy's own execution: the error translated, a lost connection invalidated.
            result = connection.execute(self.statement, dict(params)).first()
            return None if result is None else tuple(result)
        return None if row is None else tuple(row)
