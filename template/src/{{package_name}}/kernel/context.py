"""One execution context for every entry point: web request, task, command, test.

The context says who acts (`actor`), on whose behalf (`request_id`), from where
(`origin`), and gives the unit of work its database session, clock, settings and a
logger bound to the request id and actor. It is immutable: to act as someone else,
open a new context (or `rebind()` a changed copy for the rest of a block).

`open_context()` is the only way to get one. It pushes the Flask app context (so
Flask-SQLAlchemy behaves the same everywhere), commits when the block succeeds, rolls
back when it raises, runs `on_commit` callbacks only after a successful commit, and
resets the current context when it leaves. Service functions take `ctx` as their first
parameter; code at the edges reaches it with `current_context()`.

Example::

    with open_context(app, origin="cli", actor=SYSTEM) as ctx:
        archive_stale_projects(ctx)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, MutableMapping
from contextlib import AbstractContextManager
from contextvars import ContextVar
from os import urandom
from types import TracebackType
from typing import Any, Literal

from flask import Flask
from flask.ctx import AppContext
from flask.globals import _cv_app
from sqlalchemy.orm import Session

from .actors import ANONYMOUS, Actor
from .clock import SYSTEM_CLOCK, Clock
from .database import db
from .settings import KernelSettings

Origin = Literal["http", "task", "cli", "test"]

_current: ContextVar[ExecutionContext | None] = ContextVar("keel_execution_context", default=None)


class NoContextError(RuntimeError):
    """Code asked for the current context outside `open_context()`."""


class ContextLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger that stamps every record with the context's request id and actor."""

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs


class ExecutionContext:
    """Everything a unit of work needs, passed explicitly. Read-only: `evolve()` a copy.

    A slotted class with read-only properties rather than a frozen dataclass: one is
    built for every request, and a frozen dataclass's `__init__` costs several times as
    much (each field goes through `object.__setattr__`).
    """

    __slots__ = ("_actor", "_clock", "_origin", "_request_id", "_settings", "_work")

    def __init__(
        self,
        actor: Actor,
        request_id: str,
        origin: Origin,
        clock: Clock,
        settings: KernelSettings,
        work: _UnitOfWork,
    ) -> None:
        self._actor = actor
        self._request_id = request_id
        self._origin: Origin = origin
        self._clock = clock
        self._settings = settings
        self._work = work

    @property
    def actor(self) -> Actor:
        """Who acts: a user, the system, or anonymous."""
        return self._actor

    @property
    def request_id(self) -> str:
        """The id that ties together the request, its log lines and the tasks it enqueues."""
        return self._request_id

    @property
    def origin(self) -> Origin:
        """The entry point: "http", "task", "cli" or "test"."""
        return self._origin

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def settings(self) -> KernelSettings:
        return self._settings

    def __repr__(self) -> str:
        return (
            f"ExecutionContext(actor={self._actor!r}, request_id={self._request_id!r}, "
            f"origin={self._origin!r})"
        )

    @property
    def logger(self) -> ContextLogger:
        """A logger whose records carry this context's request id and actor."""
        return ContextLogger(_LOGGER, {"request_id": self.request_id, "actor": str(self.actor)})

    @property
    def session(self) -> Session:
        """The unit of work's database session (Flask-SQLAlchemy's, for this app context)."""
        return self._work.get_session()

    @property
    def has_session(self) -> bool:
        """Whether this unit of work has made its session yet (reading `session` makes it)."""
        return self._work.session is not None

    def rollback(self) -> None:
        """Discard this unit of work without raising (the block then commits nothing).

        Callbacks registered with `on_commit` are dropped too. Prefer this to
        `ctx.session.rollback()`, which leaves them in place.
        """
        self._work.rollback()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit of work has committed; dropped on rollback.

        Use it for side effects other processes observe (enqueueing a task, sending
        mail), so they never see rows that may still roll back.
        """
        self._work.on_commit.append(callback)

    def evolve(
        self,
        *,
        actor: Actor | None = None,
        request_id: str | None = None,
        origin: Origin | None = None,
        clock: Clock | None = None,
    ) -> ExecutionContext:
        """A copy with the given fields changed, sharing this one's session and unit of work."""
        return ExecutionContext(
            self._actor if actor is None else actor,
            self._request_id if request_id is None else request_id,
            self._origin if origin is None else origin,
            self._clock if clock is None else clock,
            self._settings,
            self._work,
        )


def new_request_id() -> str:
    """32 random hex digits (`os.urandom` directly: what `secrets.token_hex` does)."""
    return urandom(16).hex()


