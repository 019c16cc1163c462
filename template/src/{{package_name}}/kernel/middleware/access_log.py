"""One structured log line per request: method, path, status, duration, request id, actor.

It logs in `finally`, so a request that fails still gets its line, with the status the
error will be answered with. With the default logging configuration the line goes
straight to Keel's JSON handler (`kernel.logging.direct_handler`): a LogRecord, its
filter and formatter cost several times the rest of the stack. Any other
configuration (`caplog` in tests, another handler) receives a normal record.
"""

from __future__ import annotations

import logging
from logging import INFO
from time import perf_counter
from typing import TYPE_CHECKING

from flask import Response
from werkzeug.exceptions import HTTPException

from ..logging import direct_handler
from ..request import Request
from .stack import Handler

if TYPE_CHECKING:
    from flask import Flask

_NAME = "keel.access"
_log = logging.getLogger(_NAME)
#: The record's own fields, after the standard ones (time, level, logger, message).
_FIELDS = ("method", "path", "status", "duration_ms", "request_id", "actor")


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
                method, path = request.method, request.path
                payload = {
                    "time": "",  # set by the handler
                    "level": "INFO",
                    "logger": _NAME,
                    "message": f"{method} {path} {status}",
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round((perf_counter() - started) * 1000, 3),
                    "request_id": request.request_id,
                    "actor": str(request.actor),
                }
                direct = direct_handler(_log, INFO)
                if direct is not None:
                    direct.write_direct(payload)
                else:
                    # makeRecord + handle: the record `_log.info` builds, without
                    # walking the stack for a caller nobody reads.
                    extra = {key: payload[key] for key in _FIELDS}
                    _log.handle(
                        _log.makeRecord(
                            _NAME, INFO, __file__, 0, payload["message"], (), None, extra=extra
                        )
                    )

    return layer
