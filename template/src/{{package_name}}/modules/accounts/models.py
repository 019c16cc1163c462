"""The user table. (The refresh-token families that log users in are the kernel's:
`kernel.auth.TokenFamily`, re-exported here for code written against Keel 0.1.0.)"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ...kernel import Actor, Model
from ...kernel.auth import TokenFamily

__all__ = ["TokenFamily", "User", "normalize_email"]


def _now() -> datetime:
    return datetime.now(UTC)


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored normalised (see `normalize_email`), unique.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Space-separated role names, e.g. "admin".
    roles: Mapped[str] = mapped_column(sa.String(255), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=_now, onupdate=_now
    )

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    def as_actor(self) -> Actor:
        return Actor.user(self.id, self.email, self.role_set)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


def normalize_email(email: str) -> str:
    """Lower-case and strip: one account per address, however it is typed."""
    return email.strip().lower()
