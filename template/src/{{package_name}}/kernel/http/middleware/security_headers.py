# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Security headers on every response, errors included (chosen before the call).

The layer chooses the set for the request, before anything below can fail: the
constant headers, plus Strict-Transport-Security on HTTPS requests (as seen through
the trusted proxies; a JSON API does not redirect HTTP to HTTPS, ASVS 4.1.2, it just
never tells a plain-HTTP client to pin itself). `SecurityHeadersEdge`, the WSGI
wrapper closest to Flask, adds the chosen set to whatever response leaves, except
the headers the response already has (the API docs page sets its own CSP). The sets
are constants that werkzeug checks once, at import, so a request pays for none of
its per-header checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response
from werkzeug.datastructures import Headers

from ..request import Request
from .stack import Handler

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
HSTS = "max-age=31536000; includeSubDomains"

#: The WSGI environ key through which the layer hands its choice to the edge.
ENVIRON_KEY = "keel.security_headers"
#: A chosen set: (lowercase name, name, value), validated by werkzeug's `Headers`.
HeaderSet = tuple[tuple[str, str, str], ...]


def _header_set(headers: dict[str, str]) -> HeaderSet:
    return tuple((name.lower(), name, value) for name, value in Headers(headers).items())


PLAIN_HTTP: HeaderSet = _header_set(HEADERS)
HTTPS: HeaderSet = _header_set({**HEADERS, "Strict-Transport-Security": HSTS})


def security_headers(handler: Handler, app: Flask) -> Handler:
    def layer(request: Request) -> Response:
        request.environ[ENVIRON_KEY] = HTTPS if request.is_secure else PLAIN_HTTP
        return handler(request)

    return layer


class SecurityHeadersEdge:
    """WSGI middleware: the chosen set, added to the response's own headers (PEP 3333)."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            chosen: HeaderSet | None = environ.get(ENVIRON_KEY)
            if chosen:
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for low, name, value in chosen if low not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)
