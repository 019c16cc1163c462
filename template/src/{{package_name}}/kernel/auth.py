"""Bearer-token authentication: the generic part (the accounts module supplies the users).

The rules, the same for every token and every request:

- One pinned algorithm: HS256 with `JWT_SECRET_KEY`. Decoding accepts that one only, so
  `alg: none`, HS512 or an RS/HS confusion is refused before any key is used.
- `iss`, `aud`, `exp`, `nbf`, `iat`, `jti`, `sub` (a string), `type` and `fam` (the
  refresh-token family) are required and checked; no leeway.
- Revocation is checked on every request by `settings.TOKEN_ACTOR_LOADER`, which also
  says who the subject is (the kernel never imports the accounts module).
- Every failure is a 401 problem+json with a `WWW-Authenticate: Bearer` challenge.

flask-jwt-extended issues the tokens and is configured with the same rules; its error
loaders are replaced (its defaults answer 422 `{"msg": ...}`), so a view that uses its
`@jwt_required()` answers like the rest of the service. The authentication middleware
does not use that path: it verifies with `TokenVerifier`, once per request (PyJWT
directly, plus a bounded cache of verified tokens), which costs a fraction of
flask-jwt-extended's repeated decoding (see bench/auth_overhead.py).
"""

from __future__ import annotations

import functools
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

import jwt
from flask import Flask, Response, request
from werkzeug.exceptions import Unauthorized

from .actors import Actor
from .context import ExecutionContext, current_context
from .errors import problem
from .settings import ConfigurationError, KernelSettings

if TYPE_CHECKING:
    from .request import Request

#: The only algorithm tokens are signed and accepted with.
ALGORITHM = "HS256"
#: Claims every token must carry (PyJWT refuses a token missing one).
REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub", "jti", "type", "fam")
#: Longer Authorization values are refused unread: a token of ours is about 450 bytes.
MAX_TOKEN_LENGTH = 4096
REALM = "api"
#: The `type` claim values flask-jwt-extended writes (names, not secrets).
ACCESS = "access"
REFRESH = "refresh"

TokenActorLoader = Callable[[ExecutionContext, Mapping[str, Any]], Actor | None]
F = TypeVar("F", bound=Callable[..., Any])

_EXTENSION = "keel.auth"


class AuthenticationRequired(Unauthorized):
    """401 with a Bearer challenge; without `error` it just says credentials are needed.

    RFC 6750: a request without a token gets the bare challenge, a request with a bad
    one gets `error="invalid_token"`. The description is ours, never the library's
    message, so no claim value or key detail is echoed back.
    """

    error: str | None = None

    def __init__(self, description: str = "This resource needs a bearer access token.") -> None:
        super().__init__(description)
        challenge = f'Bearer realm="{REALM}"'
        if self.error:
            challenge += f', error="{self.error}", error_description="{description}"'
        self.problem_headers = {"WWW-Authenticate": challenge, "Cache-Control": "no-store"}


class InvalidToken(AuthenticationRequired):
    """The token is malformed, forged, expired, revoked or of the wrong kind."""

    error = "invalid_token"


def challenge(detail: str, *, error: str | None = "invalid_token") -> Response:
    """The 401 problem response, for code that answers instead of raising (the loaders)."""
    exc = InvalidToken(detail) if error else AuthenticationRequired(detail)
    return problem(401, detail=detail, title="Unauthorized", headers=exc.problem_headers)


