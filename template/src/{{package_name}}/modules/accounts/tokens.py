"""Tokens: a pair at login, rotation at refresh, revocation, and the per-request check.

Every token carries its family id (`fam`, one per login). The database row of the
family is the authority: it names the one refresh token that may be used next and
says whether the family is revoked. `actor_for_claims` is `settings.TOKEN_ACTOR_LOADER`:
the authentication middleware calls it on every request with verified claims.

Revocation lives in the database by default: one primary-key query per authenticated
request checks the family and the user and loads the actor, on a per-thread autocommit
connection (see `_fetch_actor_row`), so it reads the latest committed revocation. With
`TOKEN_REVOCATION_REDIS_URL` set, revocations are also written to Redis and the
per-request check is one Redis round trip instead; the actor then comes from the
token's claims (roles may lag a role change by up to one access-token lifetime).
Redis unreachable during that check: 503, never a pass (fails closed).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy.engine import CursorResult, Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection
from werkzeug.exceptions import ServiceUnavailable

from ...kernel.actors import Actor
from ...kernel.auth import AuthState, InvalidToken, auth_state
from ...kernel.context import ExecutionContext
from ...kernel.database import db
from ...kernel.ratelimit import redis_options
from ...kernel.settings import KernelSettings
from .models import TokenFamily, User

if TYPE_CHECKING:
    from redis import Redis
    from sqlalchemy.engine.interfaces import DBAPIConnection

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


def issue_tokens(ctx: ExecutionContext, user: User) -> TokenPair:
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
    user = ctx.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
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


def _pair(user: User, family: str, refresh_jti: str, state: AuthState) -> TokenPair:
    identity = str(user.id)  # `sub` is a string (RFC 7519; PyJWT refuses anything else)
    access = create_access_token(
        identity,
        additional_claims={"fam": family, "email": user.email, "roles": sorted(user.role_set)},
    )
    refresh = create_refresh_token(identity, additional_claims={"fam": family, "jti": refresh_jti})
    return TokenPair(access, refresh, int(state.access_lifetime.total_seconds()))


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
    client = _redis_for(ctx.settings)
    if client is not None:
        # Written now, before the commit: a revocation that later rolls back only
        # refuses a token early, while one written after could be lost.
        ttl = _redis_ttl(ctx)
        _guarded(lambda: client.set(f"{REDIS_PREFIX}fam:{family}", reason, ex=ttl))


def revoke_user_tokens(ctx: ExecutionContext, user: User, *, reason: str) -> int:
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
    client = _redis_for(ctx.settings)
    if client is not None:
        key = f"{REDIS_PREFIX}user:{user.id}"
        ttl = _redis_ttl(ctx)
        _guarded(lambda: client.set(key, str(now.timestamp()), ex=ttl))
    return result.rowcount


# --- The per-request check (settings.TOKEN_ACTOR_LOADER) ------------------------------

_ACTOR_QUERY = (
    sa.select(User.id, User.email, User.roles)
    .join(TokenFamily, TokenFamily.user_id == User.id)
    .where(
        TokenFamily.id == sa.bindparam("family"),
        User.id == sa.bindparam("user_id"),
        TokenFamily.revoked_at.is_(None),
        User.is_active.is_(True),
    )
)


def actor_for_claims(ctx: ExecutionContext, claims: Mapping[str, Any]) -> Actor | None:
    """The actor of a verified access token, or None when it is revoked.

    Revoked means: its family was revoked (logout, reuse, deactivation), the family or
    the user no longer exists, or the user is inactive.
    """
    user_id = _user_id(claims)
    family = claims.get("fam")
    if user_id is None or not isinstance(family, str):
        return None
    client = _redis_for(ctx.settings)
    if client is not None:
        return _actor_from_redis(client, user_id, family, claims)
    row = _fetch_actor_row(ctx, family, user_id)
    if row is None:
        return None
    return _actor_for_row(row)


@functools.lru_cache(maxsize=1024)
def _actor_for_row(row: tuple[Any, ...]) -> Actor:
    """The actor of a (user id, email, roles) row; actors are immutable, so shared.

    The row is the whole key: a changed email or role set is another row, another actor.
    """
    found_id, email, roles = row
    return Actor.user(int(found_id), str(email), frozenset(str(roles).split()))


def _fetch_actor_row(ctx: ExecutionContext, family: str, user_id: int) -> tuple[Any, ...] | None:
    """Run `_ACTOR_QUERY` (family not revoked, user active) for one verified token.

    This runs on every authenticated request, before the view, so it does not open the
    request's ORM session and transaction (a session, a pool checkout, BEGIN and COMMIT
    cost ten times the query): it runs on a connection of its own per thread, in
    autocommit mode, so it reads the latest committed revocations. The request's
    session is used instead when it is already open, or when sessions are bound to one
    connection (the test suite's rolled-back transaction, whose rows no other
    connection can see).
    """
    if ctx.has_session or db.session.session_factory.kw.get("bind") is not None:
        connection = ctx.session.connection()
        sql, order = _compiled(connection.dialect)
        return _execute(connection.connection.dbapi_connection, sql, order, family, user_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    reader: _RevocationReader | None = app.extensions.get(_READER)
    if reader is None:  # first check in this app; setdefault: two threads may race here
        reader = app.extensions.setdefault(_READER, _RevocationReader(db.engine))
    return reader.fetch(family, user_id)


_READER = "keel.accounts.revocation_reader"

#: `_ACTOR_QUERY` compiled once per dialect: (SQL text, bind names in positional order).
_COMPILED: dict[str, tuple[str, tuple[str, ...] | None]] = {}


def _compiled(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """SQLAlchemy's own compilation of `_ACTOR_QUERY` for `dialect`, made once."""
    entry = _COMPILED.get(dialect.name)
    if entry is None:
        compiled = _ACTOR_QUERY.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        entry = _COMPILED[dialect.name] = (compiled.string, order)
    return entry


