# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Permissions: small objects that compose with `&`, `|` and `~`, deny by default.

Every route declares one (`@requires(...)`) or is explicitly public (`@public`); an
app with a route that does neither refuses to start (check `keel.E020`). The same
objects authorize tasks and commands against the context's actor.

A permission answers three questions about an execution context:

- `has_permission(ctx)`: may this actor use the operation at all? For a rule that
  depends on the object (`IsOwner`), this is only a necessary condition.
- `has_object_permission(ctx, obj)`: exactly, may this actor act on this object?
- `where(ctx, model)`: the same rule as a SQL condition, so a list query returns only
  what the actor may see (DRF never checks objects in lists: a classic leak).

Negation is exact: `~IsOwner("owner_id")` allows objects the actor does NOT own; it
does not deny everything (DRF's `~` on object checks does, because its default object
check answers True whatever the rule).

Example::

    CAN_EDIT = IsAuthenticated() & (IsOwner("owner_id") | HasRole("admin"))
    str(CAN_EDIT)  # 'authenticated & (owner(owner_id) | role:admin)'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from .context import ExecutionContext

#: The attribute `@requires` (kernel/http/declare.py) sets on a view function.
PERMISSION_ATTRIBUTE = "__keel_permission__"


class Permission:
    """Base class: override the checks that apply; the defaults allow."""

    #: Why a denial happened, shown in the problem+json `detail`.
    message = "You do not have permission to perform this action."
    #: Does the answer depend on the object? (decides what `~` means before loading one)
    object_level = False

    def has_permission(self, ctx: ExecutionContext) -> bool:
        return True

    def has_object_permission(self, ctx: ExecutionContext, obj: Any) -> bool:
        # A rule that ignores the object answers for the object as it does for the view.
        return self.has_permission(ctx)

    def where(self, ctx: ExecutionContext, model: Any) -> ColumnElement[bool]:
        return sa.true() if self.has_permission(ctx) else sa.false()

    def denied_by(self, ctx: ExecutionContext) -> Permission | None:
        """The rule that refuses this actor (for the message), or None when allowed."""
        return None if self.has_permission(ctx) else self

    def describe(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        return f"<Permission {self.describe()}>"

    def __and__(self, other: Permission) -> Permission:
        return AllOf(self, other)

    def __or__(self, other: Permission) -> Permission:
        return AnyOf(self, other)

    def __invert__(self) -> Permission:
        return Not(self)


class AllOf(Permission):
    def __init__(self, first: Permission, second: Permission) -> None:
        self.first, self.second = first, second
        self.object_level = first.object_level or second.object_level

    def has_permission(self, ctx: ExecutionContext) -> bool:
        return self.first.has_permission(ctx) and self.second.has_permission(ctx)

    def denied_by(self, ctx: ExecutionContext) -> Permission | None:
        return self.first.denied_by(ctx) or self.second.denied_by(ctx)

    def has_object_permission(self, ctx: ExecutionContext, obj: Any) -> bool:
        return self.first.has_object_permission(ctx, obj) and self.second.has_object_permission(
            ctx, obj
        )

    def where(self, ctx: ExecutionContext, model: Any) -> ColumnElement[bool]:
        return sa.and_(self.first.where(ctx, model), self.second.where(ctx, model))

    def describe(self) -> str:
        return f"{_wrap(self.first, AnyOf)} & {_wrap(self.second, AnyOf)}"


class AnyOf(Permission):
    def __init__(self, first: Permission, second: Permission) -> None:
        self.first, self.second = first, second
        self.object_level = first.object_level or second.object_level
        self.message = second.message

    def has_permission(self, ctx: ExecutionContext) -> bool:
        return self.first.has_permission(ctx) or self.second.has_permission(ctx)

    def has_object_permission(self, ctx: ExecutionContext, obj: Any) -> bool:
        return self.first.has_object_permission(ctx, obj) or self.second.has_object_permission(
            ctx, obj
        )

    def where(self, ctx: ExecutionContext, model: Any) -> ColumnElement[bool]:
        return sa.or_(self.first.where(ctx, model), self.second.where(ctx, model))

    def describe(self) -> str:
        return f"{_wrap(self.first, AllOf)} | {_wrap(self.second, AllOf)}"


class Not(Permission):
    def __init__(self, inner: Permission) -> None:
        self.inner = inner
        self.object_level = inner.object_level

    def has_permission(self, ctx: ExecutionContext) -> bool:
        # Before the object is known, an object rule's negation may still allow some.
        if self.inner.object_level:
            return True
        return not self.inner.has_permission(ctx)

    def has_object_permission(self, ctx: ExecutionContext, obj: Any) -> bool:
        return not self.inner.has_object_permission(ctx, obj)

    def where(self, ctx: ExecutionContext, model: Any) -> ColumnElement[bool]:
        return sa.not_(self.inner.where(ctx, model))

    def describe(self) -> str:
        inner = self.inner.describe()
        return f"~{inner}" if isinstance(self.inner, _Leaf) else f"~({inner})"


def _wrap(permission: Permission, looser: type[Permission]) -> str:
    text = permission.describe()
    return f"({text})" if isinstance(permission, looser) else text


class _Leaf(Permission):
    """Built-ins that are not compositions (for parenthesising descriptions)."""


class Public(_Leaf):
    """Anyone, signed in or not. Say it on purpose: `@public`."""

    def describe(self) -> str:
        return "public"


class IsAuthenticated(_Leaf):
    message = "Authentication is required."

    def has_permission(self, ctx: ExecutionContext) -> bool:
        return ctx.actor.is_authenticated

    def describe(self) -> str:
        return "authenticated"


class IsSystem(_Leaf):
    """The system actor only: tasks and commands that run as the service itself."""

    message = "Only the system may do this."

    def has_permission(self, ctx: ExecutionContext) -> bool:
        return ctx.actor.is_system

    def describe(self) -> str:
        return "system"


class HasRole(_Leaf):
    def __init__(self, role: str) -> None:
        self.role = role
        self.message = f"This needs the {role!r} role."

    def has_permission(self, ctx: ExecutionContext) -> bool:
        return self.role in ctx.actor.roles

    def describe(self) -> str:
        return f"role:{self.role}"


class HasPermissionCode(_Leaf):
    """A permission code granted through roles (`settings.ROLE_PERMISSIONS`)."""

    def __init__(self, code: str) -> None:
        self.permission_code = code
        self.message = f"This needs the {code!r} permission."

    def has_permission(self, ctx: ExecutionContext) -> bool:
        grants = ctx.settings.ROLE_PERMISSIONS
        return any(self.permission_code in grants.get(role, ()) for role in ctx.actor.roles)

    def describe(self) -> str:
        return f"perm:{self.permission_code}"


class IsOwner(_Leaf):
    """The object's `attribute` (a user id column) is the actor's id."""

    object_level = True
    message = "You may only act on your own objects."

    def __init__(self, attribute: str = "owner_id") -> None:
        self.attribute = attribute

    def has_permission(self, ctx: ExecutionContext) -> bool:
        return ctx.actor.kind == "user"

    def has_object_permission(self, ctx: ExecutionContext, obj: Any) -> bool:
        return ctx.actor.kind == "user" and getattr(obj, self.attribute) == ctx.actor.id

    def where(self, ctx: ExecutionContext, model: Any) -> ColumnElement[bool]:
        if ctx.actor.kind != "user":
            return sa.false()
        column: ColumnElement[Any] = getattr(model, self.attribute)
        return column == ctx.actor.id

    def describe(self) -> str:
        return f"owner({self.attribute})"


def permission_of(view: Callable[..., Any], method: str) -> Permission | None:
    """The permission declared for `method` on a view function or MethodView."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is not None and hasattr(handler, PERMISSION_ATTRIBUTE):
            return getattr(handler, PERMISSION_ATTRIBUTE)  # type: ignore[no-any-return]
        return getattr(view_class, PERMISSION_ATTRIBUTE, None)
    return getattr(view, PERMISSION_ATTRIBUTE, None)


def authorize(ctx: ExecutionContext, permission: Permission, obj: Any = None) -> None:
    """Check `permission` outside HTTP (a task, a command); raise `PermissionDenied`."""
    denial = permission.denied_by(ctx)
    if denial is None and obj is not None and not permission.has_object_permission(ctx, obj):
        denial = permission
    if denial is not None:
        raise PermissionDenied(f"{ctx.actor} may not do this ({permission}): {denial.message}")


class PermissionDenied(Exception):  # noqa: N818 - the established name (Django, DRF)
    """An actor was refused outside HTTP."""
