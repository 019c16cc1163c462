# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Tokens: a pair at login, rotation at refresh, revocation, and the per-request check.

Every token carries its family id (`fam`, one per login). The database row of the
family is the authority: it names the one refresh token that may be used next and
says whether the family is revoked. The authentication middleware calls
`actor_for_claims` on every request with verified claims.

Revocation lives in the database by default: one statement per authenticated request
checks the family and the user and loads the actor, in the request's own unit of work.
With `TOKEN_REVOCATION_REDIS_URL` set, revocations are also written to Redis and the
per-request check is one Redis round trip instead; the actor then comes from the
token's claims (roles may lag a role change by up to one access-token lifetime).
Redis unreachable during that check: 503, never a pass (fails closed).

The users are the accounts module's: this module reads its table through `USERS`
(kernel/auth/models.py) and takes any user object with `id`, `email` and `role_set`.
"""

from __future__ import annotations

import functools
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from redis import Redis, RedisError
from sqlalchemy.engine import CursorResult
from werkzeug.exceptions import ServiceUnavailable

from ..core.actors import Actor
from ..core.context import ExecutionContext
from ..core.state import kernel_state
from ..data.driver import FixedRead
from .models import USERS, TokenFamily
from .tokens import AuthState, InvalidToken

T = TypeVar("T")


class TokenSubject(Protocol):
    """What issuing tokens needs of a user (the accounts module's `User` has it)."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def role_set(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class _UserRow:
    id: int
    email: str
    role_set: frozenset[str]


_log = logging.getLogger("keel.auth")

REDIS_PREFIX = "keel:auth:"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


class RevocationUnavailable(ServiceUnavailable):
    """503: revocation cannot be checked, so the token cannot be trusted (fail closed)."""

    def __init__(self) -> None:
        super().__init__("Token revocation cannot be checked right now; try again shortly.")
        self.problem_headers = {"Retry-After": "5"}


# --- Issuing and rotating ------------------------------------------------------------


def issue_tokens(ctx: ExecutionContext, user: TokenSubject) -> TokenPair:
    """A new family (one login): an access token and its first refresh token."""
    state = _state()
    family = secrets.token_hex(16)
    refresh_jti = str(uuid.uuid4())
    ctx.session.add(
        TokenFamily(
            id=family,
            user_id=user.id,
            current_jti=refresh_jti,
            expires_at=ctx.clock.now() + state.refresh_lifetime,
        )
    )
    return _pair(user, family, refresh_jti, state)


def rotate_tokens(ctx: ExecutionContext, claims: Mapping[str, Any]) -> TokenPair:
    """Trade a verified refresh token for a new pair; the old refresh token dies.

    The swap is one conditional UPDATE, so two concurrent refreshes with the same token
    cannot both win: the loser is treated as reuse. Reuse (a refresh token that was
    already rotated away) revokes the whole family: either the client or a thief holds
    a copy, and the server cannot tell which. The caller commits before answering 401,
    so the revocation survives the error status.
    """
    user_id = _user_id(claims)
    family, jti = str(claims["fam"]), str(claims["jti"])
    user = _active_user(ctx, user_id) if user_id is not None else None
    if user is None:
        revoke_family(ctx, family, reason="inactive")
        raise InvalidToken("The token has been revoked.")
    new_jti = str(uuid.uuid4())
    swapped = cast(
        "CursorResult[Any]",
        ctx.session.execute(
            sa.update(TokenFamily)
            .where(
                TokenFamily.id == family,
                TokenFamily.user_id == user.id,
                TokenFamily.current_jti == jti,
                TokenFamily.revoked_at.is_(None),
            )
            .values(current_jti=new_jti)
            .execution_options(synchronize_session=False)
        ),
    )
    if swapped.rowcount != 1:
        row = ctx.session.get(TokenFamily, family)
        if row is not None and row.revoked_at is None:
            _log.warning(
                "Refresh token reused: family %s of user %s revoked",
                family,
                user.id,
                extra={"family": family, "user_id": user.id},
            )
            revoke_family(ctx, family, reason="reuse")
        raise InvalidToken("The token has been revoked.")
    return _pair(user, family, new_jti, _state())


def current_actor(ctx: ExecutionContext, actor: Actor) -> Actor | None:
    """`actor` as the users table says it is now, or None when that user is gone.

    For a unit of work that runs later than it was asked for (a task): a user who has
    been deactivated or deleted since is None; a role change gives the current roles.
    The system and anonymous actors are returned as they are.
    """
    if actor.kind != "user" or actor.id is None:
        return actor
    user = _active_user(ctx, actor.id)
    if user is None:
        return None
    return Actor.user(user.id, user.email, user.role_set)


def _active_user(ctx: ExecutionContext, user_id: int) -> _UserRow | None:
    row = ctx.session.execute(
        sa.select(USERS.c.id, USERS.c.email, USERS.c.roles).where(
            USERS.c.id == user_id, USERS.c.is_active.is_(True)
        )
    ).first()
    if row is None:
        return None
    return _UserRow(int(row[0]), str(row[1]), frozenset(str(row[2] or "").split()))


def _pair(user: TokenSubject, family: str, refresh_jti: str, state: AuthState) -> TokenPair:
    identity = str(user.id)  # `sub` is a string (RFC 7519; PyJWT refuses anything else)
    access = create_access_token(
        identity,
        additional_claims={"fam": family, "email": user.email, "roles": sorted(user.role_set)},
    )
    refresh = create_refresh_token(identity, additional_claims={"fam": family, "jti": refresh_jti})
    return TokenPair(access, refresh, int(state.access_lifetime.total_seconds()))


def verify_token(token: str, *, token_type: str) -> dict[str, Any]:
    """The verified claims of `token` (the kernel's rules), or `InvalidToken`."""
    return _state().verifier.verify(token, token_type=token_type)


# --- Revoking -----------------------------------------------------------------------


def revoke_family(ctx: ExecutionContext, family: str, *, reason: str) -> None:
    """Refuse every token of one login from now on (refresh and access alike)."""
    now = ctx.clock.now()
    ctx.session.execute(
        sa.update(TokenFamily)
        .where(TokenFamily.id == family, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    client = _revocation_store()
    if client is not None:
        # Written now, before the commit: a revocation that later rolls back only
        # refuses a token early, while one written after could be lost.
        ttl = _redis_ttl(ctx)
        _guarded(lambda: client.set(f"{REDIS_PREFIX}fam:{family}", reason, ex=ttl))


def revoke_user_tokens(ctx: ExecutionContext, user: TokenSubject, *, reason: str) -> int:
    """Revoke every family of `user` (deactivation, "log out everywhere")."""
    now = ctx.clock.now()
    result = cast(
        "CursorResult[Any]",
        ctx.session.execute(
            sa.update(TokenFamily)
            .where(TokenFamily.user_id == user.id, TokenFamily.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .execution_options(synchronize_session=False)
        ),
    )
    client = _revocation_store()
    if client is not None:
        key = f"{REDIS_PREFIX}user:{user.id}"
        ttl = _redis_ttl(ctx)
        _guarded(lambda: client.set(key, str(now.timestamp()), ex=ttl))
    return result.rowcount


# --- The per-request check --------------------------------------------------------------

#: Is the family unrevoked and its user active, and who is the user: one statement,
#: run on the driver's cursor of the request's own connection (kernel/data/driver.py).
_ACTOR_QUERY = FixedRead(
    sa.select(USERS.c.id, USERS.c.email, USERS.c.roles)
    .select_from(USERS.join(TokenFamily.__table__, TokenFamily.user_id == USERS.c.id))
    .where(
        TokenFamily.id == sa.bindparam("family"),
        USERS.c.id == sa.bindparam("user_id"),
        TokenFamily.revoked_at.is_(None),
        USERS.c.is_active.is_(True),
    )
)


def actor_for_claims(ctx: ExecutionContext, claims: Mapping[str, Any]) -> Actor | None:
    """The actor of a verified access token, or None when it is revoked.

    Revoked means: its family was revoked (logout, reuse, deactivation), the family or
    the user no longer exists, or the user is inactive. One SQL statement in the
    request's own unit of work (its session and transaction, which the view then
    reuses), or one Redis round trip with `TOKEN_REVOCATION_REDIS_URL`.
    """
    user_id = _user_id(claims)
    family = claims.get("fam")
    if user_id is None or not isinstance(family, str):
        return None
    client = _revocation_store()
    if client is not None:
        return _actor_from_redis(client, user_id, family, claims)
    # The session's own connection: the same connection and transaction as the view's.
    row = _ACTOR_QUERY.first(ctx.session.connection(), {"family": family, "user_id": user_id})
    if row is None:
        return None
    return _actor_for_row(row)


@functools.lru_cache(maxsize=1024)
def _actor_for_row(row: tuple[Any, ...]) -> Actor:
    """The actor of a (user id, email, roles) row; actors are immutable, so shared.

    The row is the whole key: a changed email or role set is another row, another actor.
    """
    found_id, email, roles = row
    return Actor.user(int(found_id), str(email), frozenset(str(roles or "").split()))


def _actor_from_redis(
    client: Redis, user_id: int, family: str, claims: Mapping[str, Any]
) -> Actor | None:
    revoked_family, revoked_before = _guarded(
        lambda: client.mget(f"{REDIS_PREFIX}fam:{family}", f"{REDIS_PREFIX}user:{user_id}")
    )
    if revoked_family is not None:
        return None
    if revoked_before is not None and float(claims["iat"]) <= float(revoked_before):
        return None
    email, roles = claims.get("email"), claims.get("roles")
    if not isinstance(email, str) or not isinstance(roles, list):
        return None
    return Actor.user(user_id, email, {str(role) for role in roles})


# --- Helpers --------------------------------------------------------------------------


def _state() -> AuthState:
    return kernel_state(current_app).get(AuthState)


def _user_id(claims: Mapping[str, Any]) -> int | None:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.isdigit() or len(subject) > 18:
        return None
    return int(subject)


def _redis_ttl(ctx: ExecutionContext) -> int:
    # Once a family or user is revoked, no new access token is minted for it (refresh
    # checks the database), so the marker only has to outlive the access tokens.
    return ctx.settings.JWT_ACCESS_TOKEN_MINUTES * 60 + 60


def _revocation_store() -> Redis | None:
    """The Redis revocation store's client (built by create_app), or None without one."""
    return _state().redis


def _guarded(call: Callable[[], T]) -> T:
    try:
        return call()
    except RedisError as exc:
        _log.error(
            "Token revocation store unreachable (%s); refusing (fail closed)",
            type(exc).__name__,
        )
        raise RevocationUnavailable() from None
