# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Queries that obey a permission: one object (or 404), or a list filtered in SQL; and
a page of a list with its total in one round trip."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
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


def page_with_total(
    ctx: ExecutionContext, statement: sa.Select[M], *, page: int, page_size: int
) -> tuple[Sequence[M], int]:
    """One page (1-based) of an ordered `statement`'s objects, and how many there are in all.

    One query where the database has window functions (PostgreSQL; SQLite 3.25+): every
    row carries `count(*) OVER ()`, the total before LIMIT and OFFSET. A page past the
    end has no row to carry it, so then, and only then, a second query counts; an empty
    first page needs none (the total is 0). Example::

        items, total = page_with_total(ctx, statement.order_by(Project.id), page=2, page_size=50)

    The window makes the database count every matching row, as the separate COUNT did.
    """
    offset = (page - 1) * page_size
    session = ctx.session
    if not _has_windows(session.get_bind().dialect):
        return session.scalars(statement.limit(page_size).offset(offset)).all(), _count(
            ctx, statement
        )
    windowed = statement.add_columns(sa.func.count().over().label("total"))
    rows = session.execute(windowed.limit(page_size).offset(offset)).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    return [], (0 if page == 1 else _count(ctx, statement))


def _count(ctx: ExecutionContext, statement: sa.Select[Any]) -> int:
    counted = sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    return int(ctx.session.scalar(counted) or 0)


def _has_windows(dialect: sa.Dialect) -> bool:
    return dialect.name != "sqlite" or sqlite3.sqlite_version_info >= (3, 25)
