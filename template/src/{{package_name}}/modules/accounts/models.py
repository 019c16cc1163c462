"""The user table, and the refresh-token families that log them in."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ...kernel.actors import Actor
from ...kernel.database import Model


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


class TokenFamily(Model):
    """One login: the chain of refresh tokens that rotate from it, and its access tokens.

    Every token carries the family id (`fam`). Only the refresh token whose `jti` is
    `current_jti` may be used; using an older one means a token was copied, and the
    whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation). An access
    token is refused as soon as its family is revoked: at logout, on reuse, when its
    user is deactivated.
    """

    __tablename__ = "token_families"

    #: Random, 32 hex characters.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    current_jti: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    #: When the last refresh token of the family expires (rows past it can be deleted).
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: "logout", "reuse", "deactivated" or "inactive".
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(32))

    def __repr__(self) -> str:
        return f"<TokenFamily {self.id} user={self.user_id} revoked={self.revoked_reason}>"


def normalize_email(email: str) -> str:
    """Lower-case and strip: one account per address, however it is typed."""
    return email.strip().lower()
