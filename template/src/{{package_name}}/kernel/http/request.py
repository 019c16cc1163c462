# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The request object every middleware and view receives.

Flask's request, plus the per-request state the middleware stack fills in, as typed
attributes rather than Flask's untyped per-request globals: `request_id` (request-id
middleware), `actor` (authentication middleware), `context` (execution-context
middleware) and `response_headers` (added to whatever response leaves, errors included).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask

from ..auth.tokens import AuthenticationRequired
from ..core.actors import ANONYMOUS, Actor
from ..core.context import ExecutionContext
from ..core.permissions import Permission

F = TypeVar("F", bound=Callable[..., Any])


class Request(flask.Request):
    request_id: str = ""
    actor: Actor = ANONYMOUS
    context: ExecutionContext | None = None
    #: Verified token claims, shared by authentication and permission checks.
    claims: dict[str, Any] | None = None
    #: The permission the authorization middleware checked for this route.
    permission: Permission | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response_headers: dict[str, str] = {}


def current_request() -> Request:
    """The request being handled, typed (Keel's `Request`, not Flask's proxy)."""
    return cast(Request, flask.request._get_current_object())  # type: ignore[attr-defined]


def require_actor() -> Actor:
    """The authenticated actor of this request, or a 401 with the Bearer challenge."""
    actor = current_request().actor
    if not actor.is_authenticated:
        raise AuthenticationRequired()
    return actor


def authenticated(view: F) -> F:
    """Refuse anonymous requests with 401 inside the view itself (below `@blp.route`).

    The middleware already refused bad tokens; this says a token is required here, so
    the view is safe even if its permission were mis-declared. Declare the permission
    too (`@requires(IsAuthenticated())`): that is what OpenAPI shows.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require_actor()
        return view(*args, **kwargs)

    return cast(F, wrapper)
