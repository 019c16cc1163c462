"""Account services: plain functions that take the execution context first."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from ...kernel import Actor, ExecutionContext
from ...kernel.auth import revoke_user_tokens
from .models import User, normalize_email
from .passwords import (
    check_policy,
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)

#: Role names: short, lower-case, no spaces (they are stored space-separated).
ROLE_NAME = re.compile(r"[a-z][a-z0-9_.:-]{0,31}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AccountError(ValueError):
    """The account change cannot be made; the message says why (safe to show)."""


def find_user(ctx: ExecutionContext, email: str) -> User | None:
    return ctx.session.scalar(select(User).where(User.email == normalize_email(email)))


def find_active_user(ctx: ExecutionContext, email: str) -> User | None:
    return ctx.session.scalar(
        select(User).where(User.email == normalize_email(email), User.is_active.is_(True))
    )


def actor_for_email(ctx: ExecutionContext, email: str) -> Actor | None:
    """`settings.ACTOR_LOADER`: the actor `flask ... --as EMAIL` runs as."""
    user = find_active_user(ctx, email)
    return user.as_actor() if user is not None else None


def create_user(
    ctx: ExecutionContext, email: str, password: str, roles: Iterable[str] = ()
) -> User:
    """A new active user; `AccountError` for a taken or malformed email, a weak password."""
    address = normalize_email(email)
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise AccountError(f"{email!r} is not an email address")
    role_names = sorted(set(roles))
    bad = [role for role in role_names if not ROLE_NAME.fullmatch(role)]
    if bad:
        raise AccountError(f"invalid role name(s) {bad}: use lower-case letters, digits, _.:-")
    try:
        check_policy(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    if find_user(ctx, address) is not None:
        raise AccountError(f"a user with the email {address!r} already exists")
    user = User(
        email=address,
        password_hash=hash_password(password),
        roles=" ".join(role_names),
        is_active=True,
    )
    ctx.session.add(user)
    ctx.session.flush()
    return user


def authenticate(ctx: ExecutionContext, email: str, password: str) -> User | None:
    """The active user whose credentials these are, or None; same cost either way.

    An unknown email verifies against a dummy hash, so it takes as long as a wrong
    password; an inactive user's password is verified before the refusal, for the same
    reason. A correct password stored with outdated parameters is rehashed.
    """
    user = find_user(ctx, email)
    if user is None:
        spend_verification_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def deactivate_user(ctx: ExecutionContext, email: str) -> tuple[User, int]:
    """Refuse the user's logins and revoke every token they hold; returns (user, families)."""
    user = find_user(ctx, email)
    if user is None:
        raise AccountError(f"no user has the email {normalize_email(email)!r}")
    user.is_active = False
    revoked = revoke_user_tokens(ctx, user, reason="deactivated")
    return user, revoked
