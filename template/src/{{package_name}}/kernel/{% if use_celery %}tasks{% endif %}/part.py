# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The task worker as an optional kernel part, turned on by `CelerySettings.extensions()`."""

from __future__ import annotations

from flask import Flask

from ..core.checks import Check
from .checks import celery_production
from .worker import init_celery


class TasksPart:
    """Builds the Celery app after the modules load, and adds Celery's deploy checks."""

    name = "tasks"
    checks = (Check(celery_production, deploy=True),)

    def init_app(self, app: Flask) -> None:
        init_celery(app)


TASKS = TasksPart()
