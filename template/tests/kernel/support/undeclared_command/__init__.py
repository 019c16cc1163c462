# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A command that does not say who it runs as: startup must refuse it."""

import click

group = click.Group("undeclared")


@group.command("wipe")
def wipe() -> None:
    raise AssertionError("should never run")  # pragma: no cover
