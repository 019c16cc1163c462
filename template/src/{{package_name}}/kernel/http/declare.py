# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""`@requires(permission)` and `@public`: what a view declares, enforced and documented.

The authorization middleware reads the declaration (deny by default: a route without
one stops startup, keel.E020) and OpenAPI shows it: the bearer security requirement,
401/403 responses and an `x-permission` text, through flask-smorest's documented
`Blueprint.doc`. On flask-smorest views it must sit below `@blp.route` (method
decorators on a MethodView always do).

`@requires(permission, if_match=True)` also says the view calls `check_if_match`
(kernel/http/concurrency.py): the document then lists the required `If-Match` header
and its 412 and 428 answers (kernel/http/openapi.py adds them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask_smorest import Blueprint as ApiBlueprint

from ..core.permissions import PERMISSION_ATTRIBUTE, Permission, Public
from .openapi import IF_MATCH_MARKER

F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: Permission, *, if_match: bool = False) -> Callable[[F], F]:
    """Declare the permission a view (or a MethodView method) needs.

    `if_match=True`: the view is a write guarded by `check_if_match`, so it answers
    428 without `If-Match` and 412 to a stale one; the document says so.
    """

    def decorator(func: F) -> F:
        doc: dict[str, Any] = {"x-permission": permission.describe()}
        if if_match:
            doc[IF_MATCH_MARKER] = True
        if not isinstance(permission, Public):
            doc["security"] = [{"bearerAuth": []}]
            doc["responses"] = {
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"$ref": "#/components/responses/Forbidden"},
            }
        else:
            doc["security"] = []
        documented = cast(F, ApiBlueprint.doc(**doc)(func))
        setattr(documented, PERMISSION_ATTRIBUTE, permission)
        return documented

    return decorator


def public(func: F) -> F:
    """Declare a view open to anyone, on purpose."""
    return requires(Public())(func)
