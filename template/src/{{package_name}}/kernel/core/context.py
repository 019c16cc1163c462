# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""One execution context for every entry point: web request, task, command, test.

The context says who acts (`actor`), on whose behalf (`request_id`), from where
(`origin`), and gives the unit of work its database session, clock, settings and a
logger bound to the request id and actor. It is immutable: to act as someone else,
`rebind()` a changed copy (`ctx.evolve(actor=...)`) for the rest of a block.

This module holds the context itself and which one is current; the unit of work behind
it (session, transaction, `on_commit`) is opened by `open_context()` in
kernel/data/unit_of_work.py, the only way to get one. Service functions take `ctx` as
their first parameter; code at the edges reaches it with `current_context()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, MutableMapping
from contextlib import AbstractContextManager
from contextvars import ContextVar, Token
from os import urandom
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

from .actors import Actor
from .clock import Clock
from .settings import KernelSettings

Origin = Literal["http", "task", "cli", "test"]

_current: ContextVar[ExecutionContext | None] = ContextVar("keel_execution_context", default=None)


class UnitOfWork(Protocol):
    """The mutable part a context and its rebound copies share (kernel/data/unit_of_work.py)."""

    @property
    def session(self) -> Session:
        """The unit of work's session, made on first use."""

    @property
    def has_session(self) -> bool:
        """Whether the session has been made."""

    def rollback(self) -> None:
        """Discard the work and the callbacks waiting for the commit."""

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` after the commit."""


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
        work: UnitOfWork,
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
        return self._work.session

    @property
    def has_session(self) -> bool:
        """Whether this unit of work has made its session yet (reading `session` makes it)."""
        return self._work.has_session

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
        self._work.on_commit(callback)

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


def rebind(ctx: ExecutionContext) -> AbstractContextManager[ExecutionContext]:
    """Make `ctx` (usually `current.evolve(actor=...)`) current for the block."""
    return _Rebind(ctx)


class _Rebind:
    """What `rebind()` returns; a class, as it runs on every authenticated request."""

    __slots__ = ("_ctx", "_token")

    def __init__(self, ctx: ExecutionContext) -> None:
        self._ctx = ctx

    def __enter__(self) -> ExecutionContext:
        self._token = activate(self._ctx)
        return self._ctx

    def __exit__(self, *exc_info: object) -> None:
        deactivate(self._token)


_LOGGER = logging.getLogger("keel")


def activate(ctx: ExecutionContext) -> Token[ExecutionContext | None]:
    """Make `ctx` current; the unit of work that opened it calls `deactivate` after."""
    return _current.set(ctx)


def deactivate(token: Token[ExecutionContext | None]) -> None:
    """Restore the context that was current before `activate`."""
    _current.reset(token)


def context_fields() -> Mapping[str, str]:
    """`request_id` and `actor` of the current context, for log records."""
    ctx = _current.get()
    if ctx is None:
        return {}
    return {"request_id": ctx.request_id, "actor": str(ctx.actor)}
