"""Structured logging: one JSON object per line, stamped with request id and actor.

The filter reads the current execution context, so every log line written during a
request or task carries its request id and actor, whichever logger wrote it.

The access log writes one line per request, so it has a direct path: when the record
would only reach Keel's own JSON handler unchanged (the default configuration), the
request hands over a tuple and the line is rendered, serialized and written later, in
a batch, by a background thread (`ACCESS_LOG_FLUSH_MS` apart at most; nginx's
`access_log ... buffer= flush=`), with the same fields and format a LogRecord would
give. Batches are written in order, flushed at exit and before a fork, and a request
writes the batch itself when the writer falls behind, so memory stays bounded. Any
other configuration (another handler or filter, the text format, pytest's `caplog`)
gets a real LogRecord, at once.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson

from .context import context_fields
from .settings import KernelSettings

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_MARK = "_keel_handler"


class ContextFilter(logging.Filter):
    """Adds `request_id` and `actor` from the current context when the record lacks them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in context_fields().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record; cheap enough for an access log line per request."""

    #: (millisecond, its stamp) and (second, its date): one tuple each, replaced whole,
    #: so threads formatting at once never pair one value with another's stamp.
    _last_milli: tuple[int, str] = (-1, "")
    _last_second: tuple[int, str] = (-1, "")

    def timestamp(self, created: float) -> str:
        """ISO 8601 UTC to the millisecond; the date is formatted once per second."""
        milli = int(created * 1000)
        cached_milli, stamp = self._last_milli
        if milli == cached_milli:
            return stamp
        second, fraction = divmod(milli, 1000)
        cached_second, date = self._last_second
        if second != cached_second:
            date = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._last_second = (second, date)
        stamp = f"{date}.{fraction:03d}Z"
        self._last_milli = (milli, stamp)
        return stamp

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in record.__dict__.keys() - _RESERVED:
            if not key.startswith("_"):
                payload[key] = record.__dict__[key]
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s %(actor)s] %(message)s"
        )

    def format(self, record: logging.LogRecord) -> str:
        record.__dict__.setdefault("request_id", "-")
        record.__dict__.setdefault("actor", "-")
        return super().format(record)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass

    def write_later(self, render: Render, entry: tuple[Any, ...]) -> None:
        """Write the line `render` makes of `entry`, in the next batch or (no batching) now.

        `entry[0]` is the epoch time the line is stamped with. `render(entry, stamp)`
        returns the line, as the JSON formatter would write the record (request id and
        actor included, which the filter would add). Only for a caller that checked
        `direct_handler()` first.
        """
        if _LINES.interval > 0:
            _LINES.append(self, render, entry)
        else:
            self.write_rendered([(render, entry)])

    def write_rendered(self, items: list[tuple[Render, tuple[Any, ...]]]) -> None:
        """Render the lines and write them with one write and one flush."""
        timestamp = self.formatter.timestamp  # type: ignore[union-attr]
        lines = []
        for render, entry in items:
            try:
                lines.append(render(entry, timestamp(entry[0])))
            except Exception:  # noqa: BLE001 - one bad line, not the batch
                self.handleError(logging.makeLogRecord({"msg": f"unrenderable line {entry!r}"}))
        if not lines:
            return
        try:
            text = b"".join(lines).decode()
            with self.lock:  # type: ignore[union-attr]
                stream = sys.stderr
                stream.write(text)
                stream.flush()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging never breaks the request
            self.handleError(logging.makeLogRecord({"msg": f"{len(lines)} lines lost"}))


#: Makes one JSON line (bytes, newline included) of what a request handed over and
#: the line's timestamp text (see `write_later`).
Render = Callable[[tuple[Any, ...], str], bytes]


class _DeferredLines:
    """The lines handed to `write_later`, written in order by one background thread.

    A request appends a tuple (a deque append is atomic); the writer wakes every
    `interval` seconds and renders, serializes and writes everything pending in one
    write. One writer per process: it is started on first use, so a forked worker
    starts its own, and the parent's pending lines are written before the fork.
    """

    #: A request that finds this many lines pending writes them itself (backpressure).
    MAX_PENDING = 4096

    def __init__(self) -> None:
        self.interval = 0.0
        self._pending: deque[tuple[_StderrHandler, Render, tuple[Any, ...]]] = deque()
        self._drain = threading.Lock()  # one writer at a time keeps the lines in order
        self._start = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def append(self, handler: _StderrHandler, render: Render, entry: tuple[Any, ...]) -> None:
        self._pending.append((handler, render, entry))
        if self._thread is None:
            self._start_writer()
        if len(self._pending) >= self.MAX_PENDING:
            self.flush()

    def flush(self) -> None:
        """Write every pending line now (the writer's loop, exit, fork, tests)."""
        pending = self._pending
        with self._drain:
            while pending:
                handler = pending[0][0]
                items = []
                while pending and pending[0][0] is handler:
                    _, render, entry = pending.popleft()
                    items.append((render, entry))
                handler.write_rendered(items)

    def _start_writer(self) -> None:
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="keel-access-log", daemon=True
                )
                self._thread.start()

    def set_interval(self, seconds: float) -> None:
        """Batch lines `seconds` apart from now on (0: no batching); wakes the writer."""
        self.interval = seconds
        self._wake.set()  # a writer asleep for the old interval starts over

    def _run(self) -> None:
        while True:
            if self._wake.wait(self.interval or 0.2):
                # The interval changed: what is pending waits the new one, from now.
                self._wake.clear()
                continue
            with contextlib.suppress(Exception):  # the writer outlives a failed batch
                self.flush()

    def _after_fork_in_child(self) -> None:
        self._pending.clear()  # written by the parent before the fork
        self._drain = threading.Lock()
        self._start = threading.Lock()
        self._wake = threading.Event()
        self._thread = None


_LINES = _DeferredLines()
atexit.register(_LINES.flush)
os.register_at_fork(before=_LINES.flush, after_in_child=_LINES._after_fork_in_child)


def flush_logs() -> None:
    """Write the access-log lines still waiting for their batch (tests, shutdown hooks)."""
    _LINES.flush()


_DEFAULT_RECORD_FACTORY = logging.getLogRecordFactory()


def direct_handler(logger: logging.Logger, levelno: int) -> _StderrHandler | None:
    """Keel's JSON handler, when it is all a record of `logger` would meet; else None.

    That is: the default record factory, no filter on `logger`, no handler on the way
    up but Keel's, which has its JSON formatter, its context filter and no higher
    level. Checked per call (a few attribute reads), so reconfiguring logging at any
    time, or capturing it in a test, takes effect at once.
    """
    if logger.filters or logging.getLogRecordFactory() is not _DEFAULT_RECORD_FACTORY:
        return None
    found: logging.Handler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        handlers = current.handlers
        if handlers:
            if found is not None or len(handlers) != 1:
                return None
            found = handlers[0]
        current = current.parent if current.propagate else None
    if (
        type(found) is not _StderrHandler
        or found.level > levelno
        or type(found.formatter) is not JsonFormatter
        or len(found.filters) != 1
        or type(found.filters[0]) is not ContextFilter
        or found.terminator != "\n"
    ):
        return None
    return found


def configure_logging(settings: KernelSettings) -> None:
    """Install one stderr handler on the root logger; idempotent across app instances."""
    root = logging.getLogger()
    flush_logs()  # lines still waiting go out through the handler they were given to
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    setattr(handler, _MARK, True)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if settings.LOG_FORMAT == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(settings.LOG_LEVEL)
    _LINES.set_interval(settings.ACCESS_LOG_FLUSH_MS / 1000)
