# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Give every request an id: the caller's `X-Request-ID` when well-formed, a new one otherwise.

The id is returned in the `X-Request-ID` response header (errors included), stamped on
every log line of the request, and carried into the tasks it enqueues.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask import Response

from ...core.context import new_request_id
from ..edge import REQUEST_ID_HEADER, REQUEST_ID_KEY
from ..request import Request
from .stack import Handler

if TYPE_CHECKING:
    from flask import Flask

HEADER = REQUEST_ID_HEADER
#: Letters, digits and `-_.:`, 8 to 128 characters: enough for UUIDs and trace ids,
#: nothing that could forge a log line or a header.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:\-]{8,128}")


#: The WSGI environ key of `HEADER`: read directly, werkzeug's header lookup says the same.
_ENVIRON_KEY = "HTTP_X_REQUEST_ID"


def request_id(handler: Handler, app: Flask) -> Handler:
    well_formed = _WELL_FORMED.fullmatch

    def layer(request: Request) -> Response:
        incoming = request.environ.get(_ENVIRON_KEY)
        rid = incoming if incoming and well_formed(incoming) else new_request_id()
        request.request_id = rid
        request.environ[REQUEST_ID_KEY] = rid  # the edge (kernel/http/edge.py) sends it
        return handler(request)

    return layer
