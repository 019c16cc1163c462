# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""`flask check`: the report of every check, and `--list`, the catalog of ids."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core.checks import CATALOG, CheckMessage
from . import run_checks


def report(messages: list[CheckMessage]) -> str:
    """One block per message, errors first, and a summary line."""
    ordered = sorted(messages, key=lambda m: (m.level != "error", m.id))
    errors = sum(m.level == "error" for m in messages)
    blocks = [m.report() for m in ordered]
    summary = f"System check identified {len(messages)} issue(s) ({errors} error(s))."
    return "\n\n".join([*blocks, summary]) if blocks else summary


@click.command("check")
@click.option("--deploy", is_flag=True, help="Also run the checks for a production deployment.")
@click.option("--list", "list_ids", is_flag=True, help="Print every check id and what it means.")
@with_appcontext
def check_command(deploy: bool, list_ids: bool) -> None:
    """Run the system checks; exit 1 when any reports an error."""
    if list_ids:
        for check_id, summary in CATALOG.items():
            click.echo(f"{check_id}  {summary}")
        return
    messages = run_checks(current_app, deploy=deploy)
    errors = any(m.level == "error" for m in messages)
    click.echo(report(messages), err=errors)
    if errors:
        raise SystemExit(1)