def _in_order(family: str, user_id: int) -> tuple[str, int]:
    return (family, user_id)


def _params(order: tuple[str, ...] | None, family: str, user_id: int) -> Any:
    if order is None:  # a named paramstyle
        return {"family": family, "user_id": user_id}
    return [family if name == "family" else user_id for name in order]


def _execute(
    dbapi_connection: Any, sql: str, order: tuple[str, ...] | None, family: str, user_id: int
) -> tuple[Any, ...] | None:
    """The compiled query, straight through the driver (no per-statement machinery)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql, _params(order, family, user_id))
        row = cursor.fetchone()
    finally:
        cursor.close()
    return tuple(row) if row is not None else None


class _RevocationReader:
    """One autocommit connection (and cursor) per thread for the per-request check.

    Connections are made by the engine (its connect events run: SQLite's pragmas), then
    detached from its pool, so they never hold a pool slot other requests wait for;
    each thread of each process adds one connection to the database. A connection
    that fails is closed and replaced once, then the error propagates (a 500: the
    token is not accepted). A process forked after a check does not reuse its
    parent's connection.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sql, order = _compiled(engine.dialect)
        #: (family, user_id) -> the driver's parameters, in its paramstyle.
        self._params: Callable[[str, int], Any] = functools.partial(_params, order)
        if order == ("family", "user_id"):  # SQLite's and psycopg's positional order
            self._params = _in_order
        self._error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._local = threading.local()

    def fetch(self, family: str, user_id: int) -> tuple[Any, ...] | None:
        params = self._params(family, user_id)
        try:
            local = self._local
            if getattr(local, "generation", -1) != _fork_generation:
                self._connect()
            cursor = local.cursor
            cursor.execute(self._sql, params)
            row = cursor.fetchone()
        except self._error:
            self._discard()
            self._connect()
            cursor = self._local.cursor
            cursor.execute(self._sql, params)
            row = cursor.fetchone()
        return tuple(row) if row is not None else None

    def _connect(self) -> None:
        local = self._local
        if getattr(local, "connection", None) is not None:
            _INHERITED.append(local.connection)  # the parent's: never closed from here
        connection = self._engine.raw_connection()
        connection.detach()  # closing it now closes it; it never returns to the pool
        dbapi_connection = cast("DBAPIConnection", connection.dbapi_connection)  # just made
        self._engine.dialect.set_isolation_level(dbapi_connection, "AUTOCOMMIT")
        local.connection, local.cursor = connection, dbapi_connection.cursor()
        local.generation = _fork_generation

    def _discard(self) -> None:
        local = self._local
        connection: PoolProxiedConnection | None = getattr(local, "connection", None)
        local.connection = local.cursor = None
        local.generation = -1
        if connection is not None:
            with contextlib.suppress(self._error):
                connection.close()


#: Connections a forked child inherited; kept referenced so their sockets stay untouched.
_INHERITED: list[Any] = []
#: Bumped in a forked child, so every reader there makes its own connections.
_fork_generation = 0


def _after_fork_in_child() -> None:
    global _fork_generation
    _fork_generation += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


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
    return auth_state(current_app._get_current_object())  # type: ignore[attr-defined]


def _user_id(claims: Mapping[str, Any]) -> int | None:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.isdigit() or len(subject) > 18:
        return None
    return int(subject)


def _redis_ttl(ctx: ExecutionContext) -> int:
    # Once a family or user is revoked, no new access token is minted for it (refresh
    # checks the database), so the marker only has to outlive the access tokens.
    return ctx.settings.JWT_ACCESS_TOKEN_MINUTES * 60 + 60


def _redis_for(settings: KernelSettings) -> Redis | None:
    url = settings.TOKEN_REVOCATION_REDIS_URL
    if not url:
        return None
    return _redis_client(url, settings.REDIS_SOCKET_TIMEOUT)


@functools.cache
def _redis_client(url: str, timeout: float) -> Redis:
    """One client (and connection pool) per URL and process; imported on first use."""
    from redis import Redis

    client: Redis = Redis.from_url(url, decode_responses=True, **redis_options(timeout))
    return client


def _guarded(call: Any) -> Any:
    from redis import RedisError

    try:
        return call()
    except RedisError as exc:
        _log.error(
            "Token revocation store unreachable (%s); refusing (fail closed)",
            type(exc).__name__,
        )
        raise RevocationUnavailable() from None
