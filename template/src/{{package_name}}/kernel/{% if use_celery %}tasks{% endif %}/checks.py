# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The task adapter's deployment checks (ids: kernel/core/checks.py's CATALOG)."""

from __future__ import annotations

from flask import Flask

from ..core.checks import CheckMessage
from ..core.state import kernel_state
from .settings import CelerySettings


def celery_production(app: Flask) -> list[CheckMessage]:
    """keel.E201 / keel.W202 (deploy): Celery as production needs it."""
    settings = kernel_state(app).settings
    if not isinstance(settings, CelerySettings):
        return []
    messages = []
    if settings.CELERY_TASK_ALWAYS_EAGER:
        messages.append(
            CheckMessage(
                "keel.E201",
                "error",
                "CELERY_TASK_ALWAYS_EAGER is on: every task runs inside the web request that "
                "enqueued it, holding the response and failing it when the task fails.",
                "Unset CELERY_TASK_ALWAYS_EAGER in production; run a worker instead.",
                "CELERY_TASK_ALWAYS_EAGER",
            )
        )
    if settings.CELERY_BROKER_URL.startswith(("sqla+sqlite", "sqlalchemy+sqlite")):
        messages.append(
            CheckMessage(
                "keel.W202",
                "warning",
                "CELERY_BROKER_URL is the embedded SQLite broker: one machine only, polled, "
                "and a task whose worker dies is not redelivered.",
                "Point CELERY_BROKER_URL and CELERY_RESULT_BACKEND at Redis (redis://host:6379/0).",
                "CELERY_BROKER_URL",
            )
        )
    return messages
