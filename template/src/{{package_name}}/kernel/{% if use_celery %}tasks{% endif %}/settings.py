# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The settings Celery needs; the project's `Settings` subclasses `CelerySettings`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from ..core.settings import KernelSettings, anchor_sqlite_url


class CelerySettings(KernelSettings):
    """The settings Celery needs; the project's `Settings` subclasses this one.

    Defaults need no server: the broker and the result backend are SQLite files under
    var/ (kombu's SQLAlchemy transport), fine for one machine in development. In
    production point both at Redis (`redis://host:6379/0`).
    """

    #: Where tasks are queued: the embedded SQLite broker by default (one machine),
    #: `redis://host:6379/0` in production (keel.W202).
    CELERY_BROKER_URL: str = "sqla+sqlite:///var/celery-broker.sqlite3"
    #: Where task results and states are kept: a SQLite file by default, Redis in
    #: production.
    CELERY_RESULT_BACKEND: str = "db+sqlite:///var/celery-results.sqlite3"
    #: Run tasks in-process when enqueued (after commit). For tests only: in production
    #: a slow task would hold the web request, and `flask check --deploy` refuses it.
    CELERY_TASK_ALWAYS_EAGER: bool = False
    #: Seconds to wait for the broker (connect and each socket operation) before failing.
    CELERY_BROKER_TIMEOUT: float = Field(default=3.0, gt=0, le=60)
    #: Redis: seconds before an unacknowledged task goes back to the queue (a worker
    #: died). Longer than your longest task, or it runs twice.
    CELERY_VISIBILITY_TIMEOUT: int = Field(default=3600, ge=1)
    #: The queue tasks go to and workers consume; give each service its own when they
    #: share a Redis.
    CELERY_TASK_DEFAULT_QUEUE: str = "celery"
    CELERY_OUTBOX_RELAY_INTERVAL: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds between the worker's outbox sweeps: a task message not sent "
        "after its commit (broker down) is sent by the next sweep once it is this old. "
        "A web process that failed to send also leaves new messages to the relay for "
        "this long, so requests do not each wait on a dead broker.",
    )
    CELERY_OUTBOX_RETENTION: float = Field(
        default=7 * 24 * 3600,
        gt=0,
        description="Seconds a sent task message stays in the outbox table before the "
        "relay deletes it; within that time a second delivery of the task is skipped.",
    )
    #: Where beat remembers when each periodic task last ran (relative to the project).
    CELERY_BEAT_SCHEDULE_FILE: str = "var/celerybeat-schedule"

    @field_validator("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    @classmethod
    def _anchor_sqlite_paths(cls, value: str) -> str:
        """Relative SQLite paths are resolved against the working directory, once."""
        if "://" not in value:
            raise ValueError(
                f"{value!r} is not a broker URL; expected redis://host:6379/0 or "
                "sqla+sqlite:///var/celery-broker.sqlite3"
            )
        return anchor_sqlite_url(value)

    @field_validator("CELERY_BEAT_SCHEDULE_FILE")
    @classmethod
    def _anchor_schedule_file(cls, value: str) -> str:
        path = Path(value)
        return str(path if path.is_absolute() else Path.cwd() / path)

    def extensions(self) -> tuple[str, ...]:
        """The kernel's optional parts: these settings turn the task worker on."""
        return (*super().extensions(), f"{__package__}.part:TASKS")
