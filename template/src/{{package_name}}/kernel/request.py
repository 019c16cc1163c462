"""The request object every middleware and view receives.

Flask's request, plus the per-request state the middleware stack fills in, as typed
attributes rather than Flask's untyped per-request globals: `request_id` (request-id
middleware), `actor` (authentication middleware), `context` (execution-context
middleware) and `response_headers` (added to whatever response leaves, errors included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Request as _FlaskRequest

from .actors import ANONYMOUS, Actor

if TYPE_CHECKING:
    from .context import ExecutionContext
    from .permissions import Permission


class Request(_FlaskRequest):
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
