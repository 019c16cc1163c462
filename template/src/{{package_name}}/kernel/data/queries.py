# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Queries that obey a permission: one object (or 404), or a list filtered in SQL."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from ..core.context import ExecutionContext
from ..core.permissions import Permission

M = TypeVar("M")
S = TypeVar("S", bound=sa.Select[Any])


def get_or_404(ctx: ExecutionContext, model: type[M], pk: Any, permission: Permission) -> M:
    """Load one object the actor may see, or answer 404.

    404, not 403, for an object the actor may not see: whether it exists is itself
    information a stranger should not get (OWASP API1, BOLA).
    """
    obj = ctx.session.get(model, pk)
    if obj is None or not permission.has_object_permission(ctx, obj):
        raise NotFound()
    return obj


def scoped(ctx: ExecutionContext, statement: S, model: type[Any], permission: Permission) -> S:
    """Filter a list query through `permission`, so it never returns a hidden object."""
    return statement.where(permission.where(ctx, model))
