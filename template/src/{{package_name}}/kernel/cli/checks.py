# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The CLI adapter's check (ids are stable: kernel/core/checks.py's CATALOG)."""

from __future__ import annotations

import click
from flask import Flask

from ..core.checks import CheckMessage
from ..core.state import kernel_state
from ..registry.modules import InstalledModules
from .context import ACTOR_ATTRIBUTE


def _leaf_commands(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        return [
            leaf
            for name, sub in sorted(command.commands.items())
            for leaf in _leaf_commands(sub, f"{path} {name}")
        ]
    return [(path, command)]


def commands_declare_an_actor(app: Flask) -> list[CheckMessage]:
    """keel.E021: every module command says who it runs as (and, for users, what it needs)."""
    missing = [
        f"flask {path} ({loaded.spec.name})"
        for loaded in kernel_state(app).get(InstalledModules)
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
            '@in_context(actor="user", requires=<permission>) (kernel/cli/context.py).',
            "commands",
        )
    ]
