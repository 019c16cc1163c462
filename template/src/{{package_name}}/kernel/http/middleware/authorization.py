# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Authorize every request against the permission its route declares (deny by default).

The table of (endpoint, method) -> permission is built once at startup; an unknown
endpoint cannot happen (startup refuses routes without a declaration, keel.E020). An
anonymous actor who is refused gets 401 with `WWW-Authenticate`; a signed-in one 403.
Object-level rules are checked where the object is loaded (`get_or_404`), answering 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response
from werkzeug.exceptions import Forbidden

from ...auth.tokens import AuthenticationRequired
from ...core.permissions import Permission, Public
from ..request import Request
from ..route_permissions import route_permissions
from .stack import Handler

if TYPE_CHECKING:
    from flask import Flask


def authorization(handler: Handler, app: Flask) -> Handler:
    table: dict[tuple[str, str], Permission] = {
        (entry.endpoint, entry.method): entry.permission
        for entry in route_permissions(app)
        if entry.permission is not None
    }

    def layer(request: Request) -> Response:
        rule = request.url_rule
        if rule is None or request.context is None:
            return handler(request)  # routing error: raised at the view stage
        method = "GET" if request.method == "HEAD" else request.method
        permission = table.get((rule.endpoint, method))
        if permission is None:
            if method == "OPTIONS":
                return handler(request)
            raise Forbidden("No permission is declared for this operation.")
        if type(permission) is not Public:  # `@public` allows everyone: nothing to ask
            denial = permission.denied_by(request.context)
            if denial is not None:
                if not request.actor.is_authenticated:
                    raise AuthenticationRequired(denial.message)
                raise Forbidden(denial.message)
        request.permission = permission
        return handler(request)

    return layer
