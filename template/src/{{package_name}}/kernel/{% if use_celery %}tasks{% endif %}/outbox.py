# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The transactional outbox: how a task message gets from a commit to the broker.

`enqueue` writes the message as a `task_outbox` row in the caller's unit of work, so a
committed row never promises a task that does not exist, and a rolled-back one sends
nothing. After the commit, `OutboxSender.after_commit` hands it to the broker once,
without retrying: a broker that is down or unreachable costs the request at most
`CELERY_BROKER_TIMEOUT`, is logged, and the message stays pending. For the next
`CELERY_OUTBOX_RELAY_INTERVAL` seconds that process leaves new messages to the relay
instead of waiting on the broker again.

The relay (`OutboxSender.relay`) sends the pending messages: every worker runs it each
interval in a thread of its own (`OutboxRelay`, a worker bootstep), and
`flask tasks relay` runs it once. Two relays may send one message twice, and a send
may succeed while its row is not marked: the worker makes that harmless. Each message's
id is its row's id; the worker marks the row done in the task's own transaction
(`finish_delivery`), and a delivery whose row is already done is skipped
(`begin_delivery`). So a task runs once, as far as its database work goes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from celery import Celery, bootsteps
from flask import Flask

from ..core.actors import SYSTEM
from ..core.context import ExecutionContext
from ..core.state import kernel_state
from ..data.outbox import TaskOutbox
from ..data.unit_of_work import open_context
from .settings import CelerySettings

_log = logging.getLogger("keel.tasks.outbox")

#: Publish options that are relative to the moment of sending: made absolute when the
#: message is written, so a message the relay sends late keeps its schedule.
_RELATIVE = {"countdown": "eta", "expires": "expires"}
_ABSOLUTE = ("eta", "expires")
#: How often a worker's relay deletes old rows (seconds).
PURGE_EVERY = 3600.0


@dataclass(frozen=True, slots=True)
class Message:
    """One task message, as the outbox row keeps it."""

    id: str
    task: str
    args: list[Any]
    kwargs: dict[str, Any]
    headers: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        task_id: str,
        task: str,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        headers: Mapping[str, Any],
        options: Mapping[str, Any],
        now: datetime,
    ) -> Message:
        stored: dict[str, Any] = {}
        for name, value in options.items():
            if name in _RELATIVE and isinstance(value, int | float):
                stored[_RELATIVE[name]] = (now + timedelta(seconds=value)).isoformat()
            elif isinstance(value, datetime):
                stored[name] = value.isoformat()
            else:
                stored[name] = value
        return cls(task_id, task, list(args), dict(kwargs), dict(headers), stored)

    def payload(self) -> dict[str, Any]:
        return {
            "args": self.args,
            "kwargs": self.kwargs,
            "headers": self.headers,
            "options": self.options,
        }

    @classmethod
    def from_row(cls, task_id: str, task: str, payload: Mapping[str, Any]) -> Message:
        return cls(
            task_id,
            task,
            list(payload.get("args", [])),
            dict(payload.get("kwargs", {})),
            dict(payload.get("headers", {})),
            dict(payload.get("options", {})),
        )

    def publish_options(self) -> dict[str, Any]:
        options = dict(self.options)
        for name in _ABSOLUTE:
            if isinstance(options.get(name), str):
                options[name] = datetime.fromisoformat(options[name])
        return options


@dataclass(frozen=True, slots=True)
class RelayResult:
    """What one sweep did: messages sent, messages whose send failed."""

    sent: int
    failed: int


def write_message(ctx: ExecutionContext, message: Message) -> TaskOutbox:
    """Add `message` to `ctx`'s unit of work: committed with the rows, or not at all."""
    row = TaskOutbox(
        id=message.id,
        task=message.task,
        payload=message.payload(),
        created_at=ctx.clock.now(),
        attempts=0,
    )
    ctx.session.add(row)
    return row


def begin_delivery(ctx: ExecutionContext, task_id: str | None) -> bool | None:
    """On the worker, before the task: None when no outbox row tracks this message (beat,
    a retry's row was purged, a hand-made message), False when its row is done already
    (a second delivery: skip it), True otherwise."""
    if not task_id:
        return None
    done = ctx.session.execute(
        sa.select(TaskOutbox.done_at).where(TaskOutbox.id == task_id)
    ).first()
    if done is None:
        return None
    return done.done_at is None


