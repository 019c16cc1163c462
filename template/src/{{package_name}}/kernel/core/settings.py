# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Typed settings, read from the environment (and `.env`) in one place.

`KernelSettings` declares what the kernel needs; the project's `settings.Settings`
subclasses it and adds the lists that decide what loads (`INSTALLED_MODULES`) and in
which order. Nothing else in the service reads `os.environ`.

A missing or malformed variable stops startup with a `ConfigurationError` (keel.E001)
that names every bad variable and what is wrong with it.

`extensions()` is how a settings class says which optional parts of the kernel the
service runs, by dotted path (the Celery settings add the task worker): whether a part
is wired is decided by the settings class the project's `settings.Settings`
subclasses, nothing else.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from .checks import Check, ConfigurationError

Environment = Literal["development", "test", "production"]

_MIN_SECRET_LENGTH = 32
#: Estimated bits a key must carry (see `estimated_entropy_bits`): a
#: `secrets.token_urlsafe(32)` carries about 200 by this estimate.
MIN_SECRET_BITS = 128
_ONE_LIMIT = r"\s*\d+\s*(?:/|per)\s*(?:\d+\s*)?(?:second|minute|hour|day|month|year)s?\s*"
_RATE_LIMIT = re.compile(rf"{_ONE_LIMIT}(?:[,;|]{_ONE_LIMIT})*", re.IGNORECASE)


class Extension(Protocol):
    """An optional part of the kernel that a settings class turns on (see `extensions`).

    `create_app()` calls `init_app` after the modules load; its checks run with the
    kernel's.
    """

    #: Shown by `flask check --list` and in errors.
    name: str

    def init_app(self, app: Any) -> None:
        """Set the part up on `app`; called by `create_app()` after the modules load."""

    @property
    def checks(self) -> tuple[Check, ...]:
        """The part's checks, run with the kernel's."""


class Extensions(tuple[Extension, ...]):
    """The optional parts the settings turned on, resolved (a part of the kernel state)."""


