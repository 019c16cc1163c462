# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The token families table, and the columns of the users table the kernel reads.

The kernel owns `token_families` (its migrations: kernel/data/migrations/); the
accounts module owns `users`. The token backend
reads four columns of it (`id`, `email`, `roles` as space-separated names, `is_active`)
through the light `USERS` table below, never through the accounts module's classes:
the kernel imports no domain module. A project that renames those columns changes
`USERS` to match.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..data.database import Model

#: The accounts module's `users` table, as far as the token backend needs it.
USERS = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("roles", sa.String),
    sa.column("is_active", sa.Boolean),
)


def _now() -> datetime:
    return datetime.now(UTC)


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
    #: The user's id, by value: no foreign key into the accounts module's table, so the
    #: kernel's migrations never depend on the project's (a deleted user's families are
    #: refused like revoked ones: the revocation check joins `users`).
    user_id: Mapped[int] = mapped_column(index=True)
    current_jti: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    #: When the last refresh token of the family expires (rows past it can be deleted).
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: "logout", "reuse", "deactivated" or "inactive".
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(32))

    def __repr__(self) -> str:
        return f"<TokenFamily {self.id} user={self.user_id} revoked={self.revoked_reason}>"
