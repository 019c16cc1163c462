"""A project belongs to one user; admins see them all (see `permissions.py`)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ...kernel import Model, UTCDateTime


def _now() -> datetime:
    return datetime.now(UTC)


class Project(Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: 1 (most urgent) to 5.
    priority: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, onupdate=_now)
    #: Set by `flask projects archive-stale`; archived projects stay readable.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last report's text and time, written by the report task (Celery presets).
    report: Mapped[str | None] = mapped_column(sa.Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Bumped by every UPDATE: the ETag, and SQLAlchemy refuses a concurrent stale write.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name!r} owner={self.owner_id}>"
