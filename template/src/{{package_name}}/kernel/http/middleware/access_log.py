# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""One structured log line per request: method, path, status, duration, request id, actor.

It logs in `finally`, so a request that fails still gets its line, with the status the
error will be answered with. The line goes through `logging` like any other record
(logger `keel.access`), so any handler, level or filter configured for it applies.
"""

from __future__ import annotations

import logging
from time import perf_counter
from typing import TYPE_CHECKING

from flask import Response
from werkzeug.exceptions import HTTPException

from ..request import Request
from .stack import Handler

if TYPE_CHECKING:
    from flask import Flask

_log = logging.getLogger("keel.access")


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
            if _log.isEnabledFor(logging.INFO):
                # A record from the record factory (`Logger.makeRecord` would walk `extra`
                # key by key; `_log.info` would also look up the caller, which nobody reads).
                record = logging.getLogRecordFactory()(
                    _log.name,
                    logging.INFO,
                    __file__,
                    0,
                    "%s %s %s",
                    (request.method, request.path, status),
                    None,
                )
                record.__dict__.update(
                    method=request.method,
                    path=request.path,
                    status=status,
                    duration_ms=round((perf_counter() - started) * 1000, 3),
                    request_id=request.request_id,
                    actor=str(request.actor),
                )
                _log.handle(record)

    return layer
