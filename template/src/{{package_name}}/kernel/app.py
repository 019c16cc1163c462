"""The Flask subclass that runs the middleware stack.

Flask itself is unchanged but for `dispatch_request`, which hands the request to the
stack built from `MIDDLEWARE`, whose innermost layer is Flask's own dispatch (which
raises the deferred routing error, 404 or 405, or calls the view). Anything the stack
raises is turned into a response here, once, by the registered error handlers.

The other overrides are shortcuts for work Flask repeats on every request although a
Keel app rarely needs it (raw request hooks are refused at startup, check keel.E010;
an API rarely receives a session cookie; signals nobody listens to). Each one takes
the shortcut only when it gives the same result, and otherwise does what Flask does,
so an app that registers hooks, connects signals or uses the cookie session behaves
exactly like Flask. Together they make a Keel app without middleware cheaper per
request than a bare Flask app (see bench/stack_overhead.py), which pays for the stack.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FunctionType
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Response
from flask import Request as _FlaskRequest
from flask.globals import request_ctx
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.signals import (
    appcontext_tearing_down,
    request_finished,
    request_started,
    request_tearing_down,
)
from flask.typing import ResponseReturnValue
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from .middleware.stack import Handler
from .request import Request

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

_UNSET: Any = object()
#: The code flag `inspect.iscoroutinefunction` looks for (`async def`).
_CO_COROUTINE = 0x0080


class _KeelSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus the work an API request without cookies pays.

    - The signing serializer is built once per app instead of per request (settings are
      frozen at startup, so the key cannot change under a running app).
    - A request with no `Cookie` header gets an empty session without parsing cookies.
    - An empty session nobody read or wrote is not saved: Flask's `save_session` would
      compute every cookie option and then return without doing anything.
    """

    def __init__(self) -> None:
        self._serializer: URLSafeTimedSerializer | None = _UNSET

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if self._serializer is _UNSET:
            self._serializer = super().get_signing_serializer(app)
        return self._serializer

    def open_session(self, app: Flask, request: _FlaskRequest) -> SecureCookieSession | None:
        if "HTTP_COOKIE" in request.environ or self.get_signing_serializer(app) is None:
            return super().open_session(app, request)
        return self.session_class()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if session or session.accessed or session.modified:
            super().save_session(app, session, response)


class KeelResponse(Response):
    """Flask's response; the headers the middleware queued are added as it is sent.

    Added to the copy werkzeug makes for the WSGI server (`get_wsgi_headers`), not to
    `response.headers`: a header the response has by then (set by the view or an
    allowed after-request hook) wins, and the queued values, the kernel's constants
    and a validated request id, skip werkzeug's per-header validation, a measurable
    cost on every request.
    """

    #: Set at the stack's edge: the headers the layers queued for this response.
    queued_headers: dict[str, str] | None = None

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = super().get_wsgi_headers(environ)
        if self.queued_headers:
            _add_missing_headers(headers, self.queued_headers)
        return headers


class KeelFlask(Flask):
    request_class = Request
    response_class = KeelResponse

    #: The composed middleware stack; set by `create_app()` once modules are loaded.
    keel_handler: Handler | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One per app: it caches the app's signing serializer.
        self.session_interface = _KeelSessionInterface()

    def dispatch_view(self, request: Request) -> Response:
        """The innermost handler: URL matching's result, then the view."""
        return self.make_response(super().dispatch_request())

    def dispatch_request(self) -> ResponseReturnValue:
        req = cast(Request, request_ctx.request)
        handler = self.keel_handler or self.dispatch_view
        try:
            response = handler(req)
        except Exception as exc:  # noqa: BLE001 - the edge: every error becomes a response
            response = self.make_response(self.handle_user_exception(exc))
        if req.response_headers:
            if isinstance(response, KeelResponse):
                response.queued_headers = req.response_headers
            else:  # a plain werkzeug/Flask response (`problem()`, a view's own class)
                _add_missing_headers(response.headers, req.response_headers)
        return response

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's check, answered at once for a plain `def` (views and their wrappers).

        Flask runs `inspect.iscoroutinefunction` on the view and on every wrapper and
        teardown function, per request; reading the code object says the same for a
        plain function. Anything else (async, partials, methods) goes to Flask.
        """
        if (
            type(func) is FunctionType
            and not func.__code__.co_flags & _CO_COROUTINE
            and "_is_coroutine_marker" not in func.__dict__
        ):
            return func
        return super().ensure_sync(func)

    def full_dispatch_request(self) -> Response:
        """Flask's, sending `request_started` only when something listens."""
        self._got_first_request = True
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as exc:  # noqa: BLE001 - Flask's own handling, unchanged
            rv = self.handle_user_exception(exc)
        return self.finalize_request(rv)

    def finalize_request(
        self, rv: ResponseReturnValue | HTTPException, from_error_handler: bool = False
    ) -> Response:
        """Flask's, sending `request_finished` only when something listens."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def preprocess_request(self) -> ResponseReturnValue | None:
        """Flask's before-request hooks; nothing to walk when none is registered."""
        if self.before_request_funcs or self.url_value_preprocessors:
            return super().preprocess_request()
        return None

    def process_response(self, response: Response) -> Response:
        """Flask's after-request processing, skipping the blueprint walk when no hook exists.

        `after_this_request` callbacks and saving the session still run, as in Flask.
        """
        if self.after_request_funcs:
            return super().process_response(response)
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        session = ctx._session
        if not self.session_interface.is_null_session(session):
            self.session_interface.save_session(self, session, response)
        return response

    def do_teardown_request(self, exc: BaseException | None = _UNSET) -> None:
        """Flask's teardown-request hooks and signal, each only when present."""
        if exc is _UNSET:
            exc = sys.exc_info()[1]
        if self.teardown_request_funcs:
            super().do_teardown_request(exc)
        elif request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _UNSET) -> None:
        """Flask's, sending `appcontext_tearing_down` only when something listens."""
        if exc is _UNSET:
            exc = sys.exc_info()[1]
        for func in reversed(self.teardown_appcontext_funcs):
            self.ensure_sync(func)(exc)
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)


def _add_missing_headers(headers: Headers, queued: dict[str, str]) -> None:
    """Add the headers the layers queued, unless `headers` has its own.

    A view that needs another Content-Security-Policy (the API docs page) sets it and
    keeps it. The values are the kernel's own constants and a validated request id, so
    they are appended without werkzeug's per-header validation. The same few sets of
    names are queued on every request, so their lower-cased forms are remembered: the
    usual case (no clash) is one set operation and one list extension.
    """
    items: list[tuple[str, str]] = headers._list
    present = {name.lower() for name, _ in items}
    names = tuple(queued)
    lowered = _LOWERED.get(names)
    if lowered is None:
        lowered = frozenset(name.lower() for name in names)
        if len(_LOWERED) < _LOWERED_MAX:
            _LOWERED[names] = lowered
    if present.isdisjoint(lowered):
        items.extend(queued.items())
    else:
        items.extend((name, value) for name, value in queued.items() if name.lower() not in present)


#: Lower-cased header names by the tuple of names queued (bounded: views may add their own).
_LOWERED: dict[tuple[str, ...], frozenset[str]] = {}
_LOWERED_MAX = 256
