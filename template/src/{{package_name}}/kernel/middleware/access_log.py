"""One structured log line per request: method, path, status, duration, request id, actor.

It logs in `finally`, so a request that fails still gets its line, with the status the
error will be answered with. With the default logging configuration the request only
hands a tuple to Keel's JSON handler (`kernel.logging.direct_handler`), which renders
and writes the line in the next batch, off the request path (`ACCESS_LOG_FLUSH_MS`).
Any other configuration (`caplog` in tests, another handler) receives a normal record,
at once.
"""

from __future__ import annotations

import logging
from logging import INFO
from time import perf_counter, time
from typing import TYPE_CHECKING, Any

import orjson
from flask import Response
from werkzeug.exceptions import HTTPException

from ..logging import direct_handler
from ..request import Request
from .stack import Handler

if TYPE_CHECKING:
    from flask import Flask

_NAME = "keel.access"
_log = logging.getLogger(_NAME)
_dumps = orjson.dumps


def fields(entry: tuple[Any, ...]) -> dict[str, Any]:
    """The record's fields, from what the request handed over (see `access_log`)."""
    _, method, path, status, seconds, request_id, actor = entry
    return {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "request_id": request_id,
        "actor": str(actor),
    }


def render(entry: tuple[Any, ...], timestamp: str) -> bytes:
    """The JSON line Keel's formatter would write for the record `fields(entry)` describes.

    Written out rather than built as a dict for `orjson.dumps`: the batch writer renders
    every line of a busy service, and this costs under half as much. Every value goes
    through `orjson.dumps`, so a hostile path or method is escaped exactly as the
    formatter would escape it; only the keys are literal.
    """
    _, method, path, status, seconds, request_id, actor = entry
    return _LINE % (
        _dumps(timestamp),
        _dumps(f"{method} {path} {status}"),
        _dumps(method),
        _dumps(path),
        status,
        _dumps(round(seconds * 1000, 3)),
        _dumps(request_id),
        _dumps(str(actor)),
    )


_LINE = (
    b'{"time":%s,"level":"INFO","logger":"keel.access","message":%s,"method":%s,'
    b'"path":%s,"status":%d,"duration_ms":%s,"request_id":%s,"actor":%s}\n'
)


def access_log(handler: Handler, app: Flask) -> Handler:
    def layer(request: Request) -> Response:
        started = perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_code
            return response
        except HTTPException as exc:
            status = exc.code or 500
            raise
        finally:
            if _log.isEnabledFor(INFO):
                entry = (
                    time(),
                    request.method,
                    request.path,
                    status,
                    perf_counter() - started,
                    request.request_id,
                    request.actor,
                )
                direct = direct_handler(_log, INFO)
                if direct is not None:
                    direct.write_later(render, entry)
                else:
                    # makeRecord + handle: the record `_log.info` builds, without
                    # walking the stack for a caller nobody reads.
                    extra = fields(entry)
                    message = f"{extra['method']} {extra['path']} {extra['status']}"
                    _log.handle(
                        _log.makeRecord(_NAME, INFO, __file__, 0, message, (), None, extra=extra)
                    )

    return layer
