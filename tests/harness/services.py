"""Find the PostgreSQL and Redis servers that some variants' generated suites need.

A variant that needs a server it cannot have is skipped, never silently passed: the skip
reason says which server, how it was looked for, and which variable to set. A server
counts only once the harness has logged in to it (PostgreSQL: a connection and
`SELECT 1` with psycopg; Redis: AUTH when the URL has a password, then PING): something
else listening on the port, or a server whose credentials fail, is a reason, not a
server. The lookup:

1. `KEEL_TEST_POSTGRES_URL` / `KEEL_TEST_REDIS_URL` (.ci/run sets both). A server named
   there that refuses the login is an error, not a skip: CI promised it.
2. Otherwise the conventional URL on the default local port (the role and database
   .ci/run creates), when a login there works.
3. Otherwise: unavailable, with the reason.

`KEEL_REQUIRE_POSTGRES=1` / `KEEL_REQUIRE_REDIS=1` (.ci/run sets both) turn
"unavailable" into a failure of every test that needs the server (conftest.py): CI
never passes by skipping a variant it requires.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import psycopg
import pytest
from psycopg import sql

_CONNECT_TIMEOUT = 2.0


@dataclass(frozen=True)
class Service:
    """A server a generated suite may need, and how the harness hands it over."""

    #: Human name used in skip reasons ("PostgreSQL").
    name: str
    #: Variable the harness reads (set by .ci/run or the developer).
    harness_var: str
    #: Variable the generated suite reads.
    suite_var: str
    #: URL tried when the variable is unset.
    default_url: str
    #: Variable that makes a missing server a failure instead of a skip (.ci/run sets it).
    require_var: str

    @property
    def required(self) -> bool:
        return os.environ.get(self.require_var, "") not in ("", "0")


POSTGRES = Service(
    name="PostgreSQL",
    harness_var="KEEL_TEST_POSTGRES_URL",
    suite_var="TEST_DATABASE_URL",
    default_url="postgresql://keel:keel@127.0.0.1:5432/keel_test",
    require_var="KEEL_REQUIRE_POSTGRES",
)

REDIS = Service(
    name="Redis",
    harness_var="KEEL_TEST_REDIS_URL",
    suite_var="TEST_REDIS_URL",
    default_url="redis://127.0.0.1:6379/0",
    require_var="KEEL_REQUIRE_REDIS",
)


@dataclass(frozen=True)
class Availability:
    """The outcome of looking for a service: a URL, or the reason there is none."""

    service: Service
    url: str | None
    reason: str

    @property
    def skip_message(self) -> str:
        return (
            f"{self.service.name} not available: {self.reason}; set {self.service.harness_var} "
            f"(e.g. {self.service.default_url}) or run .ci/run, which starts one"
        )


def locate(service: Service) -> Availability:
    """Look for `service` as the module docstring describes."""
    configured = os.environ.get(service.harness_var, "").strip()
    if configured:
        refused = login(service, configured)
        if refused:
            raise RuntimeError(
                f"{service.harness_var}={_redact(configured)} is set but {refused}: start "
                f"{service.name} there or unset the variable to skip the variants that need it."
            )
        return Availability(service, configured, f"from {service.harness_var}")
    refused = login(service, service.default_url)
    if not refused:
        return Availability(
            service, service.default_url, f"logged in at {_redact(service.default_url)}"
        )
    return Availability(service, None, f"{service.harness_var} is unset and {refused}")


def located(service: Service) -> Availability:
    """`locate(service)`, failing the calling test when the run requires the server (CI)
    and it is unavailable: what would be a skip elsewhere."""
    found = locate(service)
    if found.url is None and service.required:
        pytest.fail(f"{service.require_var} is set but {found.skip_message}", pytrace=False)
    return found


def login(service: Service, url: str) -> str:
    """ "" when logging in to `url` works; otherwise what went wrong, in a few words."""
    host, port = _address(url)
    try:
        with socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT):
            pass
    except OSError:
        return f"nothing listens on {host}:{port}"
    check = _LOGINS[service.name]
    try:
        check(url)
    except (OSError, psycopg.Error) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return f"{host}:{port} answers but the login to {_redact(url)} failed: {reason}"
    return ""


@contextmanager
def scratch_database(url: str, label: str) -> Iterator[str]:
    """A fresh, empty database of its own on the server of `url`, dropped afterwards.

    Suites that run at the same time (two PostgreSQL variants on two workers, another
    `make test` on the same server) would otherwise drop each other's tables. The role
    needs CREATEDB (.ci/run grants it); without it, `url` itself is used.
    """
    name = f"keel_{re.sub(r'[^a-z0-9]+', '_', label.lower())}_{uuid.uuid4().hex[:8]}"
    try:
        _postgres_admin(url, "CREATE DATABASE {}", name)
    except psycopg.errors.InsufficientPrivilege:
        yield url
        return
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        _postgres_admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _postgres_admin(url: str, statement: str, name: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(name)))


def _postgres_login(url: str) -> None:
    with psycopg.connect(url, connect_timeout=int(_CONNECT_TIMEOUT) + 1) as connection:
        connection.execute("SELECT 1")


def _redis_login(url: str) -> None:
    """AUTH (when the URL has a password) and PING, in Redis's wire protocol."""
    parts = urlsplit(url)
    commands: list[list[str]] = []
    if parts.password is not None:
        user = [unquote(parts.username)] if parts.username else []
        commands.append(["AUTH", *user, unquote(parts.password)])
    commands.append(["PING"])
    with socket.create_connection(_address(url), timeout=_CONNECT_TIMEOUT) as sock:
        for command in commands:
            sock.sendall(_resp(command))
            reply = sock.recv(512).decode(errors="replace").strip()
            if reply.startswith("-") or not reply:
                raise ConnectionError(f"{command[0]}: {reply[1:] or 'no reply'}")
        if reply != "+PONG":
            raise ConnectionError(f"PING answered {reply!r}")


def _resp(command: list[str]) -> bytes:
    out = [f"*{len(command)}\r\n".encode()]
    for part in command:
        data = part.encode()
        out.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
    return b"".join(out)


_LOGINS: dict[str, Callable[[str], None]] = {
    POSTGRES.name: _postgres_login,
    REDIS.name: _redis_login,
}


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default_port = {"postgresql": 5432, "postgres": 5432, "redis": 6379}.get(
        parts.scheme.split("+")[0], 0
    )
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _redact(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
