# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Security headers on every response, errors included (chosen before the call).

The layer chooses the set for the request, before anything below can fail: the
constant headers, plus Strict-Transport-Security on HTTPS requests (as seen through
the trusted proxies; a JSON API does not redirect HTTP to HTTPS, ASVS 4.1.2, it just
never tells a plain-HTTP client to pin itself). The WSGI wrapper closest to Flask
(`KernelHeadersEdge`, kernel/http/edge.py) adds the chosen set to whatever response
leaves, except the headers the response already has (the API docs page sets its own
CSP). The sets are constants that werkzeug checks once, at import, so a request pays
for none of its per-header checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response
from werkzeug.datastructures import Headers

from ..edge import SECURITY_HEADERS_KEY, HeaderSet
from ..request import Request
from .stack import Handler

if TYPE_CHECKING:
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


def _header_set(headers: dict[str, str]) -> HeaderSet:
    return tuple((name.lower(), name, value) for name, value in Headers(headers).items())


PLAIN_HTTP: HeaderSet = _header_set(HEADERS)
HTTPS: HeaderSet = _header_set({**HEADERS, "Strict-Transport-Security": HSTS})


def security_headers(handler: Handler, app: Flask) -> Handler:
    def layer(request: Request) -> Response:
        request.environ[SECURITY_HEADERS_KEY] = HTTPS if request.is_secure else PLAIN_HTTP
        return handler(request)

    return layer
