"""Account services: plain functions that take the execution context first."""

from __future__ import annotations

from sqlalchemy import select

from ...kernel.actors import Actor
from ...kernel.context import ExecutionContext
from .models import User, normalize_email


def find_active_user(ctx: ExecutionContext, email: str) -> User | None:
    return ctx.session.scalar(
        select(User).where(User.email == normalize_email(email), User.is_active.is_(True))
    )


def actor_for_email(ctx: ExecutionContext, email: str) -> Actor | None:
    """`settings.ACTOR_LOADER`: the actor `flask ... --as EMAIL` runs as."""
    user = find_active_user(ctx, email)
    return user.as_actor() if user is not None else None
