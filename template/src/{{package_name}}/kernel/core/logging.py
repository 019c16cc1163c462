# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Structured logging: one JSON object per line, stamped with request id and actor.

`configure_logging()` (called by `create_app()`) installs one ordinary stderr handler
on the root logger. Its filter reads the current execution context, so every log line
written during a request or task carries its request id and actor, whichever logger
wrote it; the access log is one such line per request (logger `keel.access`).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

from .context import context_fields
from .settings import KernelSettings

_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_MARK = "_keel_handler"


class ContextFilter(logging.Filter):
    """Adds `request_id` and `actor` from the current context when the record lacks them."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = record.__dict__
        if "request_id" not in fields or "actor" not in fields:  # the access log has both
            for key, value in context_fields().items():
                fields.setdefault(key, value)
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
        reserved = _RESERVED
        for key, value in record.__dict__.items():  # the record's extra fields, in order
            if key not in reserved and key[0] != "_":
                payload[key] = value
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


class _StderrHandler(logging.Handler):
    """Writes each record as one line to whatever `sys.stderr` is now (test runners swap it).

    A line-buffered stream (the real stderr always is) writes the line out by itself, so
    only another stream is flushed after each record.
    """

    terminator = "\n"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + self.terminator)
            if not getattr(stream, "line_buffering", False):
                stream.flush()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging's contract: report, never raise
            self.handleError(record)


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
