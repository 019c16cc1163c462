# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The task worker as an optional kernel part, turned on by `CelerySettings.extensions()`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..core.checks import Check
from .checks import celery_production
from .outbox import outbox_of
from .worker import init_celery


@click.group("tasks")
def tasks_command() -> None:
    """Background tasks: the outbox of task messages."""


@tasks_command.command("relay")
@with_appcontext
def relay_command() -> None:
    """Send every task message still waiting in the outbox; exit 1 if the broker fails.

    Workers do this by themselves every CELERY_OUTBOX_RELAY_INTERVAL seconds; this is
    for a deployment with no worker running yet, or to check a broker by hand.
    """
    result = outbox_of(current_app).relay(older_than=0)
    click.echo(f"Sent {result.sent} task message(s); {result.failed} could not be sent.")
    if result.failed:
        raise click.exceptions.Exit(1)


class TasksPart:
    """Builds the Celery app after the modules load, and adds Celery's deploy checks."""

    name = "tasks"
    checks = (Check(celery_production, deploy=True),)

    def init_app(self, app: Flask) -> None:
        init_celery(app)
        app.cli.add_command(tasks_command)


TASKS = TasksPart()