def current_context() -> ExecutionContext:
    """The context of the unit of work running now.

    For code at the edges (a marshmallow hook, a log filter); services take `ctx`.
    """
    ctx = _current.get()
    if ctx is None:
        raise NoContextError(
            "No execution context is open. Entry points open one with "
            "`open_context(app, origin=...)`; a service function should take `ctx` as a "
            "parameter instead (see docs/execution-context.md)."
        )
    return ctx


def peek_context() -> ExecutionContext | None:
    """The current context, or None (for logging, which runs everywhere)."""
    return _current.get()


def rebind(ctx: ExecutionContext) -> AbstractContextManager[ExecutionContext]:
    """Make `ctx` (usually `current.evolve(actor=...)`) current for the block."""
    return _Rebind(ctx)


class _Rebind:
    """What `rebind()` returns; a class, as it runs on every authenticated request."""

    __slots__ = ("_ctx", "_token")

    def __init__(self, ctx: ExecutionContext) -> None:
        self._ctx = ctx

    def __enter__(self) -> ExecutionContext:
        self._token = _current.set(self._ctx)
        return self._ctx

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._token)


_LOGGER = logging.getLogger("keel")


def open_context(
    app: Flask,
    *,
    origin: Origin,
    actor: Actor = ANONYMOUS,
    request_id: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> AbstractContextManager[ExecutionContext]:
    """Open the execution context and its transaction around a unit of work.

    Commits when the block succeeds, rolls back when it raises (and re-raises). A block
    that wants to discard its work without raising calls `ctx.rollback()`. Pushes the
    app context unless `app`'s is already current (a request, a test fixture).
    """
    return _UnitOfWork(app, origin, actor, request_id, clock)


class _UnitOfWork:
    """What `open_context()` returns, and the mutable part its contexts share.

    As a context manager it opens the context and ends the unit of work; as the
    context's `_work` (shared with rebound copies) it holds the session, made on first
    use (a request that never touches the database pays nothing for it), and the
    `on_commit` callbacks. A plain class rather than a `@contextmanager` generator and
    a dataclass: it runs on every request, and this costs several times less.
    """

    __slots__ = (
        "_actor",
        "_app",
        "_app_ctx",
        "_clock",
        "_origin",
        "_request_id",
        "_token",
        "on_commit",
        "session",
    )

    def __init__(
        self, app: Flask, origin: Origin, actor: Actor, request_id: str | None, clock: Clock
    ) -> None:
        self._app = app
        self._origin: Origin = origin
        self._actor = actor
        self._request_id = request_id
        self._clock = clock
        self._app_ctx: AppContext | None = None
        self.session: Session | None = None
        self.on_commit: list[Callable[[], None]] = []

    def get_session(self) -> Session:
        if self.session is None:
            self.session = db.session()
        return self.session

    def commit(self) -> None:
        if self.session is not None and self.session.in_transaction():
            self.session.commit()

    def rollback(self) -> None:
        """Discard the work: roll back, and drop what was waiting for a commit."""
        self.on_commit.clear()
        if self.session is not None:
            self.session.rollback()

    def __enter__(self) -> ExecutionContext:
        app = self._app
        ctx = ExecutionContext(
            self._actor,
            self._request_id or new_request_id(),
            self._origin,
            self._clock,
            app.extensions["keel"].settings,
            self,
        )
        current = _cv_app.get(None)
        if current is None or current.app is not app:
            self._app_ctx = app.app_context()
            self._app_ctx.push()
        self._token = _current.set(ctx)
        return ctx

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None and self.session is None and self._app_ctx is None:
            # Nothing was read or written (a probe, an answer from memory): no
            # transaction to end, no session to remove, no app context to pop.
            _current.reset(self._token)
            for callback in self.on_commit:
                callback()
            return
        try:
            try:
                if exc is not None:
                    self.rollback()
                else:
                    try:
                        self.commit()
                    except BaseException:
                        self.rollback()
                        raise
            finally:
                _current.reset(self._token)
                if self.session is not None:
                    db.session.remove()
            if exc is None:
                for callback in self.on_commit:
                    callback()
        except BaseException as error:
            if self._app_ctx is not None:
                self._app_ctx.pop(error)
            raise
        if self._app_ctx is not None:
            self._app_ctx.pop(exc)


def context_fields() -> Mapping[str, str]:
    """`request_id` and `actor` of the current context, for log records."""
    ctx = _current.get()
    if ctx is None:
        return {}
    return {"request_id": ctx.request_id, "actor": str(ctx.actor)}
