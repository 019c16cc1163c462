# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""`open_context()`: the execution context and its transaction, around one unit of work.

It pushes the Flask app context (so Flask-SQLAlchemy behaves the same everywhere),
commits when the block succeeds, rolls back when it raises, runs `on_commit` callbacks
only after a successful commit, and resets the current context when it leaves.

Example::

    with open_context(app, origin="cli", actor=SYSTEM) as ctx:
        archive_stale_projects(ctx)
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import Token
from types import TracebackType

from flask import Flask, current_app, has_app_context
from flask.ctx import AppContext
from sqlalchemy.orm import Session

from ..core.actors import ANONYMOUS, Actor
from ..core.clock import SYSTEM_CLOCK, Clock
from ..core.context import ExecutionContext, Origin, activate, deactivate, new_request_id
from ..core.state import kernel_state
from .database import AUTOCOMMIT_READ, begin_read, db
from .deadlines import STATEMENT_TIMEOUT
from .sqlite_dialect import WRITE_INTENT


def open_context(
    app: Flask,
    *,
    origin: Origin,
    actor: Actor = ANONYMOUS,
    request_id: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
    writes: bool = True,
) -> AbstractContextManager[ExecutionContext]:
    """Open the execution context and its transaction around a unit of work.

    Commits when the block succeeds, rolls back when it raises (and re-raises). A block
    that wants to discard its work without raising calls `ctx.rollback()`. Pushes the
    app context unless `app`'s is already current (a request, a test fixture).
    `writes=False` says the unit of work only reads (the HTTP layer passes it for GET,
    HEAD and OPTIONS): with DATABASE_AUTOCOMMIT_READS on (the default) it sends no
    BEGIN or COMMIT, each statement seeing what was committed when it started, and an
    ORM write in it is refused; otherwise it is one transaction that on SQLite does not
    take the write lock. An HTTP unit of work bounds each PostgreSQL statement by
    DATABASE_STATEMENT_TIMEOUT; tasks, commands and tests are not bounded.
    """
    return OpenUnitOfWork(app, origin, actor, request_id, clock, writes)


class OpenUnitOfWork:
    """What `open_context()` returns, and the unit of work its contexts share.

    The session is made on first use, so a request that never touches the database
    pays nothing for it.
    """

    __slots__ = (
        "_actor",
        "_app",
        "_app_ctx",
        "_callbacks",
        "_clock",
        "_origin",
        "_request_id",
        "_session",
        "_timeout_token",
        "_token",
        "_write_token",
        "_writes",
    )

    def __init__(
        self,
        app: Flask,
        origin: Origin,
        actor: Actor,
        request_id: str | None,
        clock: Clock,
        writes: bool = True,
    ) -> None:
        self._app = app
        self._origin: Origin = origin
        self._actor = actor
        self._request_id = request_id
        self._clock = clock
        self._app_ctx: AppContext | None = None
        self._session: Session | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._token: Token[ExecutionContext | None] | None = None
        self._writes = writes
        self._write_token: Token[bool] | None = None
        self._timeout_token: Token[float] | None = None

    # The UnitOfWork protocol (kernel/core/context.py) -----------------------------------

    @property
    def session(self) -> Session:
        if self._session is None:
            session = self._session = db.session()
            if not self._writes:
                begin_read(session, kernel_state(self._app).settings)
        return self._session

    @property
    def has_session(self) -> bool:
        return self._session is not None

    def rollback(self) -> None:
        """Discard the work: roll back, and drop what was waiting for a commit."""
        self._callbacks.clear()
        if self._session is not None:
            self._session.rollback()

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    # The context manager -------------------------------------------------------------

    def __enter__(self) -> ExecutionContext:
        app = self._app
        ctx = ExecutionContext(
            self._actor,
            self._request_id or new_request_id(),
            self._origin,
            self._clock,
            kernel_state(app).settings,
            self,
        )
        if not has_app_context() or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            self._app_ctx = app.app_context()
            self._app_ctx.push()
        self._token = activate(ctx)
        self._write_token = WRITE_INTENT.set(self._writes)
        if self._origin == "http":
            self._timeout_token = STATEMENT_TIMEOUT.set(ctx.settings.DATABASE_STATEMENT_TIMEOUT)
        return ctx

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            try:
                if exc is not None:
                    self.rollback()
                else:
                    self._commit()
            finally:
                if self._token is not None:
                    deactivate(self._token)
                if self._session is not None:
                    db.session.remove()
                if self._write_token is not None:
                    WRITE_INTENT.reset(self._write_token)
                if self._timeout_token is not None:
                    STATEMENT_TIMEOUT.reset(self._timeout_token)
            if exc is None:
                for callback in self._callbacks:
                    callback()
        except BaseException as error:
            if self._app_ctx is not None:
                self._app_ctx.pop(error)
            raise
        if self._app_ctx is not None:
            self._app_ctx.pop(exc)

    def _commit(self) -> None:
        session = self._session
        if session is None or not session.in_transaction():
            return
        if session.info.get(AUTOCOMMIT_READ):
            # Each statement committed as it ran and ORM writes were refused: there is
            # nothing to commit, and closing the session (`db.session.remove()`) ends it.
            return
        try:
            session.commit()
        except BaseException:
            self.rollback()
            raise