def finish_delivery(ctx: ExecutionContext, task_id: str) -> bool:
    """Mark the row done in the task's transaction; False when another delivery of the
    same message committed first (this one must then be rolled back)."""
    result = ctx.session.execute(
        sa.update(TaskOutbox)
        .where(TaskOutbox.id == task_id, TaskOutbox.done_at.is_(None))
        .values(done_at=ctx.clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


class OutboxSender:
    """Sends outbox messages for one app: after each commit, and from the relay."""

    def __init__(self, app: Flask, celery: Celery, settings: CelerySettings) -> None:
        self.app = app
        self.celery = celery
        self.interval = settings.CELERY_OUTBOX_RELAY_INTERVAL
        self.retention = settings.CELERY_OUTBOX_RETENTION
        self._paused_until = 0.0

    # After a commit ---------------------------------------------------------------------

    def after_commit(self, message: Message) -> None:
        """Send a message whose row was just committed; on failure leave it to the relay.

        Never raises for the broker: the request's work is committed, and the message
        with it. An eager app (tests) runs the task here, and its errors do raise.
        """
        if self.celery.conf.task_always_eager:
            self._mark_sent([message.id])
            self._publish(message, retry=False)
            return
        if time.monotonic() < self._paused_until:
            _log.info(
                "task %s left in the outbox: the broker failed moments ago; the relay will send it",
                message.task,
                extra={"task_id": message.id},
            )
            return
        try:
            self._publish(message, retry=False)
        except Exception as exc:  # noqa: BLE001 - kombu, redis, OS errors: all mean the same
            self._paused_until = time.monotonic() + self.interval
            _log.warning(
                "task %s not sent (%s; is the broker CELERY_BROKER_URL=%s running?); it "
                "stays in the outbox and the relay will send it",
                message.task,
                _reason(exc),
                _redact(str(self.celery.conf.broker_url)),
                extra={"task_id": message.id},
            )
            self._record_failure(message.id, exc)
            return
        _log.info("published task %s", message.task, extra={"task_id": message.id})
        self._mark_sent([message.id])

    # The relay ----------------------------------------------------------------------------

    def relay(self, *, older_than: float | None = None, limit: int = 500) -> RelayResult:
        """Send the pending messages written at least `older_than` seconds ago (default:
        the relay interval, so a message whose after-commit send is still in flight is
        left alone). Stops at the first broker failure: the rest would fail too."""
        wait = self.interval if older_than is None else older_than
        with open_context(self.app, origin="task", actor=SYSTEM, writes=False) as ctx:
            cutoff = ctx.clock.now() - timedelta(seconds=wait)
            rows = ctx.session.execute(
                sa.select(TaskOutbox.id, TaskOutbox.task, TaskOutbox.payload)
                .where(TaskOutbox.sent_at.is_(None), TaskOutbox.created_at <= cutoff)
                .order_by(TaskOutbox.created_at)
                .limit(limit)
            ).all()
        messages = [Message.from_row(row.id, row.task, row.payload) for row in rows]
        sent: list[str] = []
        failed = 0
        for index, message in enumerate(messages):
            try:
                self._publish(message, retry=True)
            except LookupError as exc:  # the task is no longer installed: skip this one
                failed += 1
                self._record_failure(message.id, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - any broker error: the broker is down
                failed += len(messages) - index
                _log.warning(
                    "outbox relay: the broker refused task %s (%s); %d message(s) wait",
                    message.task,
                    _reason(exc),
                    len(messages) - index,
                    extra={"task_id": message.id},
                )
                self._record_failure(message.id, exc)
                break
            sent.append(message.id)
        if sent:
            self._mark_sent(sent)
            self._paused_until = 0.0  # the broker is back: send after each commit again
            _log.info("outbox relay: sent %d message(s)", len(sent))
        return RelayResult(len(sent), failed)

    def purge(self) -> int:
        """Delete the rows sent more than `CELERY_OUTBOX_RETENTION` seconds ago."""
        with open_context(self.app, origin="task", actor=SYSTEM) as ctx:
            cutoff = ctx.clock.now() - timedelta(seconds=self.retention)
            result = ctx.session.execute(
                sa.delete(TaskOutbox)
                .where(TaskOutbox.sent_at < cutoff)
                .execution_options(synchronize_session=False)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def run_relay(self, stop: threading.Event) -> None:
        """The worker's relay loop: a sweep now and every interval until `stop` is set."""
        last_purge = float("-inf")
        while not stop.is_set():
            try:
                self.relay()
                if time.monotonic() - last_purge >= PURGE_EVERY:
                    self.purge()
                    last_purge = time.monotonic()
            except Exception:  # noqa: BLE001 - the database may be down too: next time
                _log.exception("outbox relay: the sweep failed")
            stop.wait(self.interval)

    # Helpers ------------------------------------------------------------------------------

    def _publish(self, message: Message, *, retry: bool) -> None:
        task = self.celery.tasks.get(message.task)
        if task is None:
            raise LookupError(f"task {message.task} is not installed in this service")
        task.apply_async(
            tuple(message.args),
            message.kwargs,
            task_id=message.id,
            headers=message.headers,
            retry=retry,
            **message.publish_options(),
        )

    def _mark_sent(self, ids: list[str]) -> None:
        try:
            with open_context(self.app, origin="task", actor=SYSTEM) as ctx:
                ctx.session.execute(
                    sa.update(TaskOutbox)
                    .where(TaskOutbox.id.in_(ids))
                    .values(sent_at=ctx.clock.now())
                    .execution_options(synchronize_session=False)
                )
        except Exception as exc:  # noqa: BLE001 - sent, not marked: resent, then skipped
            _log.warning("outbox: sent messages not marked (%s)", _reason(exc))

    def _record_failure(self, task_id: str, exc: BaseException) -> None:
        try:
            with open_context(self.app, origin="task", actor=SYSTEM) as ctx:
                ctx.session.execute(
                    sa.update(TaskOutbox)
                    .where(TaskOutbox.id == task_id)
                    .values(attempts=TaskOutbox.attempts + 1, last_error=_reason(exc))
                    .execution_options(synchronize_session=False)
                )
        except Exception as error:  # noqa: BLE001 - the row stays pending all the same
            _log.warning("outbox: failed send not recorded (%s)", _reason(error))


def outbox_of(app: Flask) -> OutboxSender:
    """The outbox sender `create_app()` built for `app`."""
    return kernel_state(app).get(OutboxSender)


class OutboxRelay(bootsteps.StartStopStep):  # type: ignore[misc]  # Celery ships no type hints
    """A worker bootstep: the relay runs in a thread of the worker's main process.

    A thread, not the worker's timer: with Redis the timer shares the event loop that
    consumes tasks, and a sweep waiting on a dead broker would stall it.
    """

    label = "Keel outbox relay"

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, parent: Any) -> None:
        flask_app = getattr(parent.app, "flask_app", None)
        if not isinstance(flask_app, Flask):
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=outbox_of(flask_app).run_relay,
            args=(self._stop,),
            name="keel-outbox-relay",
            daemon=True,
        )
        self._thread.start()

    def stop(self, parent: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
