# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The Flask subclass that runs the middleware stack.

Flask itself is unchanged but for documented extension points: its JSON provider
(`json_provider_class`: orjson, kernel/http/json_provider.py), its session interface
(`session_interface`: none, kernel/http/sessions.py) and `dispatch_request`,
which hands the request to the stack built from the kernel's layers and the user's
`MIDDLEWARE`, whose innermost layer is Flask's own dispatch (which raises the deferred
routing error, 404 or 405, or calls the view). Anything the stack raises is turned
into a response here, once, by the registered error handlers, and the headers the
layers queued on `request.response_headers` are added to whatever response leaves,
unless the response already has its own (the API docs page sets its own CSP).
"""

from __future__ import annotations

from flask import Flask, Response
from flask.typing import ResponseReturnValue

from .json_provider import OrjsonProvider
from .middleware.stack import Handler
from .request import Request, current_request
from .sessions import StatelessSessionInterface


class KeelFlask(Flask):
    request_class = Request
    #: JSON responses through orjson, the same bytes as Flask's default provider writes.
    json_provider_class = OrjsonProvider
    #: No cookie session: the bearer token says who calls (kernel/http/sessions.py).
    session_interface = StatelessSessionInterface()

    #: The composed middleware stack; set by `create_app()` once modules are loaded.
    keel_handler: Handler | None = None

    def dispatch_view(self, request: Request) -> Response:
        """The innermost handler: URL matching's result, then the view."""
        return self.make_response(super().dispatch_request())

    def dispatch_request(self) -> ResponseReturnValue:
        request = current_request()
        handler = self.keel_handler or self.dispatch_view
        try:
            response = handler(request)
        except Exception as exc:  # noqa: BLE001 - the edge: every error becomes a response
            response = self.make_response(self.handle_user_exception(exc))
        queued = request.response_headers
        if queued:
            headers = response.headers
            present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers
            headers.extend([(n, v) for n, v in queued.items() if n.lower() not in present])
        return response
