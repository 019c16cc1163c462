"""Find the PostgreSQL and Redis servers that some variants' generated suites need.

A variant that needs a server it cannot have is skipped, never silently passed: the skip
reason says which server, how it was looked for, and which variable to set. The lookup:

1. `KEEL_TEST_POSTGRES_URL` / `KEEL_TEST_REDIS_URL` (.ci/run sets both). A server named
   there but not answering is an error, not a skip: CI promised it.
2. Otherwise a quick TCP connect to the default local port; when something listens, the
   conventional URL is assumed (the role and database .ci/run creates).
3. Otherwise: unavailable, with the reason.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

_CONNECT_TIMEOUT = 1.0


@dataclass(frozen=True)
class Service:
    """A server a generated suite may need, and how the harness hands it over."""

    #: Human name used in skip reasons ("PostgreSQL").
    name: str
    #: Variable the harness reads (set by .ci/run or the developer).
    harness_var: str
    #: Variable the generated suite reads.
    suite_var: str
    #: URL assumed when the variable is unset but the default port answers.
    default_url: str


POSTGRES = Service(
    name="PostgreSQL",
    harness_var="KEEL_TEST_POSTGRES_URL",
    suite_var="TEST_DATABASE_URL",
    default_url="postgresql://keel:keel@127.0.0.1:5432/keel_test",
)

REDIS = Service(
    name="Redis",
    harness_var="KEEL_TEST_REDIS_URL",
    suite_var="TEST_REDIS_URL",
    default_url="redis://127.0.0.1:6379/0",
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
        if not _answers(configured):
            raise RuntimeError(
                f"{service.harness_var}={_redact(configured)} is set but nothing answers there: "
                f"start {service.name} or unset the variable to skip the variants that need it."
            )
        return Availability(service, configured, f"from {service.harness_var}")
    if _answers(service.default_url):
        return Availability(
            service, service.default_url, f"assumed {_redact(service.default_url)} (port open)"
        )
    host, port = _address(service.default_url)
    return Availability(
        service, None, f"{service.harness_var} is unset and nothing listens on {host}:{port}"
    )


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default_port = {"postgresql": 5432, "postgres": 5432, "redis": 6379}.get(
        parts.scheme.split("+")[0], 0
    )
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _answers(url: str) -> bool:
    try:
        with socket.create_connection(_address(url), timeout=_CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def _redact(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