class TokenVerifier:
    """Verify a token once: PyJWT with the pinned rules, then a bounded cache.

    The cache maps the exact token text to its verified claims and expiry. A hit skips
    the signature check (the same bytes were verified with the same key, and the key
    cannot change while the process runs) but never the expiry check. Only access
    tokens are cached; revocation is not the verifier's business and is checked by
    the caller on every request. Eviction is first-in first-out: tokens live 15
    minutes at most, so the oldest entries are the ones about to expire anyway.
    """

    def __init__(
        self,
        *,
        key: str,
        issuer: str,
        audience: str,
        cache_size: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._cache_size = cache_size
        self._clock = clock
        self._cache: dict[str, tuple[dict[str, Any], float]] = {}
        self._lock = threading.Lock()
        self._options: dict[str, Any] = {
            "require": list(REQUIRED_CLAIMS),
            "verify_signature": True,
            "verify_exp": True,
            "verify_nbf": True,
            "verify_iat": True,
            "verify_aud": True,
            "verify_iss": True,
            "verify_sub": True,
            "verify_jti": True,
            "enforce_minimum_key_length": True,
        }

    def verify(self, token: str, *, token_type: str = ACCESS) -> dict[str, Any]:
        """The verified claims (a fresh dict the caller may keep), or `InvalidToken`."""
        cacheable = token_type == ACCESS and self._cache_size > 0
        if cacheable:
            hit = self._cache.get(token)
            if hit is not None:
                claims, expires = hit
                if self._clock() < expires:
                    return dict(claims)
                self._cache.pop(token, None)
                raise InvalidToken("The token has expired.")
        claims = self._decode(token, token_type)
        if cacheable:
            self._remember(token, claims)
        return dict(claims)

    def _decode(self, token: str, token_type: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("The token is too long.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=0,
                options=self._options,  # type: ignore[arg-type]
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("The token is not valid yet.") from None
        except jwt.InvalidTokenError:
            # Signature, algorithm, audience, issuer, missing claim, bad format: one
            # answer, so a probe learns nothing about which check failed.
            raise InvalidToken("The token is invalid.") from None
        if claims["type"] != token_type:
            raise InvalidToken(f"This is not an {token_type} token.")
        if not isinstance(claims["fam"], str) or not claims["fam"]:
            raise InvalidToken("The token is invalid.")
        return claims

    def _remember(self, token: str, claims: dict[str, Any]) -> None:
        with self._lock:
            if len(self._cache) >= self._cache_size:
                # Drop expired entries first, then the oldest if still full.
                now = self._clock()
                for stale in [t for t, (_, exp) in self._cache.items() if exp <= now]:
                    del self._cache[stale]
                while len(self._cache) >= self._cache_size:
                    del self._cache[next(iter(self._cache))]
            self._cache[token] = (claims, float(claims["exp"]))

    def forget_all(self) -> None:
        """Empty the cache (tests; a key rotation restarts the process anyway)."""
        with self._lock:
            self._cache.clear()


@dataclass(frozen=True, slots=True)
class AuthState:
    """What `configure_auth()` keeps on `app.extensions["keel.auth"]`."""

    verifier: TokenVerifier
    load_actor: TokenActorLoader
    access_lifetime: timedelta
    refresh_lifetime: timedelta


def auth_state(app: Flask) -> AuthState:
    """The app's token machinery; set up by the authentication middleware."""
    try:
        return cast(AuthState, app.extensions[_EXTENSION])
    except KeyError:
        raise RuntimeError(
            "Token authentication is not configured on this app: list "
            "`<package>.kernel.middleware.authentication.authentication` in "
            "settings.MIDDLEWARE, after the execution context."
        ) from None


def configure_auth(app: Flask) -> AuthState:
    """Configure flask-jwt-extended and the verifier from settings; once per app.

    Called by the authentication middleware's factory, at startup.
    """
    if _EXTENSION in app.extensions:
        return cast(AuthState, app.extensions[_EXTENSION])
    from flask_jwt_extended import JWTManager

    from .bootstrap import state_of
    from .middleware.stack import import_dotted

    settings = state_of(app).settings
    if not settings.TOKEN_ACTOR_LOADER:
        raise ConfigurationError(
            "TOKEN_ACTOR_LOADER is empty: the authentication middleware needs a function "
            "(ctx, claims) -> Actor | None that checks revocation and loads the subject."
        )
    load_actor = cast(
        TokenActorLoader, import_dotted(settings.TOKEN_ACTOR_LOADER, setting="TOKEN_ACTOR_LOADER")
    )
    # A key too short for HS256 must stop the service, not print a warning nobody reads.
    warnings.filterwarnings("error", category=jwt.InsecureKeyLengthWarning)

    access = timedelta(minutes=settings.JWT_ACCESS_TOKEN_MINUTES)
    refresh = timedelta(days=settings.JWT_REFRESH_TOKEN_DAYS)
    app.config.update(jwt_config(settings, access, refresh))
    manager = JWTManager(app)
    _install_loaders(manager, load_actor)

    state = AuthState(
        verifier=TokenVerifier(
            key=settings.JWT_SECRET_KEY.get_secret_value(),
            issuer=settings.JWT_ISSUER,
            audience=settings.JWT_AUDIENCE,
            cache_size=settings.JWT_VERIFIED_CACHE_SIZE,
        ),
        load_actor=load_actor,
        access_lifetime=access,
        refresh_lifetime=refresh,
    )
    app.extensions[_EXTENSION] = state
    return state


def jwt_config(settings: KernelSettings, access: timedelta, refresh: timedelta) -> dict[str, Any]:
    """flask-jwt-extended's settings, pinned to the same rules as `TokenVerifier`."""
    return {
        "JWT_SECRET_KEY": settings.JWT_SECRET_KEY.get_secret_value(),
        "JWT_ALGORITHM": ALGORITHM,
        "JWT_DECODE_ALGORITHMS": [ALGORITHM],
        "JWT_ENCODE_ISSUER": settings.JWT_ISSUER,
        "JWT_DECODE_ISSUER": settings.JWT_ISSUER,
        "JWT_ENCODE_AUDIENCE": settings.JWT_AUDIENCE,
        "JWT_DECODE_AUDIENCE": settings.JWT_AUDIENCE,
        "JWT_DECODE_LEEWAY": 0,
        "JWT_ENCODE_NBF": True,
        "JWT_VERIFY_SUB": True,
        "JWT_ACCESS_TOKEN_EXPIRES": access,
        "JWT_REFRESH_TOKEN_EXPIRES": refresh,
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_HEADER_NAME": "Authorization",
        "JWT_HEADER_TYPE": "Bearer",
        "JWT_ERROR_MESSAGE_KEY": "detail",
    }


def _install_loaders(manager: Any, load_actor: TokenActorLoader) -> None:
    """Answer every flask-jwt-extended failure like ours: 401, problem+json, challenge."""

    def invalid(reason: str) -> Response:
        return challenge("The token is invalid.")

    def missing(reason: str) -> Response:
        return challenge("This resource needs a bearer access token.", error=None)

    def expired(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return challenge("The token has expired.")

    def revoked(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return challenge("The token has been revoked.")

    def in_blocklist(header: dict[str, Any], payload: dict[str, Any]) -> bool:
        # `@jwt_required()` checks revocation with the same function as the middleware.
        return load_actor(current_context(), payload) is None

    manager.invalid_token_loader(invalid)
    manager.unauthorized_loader(missing)
    manager.expired_token_loader(expired)
    manager.revoked_token_loader(revoked)
    manager.needs_fresh_token_loader(revoked)
    manager.token_verification_failed_loader(revoked)
    manager.user_lookup_error_loader(revoked)
    manager.token_in_blocklist_loader(in_blocklist)


def current_request() -> Request:
    return cast("Request", request._get_current_object())  # type: ignore[attr-defined]


def require_actor() -> Actor:
    """The authenticated actor of this request, or a 401 with the Bearer challenge."""
    actor = current_request().actor
    if not actor.is_authenticated:
        raise AuthenticationRequired()
    return actor


def authenticated(view: F) -> F:
    """Refuse anonymous requests with 401 inside the view itself (below `@blp.route`).

    The middleware already refused bad tokens; this says a token is required here, so
    the view is safe even in a stack without the authorization layer. Declare the
    permission too (`@requires(IsAuthenticated())`): that is what OpenAPI shows.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require_actor()
        return view(*args, **kwargs)

    return cast(F, wrapper)
