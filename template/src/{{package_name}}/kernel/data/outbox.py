# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The task outbox table: a task message is a row of the transaction that asks for it.

`kernel.tasks.enqueue` writes the row in the caller's unit of work, so the message
exists exactly when the rows it is about were committed; it is sent to the broker after
the commit, and the worker's relay (or `flask tasks relay`) sends what was not. The
worker marks a row done in the task's own transaction, so a message delivered twice
runs once (docs/tasks.md).

The table is in every project, with or without Celery (its revision is kernel/data/
migrations/versions/k0002_task_outbox.py), so turning Celery on or off never adds or
removes a revision of the kernel's chain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .database import Model, UTCDateTime


class TaskOutbox(Model):
    """One task message: pending (`sent_at` empty), sent, then done (`done_at`)."""

    __tablename__ = "task_outbox"

    #: The task id: the Celery message carries it, so the worker finds its row.
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    #: The declared task's name.
    task: Mapped[str] = mapped_column(sa.String(255))
    #: `{"args": [...], "kwargs": {...}, "headers": {...}, "options": {...}}`.
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When the broker took it; empty while it waits for the relay.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: When a worker committed the task's transaction (a second delivery is skipped).
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Failed sends so far, and the last one's error.
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    def __repr__(self) -> str:
        return f"<TaskOutbox {self.id} {self.task} sent={self.sent_at} done={self.done_at}>"
