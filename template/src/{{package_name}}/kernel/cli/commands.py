# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The kernel's introspection commands: `flask middleware`, `permissions` and `openapi`
(and `flask new-module`, from new_module.py).

They print aligned tables and exit non-zero when something is wrong, the way
Pyramid's `ptweens` does. (`flask check` lives with the checks, kernel/checks/.)
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_smorest import Api

from ..core.state import kernel_state
from ..http.middleware.chain import MiddlewareChain
from ..http.openapi import operation_count, spec_text
from ..http.route_permissions import route_permissions, snapshot_text
from .new_module import new_module_command


@click.command("middleware")
@with_appcontext
def middleware_command() -> None:
    """Print the request pipeline, outermost first, with Flask's own stages in place."""
    state = kernel_state(current_app)
    settings = state.settings
    rows: list[tuple[str, str, str]] = []
    for path in settings.WSGI_MIDDLEWARE:
        rows.append(("wsgi", path, "WSGI_MIDDLEWARE: sees every byte, before Flask"))
    rows.append(
        ("wsgi", "kernel headers (the edge)", "kernel: adds X-Request-ID and the security set")
    )
    rows.append(
        ("flask", "request context + URL matching", "the routing result is held until the view")
    )
    rows.append(
        ("flask", "error handlers (the edge)", "exceptions from below become problem+json once")
    )
    for index, layer in enumerate(state.get(MiddlewareChain).layers, start=1):
        note = "kernel" if layer.origin == "kernel" else f"MIDDLEWARE ({layer.placement})"
        rows.append((str(index), layer.name, note))
    rows.append(("flask", "routing error (404/405) or the view", "innermost"))
    width = max(len(row[1]) for row in rows)
    click.echo(f"{'#':<6} {'layer':<{width}}  note")
    click.echo(f"{'-' * 6} {'-' * width}  {'-' * 4}")
    for position, name, note in rows:
        click.echo(f"{position:<6} {name:<{width}}  {note}")


SNAPSHOT = "permissions.json"


@click.command("permissions")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help=f"Write the table to {SNAPSHOT}, the snapshot committed with the project.",
)
@click.option("--stdout", is_flag=True, help="With --json: print it instead of writing it.")
@with_appcontext
def permissions_command(as_json: bool, stdout: bool) -> None:
    """Print METHOD, RULE, ENDPOINT and PERMISSION for every route; exit 1 if one has none.

    The snapshot makes every permission change show up in review: a test fails when the
    routes' permissions differ from the committed file.
    """
    entries = route_permissions(current_app)
    if as_json and stdout:
        click.echo(snapshot_text(entries), nl=False)
    elif as_json:
        with open(SNAPSHOT, "w", encoding="utf-8") as snapshot:
            snapshot.write(snapshot_text(entries))
        click.echo(f"Wrote {len(entries)} route permission(s) to {SNAPSHOT}.")
    else:
        rows = [
            (e.method, e.rule, e.endpoint, _describe(e.permission, e.object_level)) for e in entries
        ]
        header = ("METHOD", "RULE", "ENDPOINT", "PERMISSION")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(3)]
        for row in [header, *rows]:
            cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=False))
            click.echo("  ".join(cells) + "  " + row[3])
    if any(e.permission is None for e in entries):
        raise SystemExit(1)


OPENAPI_SNAPSHOT = "openapi.json"


@click.command("openapi")
@click.option("--stdout", is_flag=True, help="Print the document instead of writing it.")
@with_appcontext
def openapi_command(stdout: bool) -> None:
    """Write the OpenAPI document to openapi.json, the snapshot committed with the project.

    The same text `/openapi.json` serves (sorted keys, indented), so a change to the API
    shows up in review: a test fails when the code and the committed file differ.
    Replaces flask-smorest's `flask openapi print|write` group.
    """
    api = kernel_state(current_app).get(Api)
    text = spec_text(api)
    if stdout:
        click.echo(text, nl=False)
        return
    with open(OPENAPI_SNAPSHOT, "w", encoding="utf-8") as snapshot:
        snapshot.write(text)
    click.echo(f"Wrote {operation_count(api)} operation(s) to {OPENAPI_SNAPSHOT}.")


def _describe(permission: object, object_level: bool) -> str:
    if permission is None:
        return "!! NONE (startup refuses this route)"
    return f"{permission}  [object-level]" if object_level else str(permission)


def kernel_commands() -> list[click.Command]:
    return [middleware_command, permissions_command, openapi_command, new_module_command]
