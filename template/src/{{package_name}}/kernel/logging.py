"""Structured logging: one JSON object per line, stamped with request id and actor.

The filter reads the current execution context, so every log line written during a
request or task carries its request id and actor, whichever logger wrote it.

The access log writes one line per request, so it has a direct path: when the record
would only reach Keel's own JSON handler unchanged (the default configuration), the
line is serialized and written straight away, skipping the LogRecord, the filter and
the formatter, with the same fields and format. Any other configuration (another
handler or filter, the text format, pytest's `caplog`) gets a real LogRecord.
"""

from __future__ import annotations

import logging
import sys
import time
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

    _second = -1
    _stamp = ""
    _milli = -1
    _stamp_milli = ""

    def timestamp(self, created: float) -> str:
        """ISO 8601 UTC to the millisecond; the date is formatted once per second."""
        milli = int(created * 1000)
        if milli != self._milli:
            second, fraction = divmod(milli, 1000)
            if second != self._second:
                self._second = second
                self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._milli = milli
            self._stamp_milli = f"{self._stamp}.{fraction:03d}Z"
        return self._stamp_milli

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

    def write_direct(self, payload: dict[str, Any]) -> None:
        """Write `payload` as the line `handle` would write for the same record.

        `payload` holds `level`, `logger`, `message` and the record's fields, with
        `request_id` and `actor` (what the filter would add); `time` is set here. Only
        for a caller that checked `direct_handler()` first.
        """
        created = time.time()
        try:
            payload["time"] = self.formatter.timestamp(created)  # type: ignore[union-attr]
            line = orjson.dumps(payload, default=str, option=orjson.OPT_APPEND_NEWLINE)
            with self.lock:  # type: ignore[union-attr]
                stream = sys.stderr
                stream.write(line.decode())
                stream.flush()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging never breaks the request
            fields = {"name": payload.get("logger"), "msg": payload.get("message")}
            self.handleError(logging.makeLogRecord({**payload, **fields, "created": created}))


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
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    setattr(handler, _MARK, True)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if settings.LOG_FORMAT == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(settings.LOG_LEVEL)
