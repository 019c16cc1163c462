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
included). Every command a module installs must be declared this way: startup refuses
one that is not (keel.E021), as it refuses a route without a permission.
"""

from __future__ import annotations

import atexit
import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .actors import SYSTEM, Actor
from .checks import CheckMessage, register
from .context import ExecutionContext, open_context
from .middleware.stack import import_dotted
from .permissions import Permission, PermissionDenied, authorize

R = TypeVar("R")

ActorLoader = Callable[[ExecutionContext, str], Actor | None]


def _flask_app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def resolve_user_actor(app: Flask, email: str) -> Actor:
    """Look `email` up with `settings.ACTOR_LOADER`; a click error when it is no active user."""
    from .bootstrap import settings_of

    path = settings_of(app).ACTOR_LOADER
    if not path:
        raise click.UsageError("--as needs settings.ACTOR_LOADER (a function email -> Actor).")
    loader: ActorLoader = import_dotted(path, setting="ACTOR_LOADER")  # type: ignore[assignment]
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
            email = kwargs.pop("as_email", None)
            who = SYSTEM if actor == "system" else resolve_user_actor(app, str(email))
            with open_context(app, origin="cli", actor=who) as ctx:
                if requires is not None:
                    try:
                        authorize(ctx, requires)
                    except PermissionDenied as exc:
                        raise click.ClickException(str(exc)) from None
                return func(ctx, *args, **kwargs)

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


def _leaf_commands(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        return [
            leaf
            for name, sub in sorted(command.commands.items())
            for leaf in _leaf_commands(sub, f"{path} {name}")
        ]
    return [(path, command)]


@register()
def commands_declare_an_actor(app: Flask) -> list[CheckMessage]:
    """keel.E021: every module command says who it runs as (and, for users, what it needs)."""
    from .bootstrap import state_of  # the registry is built by bootstrap, which imports us

    missing = [
        f"flask {path} ({loaded.spec.name})"
        for loaded in state_of(app).modules
        for command in loaded.commands
        for path, leaf in _leaf_commands(command, command.name or "?")
        if not hasattr(leaf.callback, ACTOR_ATTRIBUTE)
    ]
    if not missing:
        return []
    return [
        CheckMessage(
            "keel.E021",
            "error",
            f"{len(missing)} command(s) declare no actor: {', '.join(missing)}.",
            'Decorate each with @in_context(actor="system") or '
            '@in_context(actor="user", requires=<permission>) (kernel/commands.py).',
        )
    ]
