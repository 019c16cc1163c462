# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Client options for every Redis the service talks to: fail fast, never hang."""

from __future__ import annotations

from typing import Any

from redis.backoff import NoBackoff
from redis.retry import Retry


def redis_options(timeout: float) -> dict[str, Any]:
    """Socket timeouts, no retries: a Redis outage costs a request `timeout` at most."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry_on_timeout": False,
        # redis-py retries three times with backoff by default: seconds per request.
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 30,
    }
