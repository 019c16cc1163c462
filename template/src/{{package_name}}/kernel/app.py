"""The Flask subclass that runs the middleware stack.

Flask itself is unchanged but for one method: `dispatch_request` hands the request to
the stack built from `MIDDLEWARE`, whose innermost layer is Flask's own dispatch (which
raises the deferred routing error, 404 or 405, or calls the view). Anything the stack
raises is turned into a response here, once, by the registered error handlers.
"""

from __future__ import annotations

from typing import cast

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue

from .middleware.stack import Handler
from .request import Request


class KeelFlask(Flask):
    request_class = Request

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
            response.headers.update(req.response_headers)
        return response
