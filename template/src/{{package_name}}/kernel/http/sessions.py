# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""No cookie session: a Keel service is a stateless JSON API.

Flask's default session interface builds a signing serializer and looks for a cookie on
every request, for a `flask.session` nothing here uses: who the caller is comes from the
bearer token, and state lives in the database. So `KeelFlask.session_interface` opens
the null session Flask documents for apps without sessions: reading `flask.session`
finds it empty, and writing to it raises `SessionsDisabledError`, which says why.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface, SessionMixin


class SessionsDisabledError(RuntimeError):
    """`flask.session` was written to; Keel services keep no cookie session."""


class StatelessSession(NullSession):
    """An empty session whose every write raises `SessionsDisabledError`."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise SessionsDisabledError(
            "flask.session is off: a Keel service is stateless (the bearer token says who "
            "calls, the database keeps state). Store what you need in a model instead."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class StatelessSessionInterface(SessionInterface):
    """Opens a `StatelessSession` for every request and never sets a cookie."""

    null_session_class = StatelessSession

    def open_session(self, app: Flask, request: Request) -> SessionMixin:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Nothing to save (Flask does not call this for a null session)."""
