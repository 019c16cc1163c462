# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Declare `flask` commands that run inside the execution context.

A command says who it runs as; the decorator opens the context (and its transaction)
around it and passes `ctx` as the first argument::

    @click.command("archive-stale")
    @click.option("--days", default=90)
    @in_context(actor="system")
    def archive_stale(ctx: ExecutionContext, days: int) -> None:
        archived = archive_stale_projects(ctx, days=days)
        click.echo(f"Archived {archived} project(s).")

`actor="user"` adds a required `--as EMAIL` option; the user is looked up through
`settings.ACTOR_LOADER` and must be active, and `requires=` (mandatory then) is checked
against them with the same permission objects as the API::

    @in_context(actor="user", requires=HasRole("admin"))

The command commits when it returns and rolls back when it raises (a `click` error
included); a database that cannot be reached stops it with one line naming
DATABASE_URL's server and what to do (`data.database.unreachable`), not a traceback.
Every command a module installs must be declared this way: startup refuses one that is
not (keel.E021, kernel/cli/checks.py), as it refuses a route without a permission.
"""

from __future__ import annotations

import atexit
import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from ..core.actors import SYSTEM, Actor
from ..core.context import ExecutionContext
from ..core.dotted import import_object
from ..core.permissions import Permission, PermissionDenied, authorize
from ..core.state import kernel_state
from ..data.database import connection_problem, db
from ..data.unit_of_work import open_context

R = TypeVar("R")

ActorLoader = Callable[[ExecutionContext, str], Actor | None]


def _flask_app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def resolve_user_actor(app: Flask, email: str) -> Actor:
    """Look `email` up with `settings.ACTOR_LOADER`; a click error when it is no active user."""
    path = kernel_state(app).settings.ACTOR_LOADER
    if not path:
        raise click.UsageError("--as needs settings.ACTOR_LOADER (a function email -> Actor).")
    loader: ActorLoader = import_object(path, setting="ACTOR_LOADER")  # type: ignore[assignment]
    with open_context(app, origin="cli", actor=SYSTEM) as lookup:
        actor = loader(lookup, email)
    if actor is None:
        raise click.BadParameter(f"no active user has the email {email!r}", param_hint="--as")
    return actor


#: Set on a command's callback by `in_context`: "system" or "user".
ACTOR_ATTRIBUTE = "__keel_actor__"


def in_context(
    *, actor: Literal["system", "user"], requires: Permission | None = None
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Run the decorated command in an execution context as the system or as `--as EMAIL`."""
    if actor not in ("system", "user"):
        raise ValueError(f"in_context(actor={actor!r}): choose 'system' or 'user'")
    if actor == "user" and requires is None:
        raise ValueError(
            'in_context(actor="user") needs requires=<Permission>: what may the user do?'
        )
    if actor == "system" and requires is not None:
        raise ValueError('in_context(actor="system") runs as the system: drop requires=')

    def decorator(func: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            app = _flask_app()
            try:
                return _run(app, func, actor, requires, *args, **kwargs)
            except OperationalError:
                # One line when the database is down, not a traceback; any other
                # database error is the command's own and propagates.
                problem = connection_problem(db.engine)
                if problem is None:
                    raise
                raise click.ClickException(problem) from None

        wrapped: Callable[..., R] = with_appcontext(wrapper)
        if actor == "user":
            wrapped = click.option(
                "--as",
                "as_email",
                required=True,
                metavar="EMAIL",
                help="Run as this user (their roles and permissions apply).",
            )(wrapped)
        setattr(wrapped, ACTOR_ATTRIBUTE, actor)
        return wrapped

    return decorator


def _run(
    app: Flask,
    func: Callable[..., R],
    actor: Literal["system", "user"],
    requires: Permission | None,
    /,
    *args: Any,
    **kwargs: Any,
) -> R:
    """Open the command's context as its actor, check `requires`, run it."""
    email = kwargs.pop("as_email", None)
    who = SYSTEM if actor == "system" else resolve_user_actor(app, str(email))
    with open_context(app, origin="cli", actor=who) as ctx:
        if requires is not None:
            try:
                authorize(ctx, requires)
            except PermissionDenied as exc:
                raise click.ClickException(str(exc)) from None
        return func(ctx, *args, **kwargs)


def open_shell_context(app: Flask) -> dict[str, Any]:
    """`flask shell` starts inside a context as the system actor.

    Nothing is committed unless you call `ctx.session.commit()`; whatever is left
    uncommitted is rolled back when the shell exits.
    """
    manager = open_context(app, origin="cli", actor=SYSTEM)
    ctx = manager.__enter__()

    def _discard_uncommitted() -> None:
        ctx.session.rollback()
        ctx.session.close()

    atexit.register(_discard_uncommitted)
    return {"ctx": ctx, "app": app}
