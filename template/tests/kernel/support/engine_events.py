# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Which connection-level events an engine has listeners for.

With a listener for any of these, SQLAlchemy dispatches its execution events around
every statement of every connection of the engine (146 k to 232 k instructions per
authenticated read, measured), so Keel's dialects do that work in their documented
`do_*` methods instead, and the kernel's engines have none.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

CONNECTION_EVENTS = (
    "engine_connect",
    "before_execute",
    "after_execute",
    "before_cursor_execute",
    "after_cursor_execute",
    "begin",
    "commit",
    "rollback",
)


def connection_listeners(engine: Engine) -> list[str]:
    """The connection-level events `engine` has listeners for (none, for Keel's)."""
    return [name for name in CONNECTION_EVENTS if getattr(engine.dispatch, name)]
