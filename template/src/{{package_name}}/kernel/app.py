"""The Flask subclass that runs the middleware stack.

Flask itself is unchanged but for one method: `dispatch_request` hands the request to
the stack built from `MIDDLEWARE`, whose innermost layer is Flask's own dispatch (which
raises the deferred routing error, 404 or 405, or calls the view). Anything the stack
raises is turned into a response here, once, by the registered error handlers.
"""

from __future__ import annotations

from typing import cast

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from itsdangerous import URLSafeTimedSerializer

from .middleware.stack import Handler
from .request import Request


class _CachedSigningSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, building the signing serializer once instead of per request.

    Settings are frozen at startup, so the key cannot change under a running app.
    """

    _cache: dict[int, URLSafeTimedSerializer | None]

    def __init__(self) -> None:
        self._cache = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = id(app)
        if key not in self._cache:
            self._cache[key] = super().get_signing_serializer(app)
        return self._cache[key]


class KeelFlask(Flask):
    request_class = Request
    session_interface = _CachedSigningSessionInterface()

    #: The composed middleware stack; set by `create_app()` once modules are loaded.
    keel_handler: Handler | None = None

    def dispatch_view(self, request: Request) -> Response:
        """The innermost handler: URL matching's result, then the view."""
        return self.make_response(super().dispatch_request())

    def dispatch_request(self) -> ResponseReturnValue:
        req = cast(Request, request._get_current_object())  # type: ignore[attr-defined]
        handler = self.keel_handler or self.dispatch_view
        try:
            response = handler(req)
        except Exception as exc:  # noqa: BLE001 - the edge: every error becomes a response
            response = self.make_response(self.handle_user_exception(exc))
        if req.response_headers:
            _add_missing_headers(response, req.response_headers)
        return response


def _add_missing_headers(response: Response, queued: dict[str, str]) -> None:
    """Add the headers the layers queued, unless the response set its own.

    A view that needs another Content-Security-Policy (the API docs page) sets it and
    keeps it. The values are the kernel's own constants and a validated request id, so
    they are appended without werkzeug's per-header validation (a measurable cost on
    every request).
    """
    headers = response.headers
    items: list[tuple[str, str]] = headers._list
    present = {name.lower() for name, _ in items}
    items.extend((name, value) for name, value in queued.items() if name.lower() not in present)
