# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The check framework: every check of the kernel, in one explicit tuple, and its runner.

Checks run at startup (`create_app()`: errors stop the service, warnings are logged
once) and under `flask check` (`--deploy` adds the production gate). The kernel's
checks are listed in `KERNEL_CHECKS`, in the order they run and print; an optional
part (Celery) adds its own through the settings class (`Settings.extensions()`). Nothing
registers a check by being imported. An id listed in `SILENCED_CHECKS` is ignored on
purpose, and only a warning can be: naming an error there is itself an error
(keel.E005). With `APP_ENV=production` the deploy checks run at startup too, so the
production server refuses to start while one of their errors stands.
This layer may import every layer below the bootstrap.
"""

from __future__ import annotations

from flask import Flask

from ..cli.checks import commands_declare_an_actor
from ..core.checks import Check, CheckMessage, level_of
from ..core.settings import Extensions
from ..core.state import kernel_state
from ..http.checks import (
    rate_limit_storage,
    request_hooks_outside_the_stack,
    routes_declare_a_permission,
    schemas_dumped_by_marshmallow,
)
from .deploy import production_environment


def only_warnings_silenced(app: Flask) -> list[CheckMessage]:
    """keel.E005: SILENCED_CHECKS may name warnings only; an error must be fixed."""
    silenced = kernel_state(app).settings.SILENCED_CHECKS
    errors = [check_id for check_id in silenced if level_of(check_id) == "error"]
    return [
        CheckMessage(
            "keel.E005",
            "error",
            f"SILENCED_CHECKS names {check_id}, an error: errors cannot be silenced, "
            "only warnings.",
            f"Remove {check_id} from SILENCED_CHECKS and fix what it reports "
            "(`flask check --deploy` says how).",
            "SILENCED_CHECKS",
        )
        for check_id in errors
    ]


#: The kernel's checks, in the order they run.
KERNEL_CHECKS: tuple[Check, ...] = (
    Check(only_warnings_silenced),
    Check(request_hooks_outside_the_stack),
    Check(routes_declare_a_permission),
    Check(commands_declare_an_actor),
    Check(schemas_dumped_by_marshmallow),
    Check(production_environment, deploy=True),
    Check(rate_limit_storage, deploy=True),
)


def checks_for(app: Flask) -> tuple[Check, ...]:
    """The kernel's checks, then those of each optional part the settings turn on."""
    parts = kernel_state(app).find(Extensions) or ()
    return KERNEL_CHECKS + tuple(check for part in parts for check in part.checks)


def run_checks(app: Flask, *, deploy: bool = False) -> list[CheckMessage]:
    """Every message of the checks that apply, minus the silenced warnings."""
    silenced = set(kernel_state(app).settings.SILENCED_CHECKS)
    messages: list[CheckMessage] = []
    for check in checks_for(app):
        if check.deploy and not deploy:
            continue
        messages.extend(m for m in check.run(app) if not is_silenced(m, silenced))
    return messages


def is_silenced(message: CheckMessage, silenced: set[str]) -> bool:
    """A warning listed in SILENCED_CHECKS; an error never is."""
    return message.level == "warning" and message.id in silenced
