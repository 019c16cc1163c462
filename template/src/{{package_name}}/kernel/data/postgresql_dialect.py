# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""PostgreSQL through psycopg, each round trip armed with the client-side deadline.

Every statement, COMMIT and ROLLBACK an HTTP request sends to PostgreSQL is watched by
kernel/data/deadlines.py, so a server that stops answering costs a request a 503, not
a worker. The watch used to be armed from engine event listeners (`before_cursor_execute`,
`commit`, `rollback`); but with any connection-level listener on an engine SQLAlchemy
dispatches its execution events around every statement of every connection (232 k
instructions per authenticated read of one object, measured by knocking them out).
The dialect methods SQLAlchemy documents for sending them (`do_execute`,
`do_execute_no_params`, `do_executemany`, `do_commit`, `do_rollback`, the last one also
the pool's reset on return) arm the same deadline with no event at all.

Registered with SQLAlchemy as `postgresql+keel` (`register()`); `engine_url()` names it
for a `postgresql://` or `postgresql+psycopg://` DATABASE_URL. It is psycopg's dialect
in every other respect (`dialect.driver` is "psycopg").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql import psycopg

from .deadlines import arm

#: The URL scheme of this dialect (`postgresql+keel://user@host/name`).
SCHEME = "postgresql+keel"
#: The DATABASE_URL schemes it stands in for.
REPLACES = ("postgresql://", "postgresql+psycopg://")
#: Its name in SQLAlchemy's dialect registry.
_REGISTERED_AS = "postgresql.keel"


class KeelPsycopgDialect(psycopg.dialect):
    """psycopg's dialect; what it sends is watched by the deadlines first."""

    supports_statement_cache = True

    def do_execute(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        arm(cursor.connection)
        super().do_execute(cursor, statement, parameters, context)  # type: ignore[no-untyped-call]

    def do_execute_no_params(self, cursor: Any, statement: Any, context: Any = None) -> None:
        arm(cursor.connection)
        super().do_execute_no_params(cursor, statement, context)  # type: ignore[no-untyped-call]

    def do_executemany(
        self, cursor: Any, statement: Any, parameters: Any, context: Any = None
    ) -> None:
        arm(cursor.connection)
        super().do_executemany(cursor, statement, parameters, context)  # type: ignore[no-untyped-call]

    def do_commit(self, dbapi_connection: Any) -> None:
        arm(_driver_connection(dbapi_connection))
        super().do_commit(dbapi_connection)  # type: ignore[no-untyped-call]

    def do_rollback(self, dbapi_connection: Any) -> None:
        arm(_driver_connection(dbapi_connection))
        super().do_rollback(dbapi_connection)  # type: ignore[no-untyped-call]


def _driver_connection(connection: Any) -> Any:
    """psycopg's own connection: the pool's reset hands `do_rollback` its proxy
    (`PoolProxiedConnection`, whose `dbapi_connection` is the driver's)."""
    return getattr(connection, "dbapi_connection", connection)


def engine_url(url: str) -> str:
    """`url` naming this dialect when it names psycopg's (or no driver); else `url`."""
    for scheme in REPLACES:
        if url.startswith(scheme):
            register()
            return SCHEME + "://" + url.removeprefix(scheme)
    return url


def register() -> None:
    """Make `postgresql+keel://` URLs load `KeelPsycopgDialect` (idempotent)."""
    registry.register(_REGISTERED_AS, __name__, KeelPsycopgDialect.__name__)
