"""`flask projects ...`: maintenance from the command line, as the system actor."""

from __future__ import annotations

from datetime import timedelta

import click

from ...kernel import ExecutionContext, in_context
from .services import archive_stale

projects = click.Group("projects", help="Maintain projects.")


@projects.command("archive-stale")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Archive live projects not changed for this many days.",
)
@in_context(actor="system")
def archive_stale_command(ctx: ExecutionContext, days: int) -> None:
    """Archive projects nobody has changed for a while (they stay readable)."""
    archived = archive_stale(ctx, older_than=timedelta(days=days))
    click.echo(f"Archived {len(archived)} project(s) unchanged for {days} day(s).")
