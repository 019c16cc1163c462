# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Security headers on every response, errors included (queued before the call).

Strict-Transport-Security is only sent on HTTPS requests (as seen through the trusted
proxies); a JSON API does not redirect HTTP to HTTPS (ASVS 4.1.2), it just never tells
a plain-HTTP client to pin itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response

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


def security_headers(handler: Handler, app: Flask) -> Handler:
    def layer(request: Request) -> Response:
        request.response_headers.update(HEADERS)
        if request.is_secure:
            request.response_headers["Strict-Transport-Security"] = HSTS
        return handler(request)

    return layer
