"""`/api/v1/auth`: log in, refresh, log out, and who am I.

Every answer carries `Cache-Control: no-store` (tokens and identities must not sit in
a cache), errors included. The access token travels in `Authorization: Bearer`; the
refresh token only in the body of `/refresh`, so it can never be mistaken for an
access token by the authentication middleware (which refuses it anyway).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from ...kernel import (
    IsAuthenticated,
    authenticated,
    current_context,
    current_request,
    public,
    rate_limiter_of,
    requires,
)
from ...kernel.auth import (
    REFRESH,
    AuthenticationRequired,
    InvalidToken,
    TokenPair,
    issue_tokens,
    revoke_family,
    rotate_tokens,
    verify_token,
)
from .models import normalize_email
from .schemas import LoginSchema, MeSchema, RefreshSchema, TokenPairSchema
from .services import authenticate

blp = Blueprint(
    "auth", __name__, url_prefix="/api/v1/auth", description="Log in, refresh, log out."
)


def no_store(view: Callable[..., Any]) -> Callable[..., Any]:
    """Queue `Cache-Control: no-store` for whatever this view answers, errors included."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_request().response_headers["Cache-Control"] = "no-store"
        return view(*args, **kwargs)

    return wrapper


def _pair(pair: TokenPair) -> dict[str, Any]:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": pair.token_type,
        "expires_in": pair.expires_in,
    }


def _throttle_key(value: str) -> str:
    # Counters are keyed by a digest: no email address sits in the rate-limit storage.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@blp.route("/login", methods=["POST"])
@public
@no_store
@blp.arguments(LoginSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, description="Wrong email or password, or an inactive account.")
@blp.alt_response(429, description="Too many attempts for this email or address.")
def login(data: dict[str, str]) -> dict[str, Any]:
    """Trade an email and password for an access token and a refresh token."""
    ctx = current_context()
    request = current_request()
    email = normalize_email(data["email"])
    rate_limiter_of(current_app).hit(
        ctx.settings.RATELIMIT_LOGIN,
        f"email:{_throttle_key(email)}",
        f"ip:{request.remote_addr or 'unknown'}",
        scope="login",
    )
    user = authenticate(ctx, email, data["password"])
    if user is None:
        ctx.logger.info("Login refused", extra={"event": "login_failed"})
        raise AuthenticationRequired("The email or password is wrong.")
    pair = issue_tokens(ctx, user)
    ctx.logger.info("Login", extra={"event": "login", "user_id": user.id})
    return _pair(pair)


@blp.route("/refresh", methods=["POST"])
@public
@no_store
@blp.arguments(RefreshSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, description="The refresh token is invalid, expired or revoked.")
def refresh(data: dict[str, str]) -> dict[str, Any]:
    """Rotate: a new pair for a refresh token, which stops working.

    Presenting a refresh token that was already rotated revokes its whole family.
    """
    ctx = current_context()
    claims = _refresh_claims(data["refresh_token"])
    try:
        pair = rotate_tokens(ctx, claims)
    except InvalidToken:
        # The error status rolls the transaction back; the revocation must stay.
        ctx.session.commit()
        raise
    return _pair(pair)


def _refresh_claims(token: str) -> dict[str, Any]:
    return verify_token(token, token_type=REFRESH)


@blp.route("/logout", methods=["POST"])
@requires(IsAuthenticated())
@no_store
@authenticated
@blp.response(204)
def logout() -> None:
    """Revoke this login: its access and refresh tokens stop working at once."""
    ctx = current_context()
    claims = current_request().claims or {}
    revoke_family(ctx, str(claims["fam"]), reason="logout")


@blp.route("/me", methods=["GET"])
@requires(IsAuthenticated())
@no_store
@authenticated
@blp.response(200, MeSchema)
def me() -> dict[str, Any]:
    """The authenticated user."""
    actor = current_context().actor
    return {"id": actor.id, "email": actor.name, "roles": sorted(actor.roles)}
