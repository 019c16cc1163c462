# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The WSGI wrapper closest to Flask: the headers the kernel's layers chose, on every response.

Two kernel layers decide a response header before anything below them can fail:
`request_id` (X-Request-ID) and `security_headers` (the set for HTTP or HTTPS). They
hand their choice over in the WSGI environ, and `KernelHeadersEdge` adds it to whatever
response leaves Flask, errors included, except the headers the response already has
(the API docs page sets its own CSP). Every value is checked where it is made: the
security sets are constants werkzeug validated at import, a request id is hex or
matched `[A-Za-z0-9._:-]{8,128}`. So the edge appends plain tuples to the header list,
as PEP 3333 allows, and no response pays werkzeug's per-header checks for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: The request id the `request_id` layer chose (a str).
REQUEST_ID_KEY = "keel.request_id"
#: The security headers the `security_headers` layer chose (a `HeaderSet`).
SECURITY_HEADERS_KEY = "keel.security_headers"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_LOWER = REQUEST_ID_HEADER.lower()

#: A chosen set of headers: (lowercase name, name, value), already validated.
HeaderSet = tuple[tuple[str, str, str], ...]


class KernelHeadersEdge:
    """WSGI middleware: the chosen headers, added to the response's own (PEP 3333)."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            chosen: HeaderSet | None = environ.get(SECURITY_HEADERS_KEY)
            request_id: str | None = environ.get(REQUEST_ID_KEY)
            if chosen or request_id:
                present = {name.lower() for name, _ in headers}
                if request_id and _REQUEST_ID_LOWER not in present:
                    headers.append((REQUEST_ID_HEADER, request_id))
                if chosen:
                    headers.extend((n, v) for low, n, v in chosen if low not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)
