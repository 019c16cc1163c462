"""`flask users ...`: create and deactivate accounts from the command line.

A password is never a command-line argument (it would sit in shell history and in
`ps` output): `create` prompts for it twice on a terminal, and reads one line from
standard input otherwise, so scripts and `make demo` can pipe it in.
"""

from __future__ import annotations

import sys

import click

from ...kernel import ExecutionContext, in_context
from .services import AccountError, create_user, deactivate_user

users = click.Group("users", help="Manage user accounts.")


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def read_password() -> str:
    """Prompt with confirmation on a terminal; otherwise the first line of stdin."""
    if _stdin_is_tty():
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    line = sys.stdin.readline()
    if not line:
        raise click.UsageError("expected the password on standard input (one line)")
    return line.rstrip("\r\n")


@users.command("create")
@click.option("--email", required=True, help="The login email (stored lower-case).")
@click.option("--role", "roles", multiple=True, metavar="ROLE", help="A role to grant; repeatable.")
@in_context(actor="system")
def create_command(ctx: ExecutionContext, email: str, roles: tuple[str, ...]) -> None:
    """Create an active user. The password is prompted for, or read from stdin."""
    password = read_password()
    try:
        user = create_user(ctx, email, password, roles)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    roles_text = ", ".join(sorted(user.role_set)) or "no roles"
    click.echo(f"Created user {user.id} <{user.email}> ({roles_text}).")


@users.command("deactivate")
@click.option("--email", required=True, help="The user's email.")
@in_context(actor="system")
def deactivate_command(ctx: ExecutionContext, email: str) -> None:
    """Deactivate a user and revoke every token they hold, at once."""
    try:
        user, families = deactivate_user(ctx, email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deactivated user {user.id} <{user.email}>; revoked {families} login(s).")