class KernelSettings(BaseSettings):
    """Settings every Keel service has. Field names are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=True,
        extra="ignore",
        frozen=True,
    )

    #: Selects safe defaults: "production" unless told otherwise.
    APP_ENV: Environment = "production"
    #: Flask's session and signing key. Generated into `.env` at copy time.
    SECRET_KEY: SecretStr
    #: The JWT signing key (HS256). Generated into `.env`; must differ from SECRET_KEY.
    JWT_SECRET_KEY: SecretStr
    #: Where the data lives. Relative SQLite paths are resolved against the working
    #: directory (the project root), never against Flask's instance folder.
    DATABASE_URL: str = "sqlite:///var/app.sqlite3"
    DATABASE_CONNECT_TIMEOUT: int = Field(
        default=2,
        ge=1,
        le=60,
        description="PostgreSQL: seconds to wait for a new connection (TCP connect and "
        "login) before the request answers 503; the driver counts values under 2 as 2.",
    )
    DATABASE_POOL_TIMEOUT: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="PostgreSQL: seconds a request waits for a free pooled connection "
        "before it answers 503.",
    )
    DATABASE_STATEMENT_TIMEOUT: float = Field(
        default=2.5,
        ge=0,
        le=600,
        description="PostgreSQL: seconds one SQL statement of an HTTP request may run "
        "(the server's statement_timeout; the client also gives up 0.25 s later, when "
        "the server does not answer at all). The request then answers 503. Tasks, "
        "commands and migrations have no limit. 0 turns it off.",
    )
    DATABASE_POOL_RECYCLE: int = Field(
        default=1800,
        ge=60,
        le=86_400,
        description="PostgreSQL: seconds after which a pooled connection is replaced "
        "(no ping before each use: a connection the server dropped fails once with 503 "
        "and the pool starts afresh).",
    )
    DATABASE_TCP_KEEPALIVES_IDLE: int = Field(
        default=30,
        ge=1,
        le=7200,
        description="PostgreSQL: seconds of silence before TCP keepalive probes start "
        "on a connection (a peer that vanished is noticed without waiting on it).",
    )
    DATABASE_TCP_KEEPALIVES_INTERVAL: int = Field(
        default=10,
        ge=1,
        le=600,
        description="PostgreSQL: seconds between two unanswered TCP keepalive probes.",
    )
    DATABASE_TCP_KEEPALIVES_COUNT: int = Field(
        default=3,
        ge=1,
        le=20,
        description="PostgreSQL: unanswered keepalive probes before the connection counts as dead.",
    )
    DATABASE_AUTOCOMMIT_READS: bool = Field(
        default=True,
        description="GET, HEAD and OPTIONS read without BEGIN/COMMIT (each statement "
        "sees what was committed when it started) and may not write; false gives them "
        "one transaction each, like writes (docs/database.md).",
    )
    #: Log every SQL statement (SQLAlchemy's `echo`): for debugging, never in production.
    DATABASE_ECHO: bool = False
    #: Put a SQLite database file in write-ahead-log mode (readers never wait for the
    #: writer). Turn off only where WAL cannot work: a database on a network filesystem.
    SQLITE_WAL: bool = True
    #: SQLite only: seconds a writer waits for the write lock (taken when its unit of
    #: work begins) before the request answers 503 with Retry-After.
    SQLITE_BUSY_TIMEOUT: float = Field(default=5.0, gt=0, le=60)
    #: Largest request body accepted, in bytes (larger bodies get 413).
    MAX_CONTENT_LENGTH: int = Field(default=1024 * 1024, ge=1024)
    #: Deepest nesting of arrays and objects accepted in a JSON body (deeper gets 413,
    #: before any parser recurses into it).
    MAX_JSON_DEPTH: int = Field(default=32, ge=2, le=256)
    #: Most digits accepted in one JSON number (more gets 413; Python itself refuses
    #: to convert integers of more than 4,300 digits).
    MAX_JSON_NUMBER_DIGITS: int = Field(default=64, ge=16, le=4000)
    #: The lowest level of log record written (the access log is INFO).
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: "json" (one object per line, for log shippers) or "text" (for a terminal).
    LOG_FORMAT: Literal["json", "text"] = "json"

    #: Your own middleware layers, by dotted path (see docs/middleware.md). The kernel's
    #: layers (request id, access log, security headers, execution context,
    #: authentication, authorization) are always installed, in that order; each of
    #: yours goes where its factory says (`@place(after=...)`), innermost by default.
    MIDDLEWARE: tuple[str, ...] = ()
    #: WSGI middleware for transport concerns, outermost first (ProxyFix and the like).
    WSGI_MIDDLEWARE: tuple[str, ...] = ()
    #: How many reverse proxies in front of the service set X-Forwarded-* (0: none).
    TRUSTED_PROXIES: int = Field(default=0, ge=0, le=5)
    #: Dotted names of before/after/teardown_request functions allowed outside the stack.
    REQUEST_HOOKS_ALLOWED: tuple[str, ...] = ()
    #: Permission codes each role grants (for `HasPermissionCode`).
    ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {}
    #: `path:function(ctx, email) -> Actor | None`, used by `--as EMAIL` on commands.
    ACTOR_LOADER: str = ""
    #: Warning ids to silence on purpose, e.g. ("keel.W103",); say why in a comment.
    #: An error cannot be silenced (naming one is keel.E005).
    SILENCED_CHECKS: tuple[str, ...] = ()

    #: Who signs the service's tokens (`iss`) and who they are for (`aud`); both are set
    #: on every token and checked on every request. The project's settings.py names them.
    JWT_ISSUER: str = Field(default="keel-service", min_length=1)
    #: Who the tokens are for (`aud`): set on every token, checked on every request.
    JWT_AUDIENCE: str = Field(default="keel-api", min_length=1)
    #: Access tokens live 15 minutes at most: revocation is checked on every request,
    #: but a short life bounds what a leaked token is worth.
    JWT_ACCESS_TOKEN_MINUTES: int = Field(default=15, ge=1, le=15)
    #: Refresh tokens rotate on every use; a family dies this many days after login.
    JWT_REFRESH_TOKEN_DAYS: int = Field(default=14, ge=1, le=90)
    #: Verified access tokens remembered per process (signature and claims checked once,
    #: expiry on every hit); 0 turns the cache off. Revocation is never cached.
    JWT_VERIFIED_CACHE_SIZE: int = Field(default=4096, ge=0, le=1_000_000)
    #: Empty: revocation lives in the database (default). `redis://host:6379/1`: revoked
    #: families and users are also written to Redis and checked there, without a query.
    TOKEN_REVOCATION_REDIS_URL: str = ""
    #: Where rate-limit counters live: `memory://` (one process; development and tests)
    #: or `redis://host:6379/2` (shared by every worker; production, see keel.E104).
    RATELIMIT_STORAGE_URL: str = "memory://"
    #: Login attempts allowed per email and, separately, per client address.
    RATELIMIT_LOGIN: str = "5/minute"
    #: With the rate-limit storage unreachable: false (default) refuses logins with 503
    #: (fails closed); true lets them through unthrottled (fails open). Logged either way.
    RATELIMIT_FAIL_OPEN: bool = False
    #: Seconds to wait on Redis (rate limits, revocation) before giving up: never hang.
    REDIS_SOCKET_TIMEOUT: float = Field(default=0.5, gt=0, le=10)

    #: Shown in the OpenAPI document.
    API_TITLE: str = "Keel service"
    #: The API's version, shown in the OpenAPI document (`info.version`).
    API_VERSION: str = "v1"
    #: Serve the API's description: the document at /openapi.json and Swagger UI at
    #: /docs (both public). On by default: clients and reviewers read them. Set false
    #: where the list of operations itself should not be public; `flask openapi`
    #: writes the document either way.
    API_DOCS: bool = True

    #: Dotted paths of the modules to load, in order. Set in the project's settings.py.
    INSTALLED_MODULES: tuple[str, ...] = ()

    @field_validator("SECRET_KEY", "JWT_SECRET_KEY")
    @classmethod
    def _strong_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        bits = estimated_entropy_bits(secret)
        if len(secret) < _MIN_SECRET_LENGTH or bits < MIN_SECRET_BITS:
            raise ValueError(
                f"must be at least {_MIN_SECRET_LENGTH} random characters (this one: "
                f"{len(secret)} characters, about {bits:.0f} bits of estimated entropy, "
                f"{MIN_SECRET_BITS} needed: repeated patterns and runs count for little); "
                "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return value

    @field_validator("RATELIMIT_LOGIN")
    @classmethod
    def _rate_limit_expression(cls, value: str) -> str:
        # The `limits` grammar, checked here without importing it (it pulls in asyncio
        # and costs startup time; the limiter imports it on first use).
        if not _RATE_LIMIT.fullmatch(value.strip()):
            raise ValueError(
                f"{value!r} is not a rate limit; write e.g. '5/minute' or '5/minute;50/hour'"
            )
        return value

    @field_validator("RATELIMIT_STORAGE_URL", "TOKEN_REVOCATION_REDIS_URL")
    @classmethod
    def _redis_or_memory(cls, value: str, info: ValidationInfo) -> str:
        allowed = ("redis://", "rediss://", "unix://") + (
            ("memory://",) if info.field_name == "RATELIMIT_STORAGE_URL" else ()
        )
        if value and not value.startswith(allowed):
            raise ValueError(f"expected a URL starting with one of {', '.join(allowed)}")
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        scheme, sep, rest = value.partition("://")
        if not sep or (not rest and scheme != "sqlite"):
            raise ValueError(
                f"{value!r} is not a database URL; expected sqlite:///var/app.sqlite3 or "
                "postgresql://user:password@host:5432/name"
            )
        if scheme in ("postgres", "postgresql"):
            return f"postgresql+psycopg://{rest}"
        if scheme == "sqlite":
            return anchor_sqlite_url(value)
        if scheme not in ("sqlite", "postgresql+psycopg"):
            raise ValueError(f"unsupported database scheme {scheme!r}; use sqlite or postgresql")
        return value

    @model_validator(mode="after")
    def _distinct_keys(self) -> KernelSettings:
        if self.SECRET_KEY.get_secret_value() == self.JWT_SECRET_KEY.get_secret_value():
            raise ValueError(
                "JWT_SECRET_KEY must differ from SECRET_KEY, so that leaking one does not "
                "let an attacker forge the other's signatures"
            )
        return self

    def extensions(self) -> tuple[str, ...]:
        """Dotted paths of the optional kernel parts (`Extension`s) this service runs.

        None here; `CelerySettings` adds the task worker.
        """
        return ()

    @property
    def debug(self) -> bool:
        return self.APP_ENV == "development"

    @property
    def testing(self) -> bool:
        return self.APP_ENV == "test"


def estimated_entropy_bits(secret: str) -> float:
    """A conservative estimate of the bits of entropy in `secret`.

    The secret is first cut to its shortest repeating unit (`"secret" * 6` counts as
    `"secret"`); then each character is worth the Shannon entropy of the unit's
    characters, or of the differences between neighbouring characters when those say
    less (`"0123456789"` is a run: its differences are all 1). A random key keeps
    nearly all its length; a pattern keeps almost nothing.
    """
    unit = secret[: _period(secret)]
    if not unit:
        return 0.0
    deltas = [ord(b) - ord(a) for a, b in itertools.pairwise(unit)]
    per_char = min(_shannon(unit), _shannon(deltas)) if deltas else 0.0
    return per_char * len(unit)


def _period(text: str) -> int:
    """The length of the shortest unit whose repetition `text` is (a prefix of)."""
    for length in range(1, len(text)):
        if all(text[i] == text[i % length] for i in range(length, len(text))):
            return length
    return len(text)


def _shannon(symbols: Sequence[object]) -> float:
    counts = Counter(symbols)
    total = len(symbols)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (any driver: `sqlite`, `sqla+sqlite`...), or None.

    Relative paths are already anchored to the working directory by the settings.
    """
    scheme, _, rest = url.partition("://")
    if scheme.endswith("sqlite") and rest.startswith("/") and rest not in ("/", "/:memory:"):
        return Path(rest[1:])
    return None


def anchor_sqlite_url(url: str) -> str:
    """A SQLite URL with a relative path made absolute against the working directory.

    The web server, the worker and beat may be started from different places (or chdir
    later); anchoring once, when settings are read, makes them share one file.
    """
    scheme = url.partition("://")[0]
    path = sqlite_file(url)
    if path is None or path.is_absolute():
        return url
    return f"{scheme}:///{Path.cwd() / path}"


def settings_error(error: ValidationError) -> ConfigurationError:
    """keel.E001 for pydantic's report: one line per bad variable."""
    return ConfigurationError(
        "keel.E001",
        describe_validation_error(error),
        hint="See .env.example for every variable.",
        obj="settings",
    )


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's report into one line per bad variable."""
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        if item["type"] == "missing":
            problem = "is required but not set (add it to the environment or to .env)"
        else:
            problem = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {name}: {problem}")
    return "Invalid settings:\n" + "\n".join(lines)
