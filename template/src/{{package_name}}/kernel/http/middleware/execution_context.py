# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Open the execution context around the rest of the request: one transaction.

Commits when the response is a success; rolls back on an exception or a status of 400
or more (pyramid_tm's rule), so a handled error never half-commits. GET, HEAD and
OPTIONS open a read-only unit of work (`writes=False`: on SQLite no write lock).
"""

from __future__ import annotations

from flask import Flask, Response

from ...data.unit_of_work import open_context
from ..request import Request
from .stack import Handler

#: Methods whose unit of work only reads (RFC 9110 safe methods).
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def execution_context(handler: Handler, app: Flask) -> Handler:
    def layer(request: Request) -> Response:
        with open_context(
            app,
            origin="http",
            actor=request.actor,
            request_id=request.request_id,
            writes=request.method not in READ_ONLY_METHODS,
        ) as ctx:
            request.context = ctx
            response = handler(request)
            if response.status_code >= 400:
                ctx.rollback()
            return response

    return layer
