# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Bearer tokens: the rules every token is issued and verified with.

- One pinned algorithm: HS256 with `JWT_SECRET_KEY`. Decoding accepts that one only, so
  `alg: none`, HS512 or an RS/HS confusion is refused before any key is used.
- `iss`, `aud`, `exp`, `nbf`, `iat`, `jti`, `sub` (a string), `type` and `fam` (the
  refresh-token family) are required and checked; no leeway. `exp`, `nbf` and `iat`
  must be JSON numbers (PyJWT would read `"exp": "9999999999"` as a time), and a
  token may not live longer than its kind is issued for (`exp - iat` at most
  `JWT_ACCESS_TOKEN_MINUTES` or `JWT_REFRESH_TOKEN_DAYS`): a token signed with the
  real key but minted for longer is refused.
- Every failure is `InvalidToken`: a 401 problem+json with a `WWW-Authenticate: Bearer`
  challenge.

`TokenVerifier` verifies once per request (PyJWT directly, plus a bounded cache of
verified tokens), which costs a fraction of flask-jwt-extended's repeated decoding.
flask-jwt-extended issues the tokens, configured by `jwt_config` with the same rules.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from redis import Redis
from werkzeug.exceptions import Unauthorized

from ..core.settings import KernelSettings
from ..data.redis import redis_options

#: The only algorithm tokens are signed and accepted with.
ALGORITHM = "HS256"
#: Claims every token must carry (PyJWT refuses a token missing one).
REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub", "jti", "type", "fam")
#: The claims that are times: JSON numbers (seconds since the epoch), never strings.
NUMERIC_CLAIMS = ("exp", "nbf", "iat")
#: Longer Authorization values are refused unread: a token of ours is about 450 bytes.
MAX_TOKEN_LENGTH = 4096
REALM = "api"
#: The `type` claim values flask-jwt-extended writes (names, not secrets).
ACCESS = "access"
REFRESH = "refresh"


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
        max_lifetimes: Mapping[str, float] | None = None,
    ) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._cache_size = cache_size
        self._clock = clock
        #: The longest `exp - iat` accepted, in seconds, per token type (None: any).
        self._max_lifetimes = dict(max_lifetimes or {})
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
        if not all(_is_number(claims[name]) for name in NUMERIC_CLAIMS):
            raise InvalidToken("The token is invalid.")
        longest = self._max_lifetimes.get(token_type)
        if longest is not None and claims["exp"] - claims["iat"] > longest:
            raise InvalidToken("The token lives longer than this service issues tokens for.")
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


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class AuthState:
    """The token machinery `create_app()` sets up (a part of the kernel state)."""

    verifier: TokenVerifier
    access_lifetime: timedelta
    refresh_lifetime: timedelta
    #: The Redis revocation store (`TOKEN_REVOCATION_REDIS_URL`), or None: the database.
    redis: Redis | None = None

    @classmethod
    def from_settings(cls, settings: KernelSettings) -> AuthState:
        access = timedelta(minutes=settings.JWT_ACCESS_TOKEN_MINUTES)
        refresh = timedelta(days=settings.JWT_REFRESH_TOKEN_DAYS)
        return cls(
            verifier=TokenVerifier(
                key=settings.JWT_SECRET_KEY.get_secret_value(),
                issuer=settings.JWT_ISSUER,
                audience=settings.JWT_AUDIENCE,
                cache_size=settings.JWT_VERIFIED_CACHE_SIZE,
                max_lifetimes={
                    ACCESS: access.total_seconds(),
                    REFRESH: refresh.total_seconds(),
                },
            ),
            access_lifetime=access,
            refresh_lifetime=refresh,
            redis=_revocation_store(settings),
        )


def _revocation_store(settings: KernelSettings) -> Redis | None:
    """One client (and connection pool) for the revocation store; it connects on use."""
    url = settings.TOKEN_REVOCATION_REDIS_URL
    if not url:
        return None
    return Redis.from_url(
        url, decode_responses=True, **redis_options(settings.REDIS_SOCKET_TIMEOUT)
    )


def jwt_config(settings: KernelSettings, state: AuthState) -> dict[str, Any]:
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
        "JWT_ACCESS_TOKEN_EXPIRES": state.access_lifetime,
        "JWT_REFRESH_TOKEN_EXPIRES": state.refresh_lifetime,
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_HEADER_NAME": "Authorization",
        "JWT_HEADER_TYPE": "Bearer",
        "JWT_ERROR_MESSAGE_KEY": "detail",
    }
