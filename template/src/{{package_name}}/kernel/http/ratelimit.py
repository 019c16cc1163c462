# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Rate limits on the `limits` library, without Flask-Limiter's request hooks.

Flask-Limiter registers before/after_request hooks, which the kernel refuses (keel.E010):
their order relative to the middleware stack would be invisible. A view that needs a
limit calls `rate_limiter_of(app).hit(...)` where it decides to, with the keys it wants.

Storage (`RATELIMIT_STORAGE_URL`): `memory://` in development and tests; Redis in
production (keel.E104), with short socket timeouts and no retries, so a Redis outage
costs each request at most `REDIS_SOCKET_TIMEOUT` seconds and never hangs a worker.
With the storage unreachable the limiter fails closed by default: the request is
refused with 503 and `Retry-After` (an attacker who can knock Redis over must not
thereby lift the login limit). `RATELIMIT_FAIL_OPEN=true` lets requests through instead
(keel.W105). Either way the failure is logged at ERROR.

`create_app()` builds the app's limiter from the settings (`RateLimiter.from_settings`);
views reach it with `rate_limiter_of(app)`.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask
from limits import parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from ..core.settings import KernelSettings
from ..core.state import kernel_state
from ..data.redis import redis_options

_log = logging.getLogger("keel.ratelimit")
_NAMESPACE = "keel"


class RateLimited(TooManyRequests):
    """429 with `Retry-After`: the seconds until the window lets one more through."""

    def __init__(self, retry_after: int, description: str | None = None) -> None:
        super().__init__(description or "Too many attempts; wait before trying again.")
        self.retry_after_seconds = retry_after
        self.problem_headers = {"Retry-After": str(retry_after)}


class RateLimitUnavailable(ServiceUnavailable):
    """503: the counters cannot be read and the limiter fails closed."""

    def __init__(self) -> None:
        super().__init__("Rate limiting is unavailable; try again shortly.")
        self.problem_headers = {"Retry-After": "5"}


class RateLimiter:
    """Moving-window limits over one storage, shared by every view of one app."""

    def __init__(self, storage_url: str, *, fail_open: bool, options: dict[str, Any]) -> None:
        self.storage_url = storage_url
        self.fail_open = fail_open
        self.storage: Any = storage_from_string(storage_url, wrap_exceptions=True, **options)
        self._limiter = MovingWindowRateLimiter(self.storage)

    def hit(self, limit: str, *keys: str, scope: str) -> None:
        """Count one attempt against `limit` for each key; `RateLimited` when over.

        Every key is counted (an attempt refused for its address still counts for its
        email), and the longest wait among the exceeded ones is returned.
        """
        items = parse_many(limit)
        waits: list[int] = []
        try:
            for key in keys:
                for item in items:
                    if not self._limiter.hit(item, _NAMESPACE, scope, key):
                        reset_at = self._limiter.get_window_stats(
                            item, _NAMESPACE, scope, key
                        ).reset_time
                        waits.append(max(1, math.ceil(reset_at - time.time())))
        except StorageError as exc:
            _log.error(
                "Rate-limit storage unreachable (%s); failing %s",
                type(exc.storage_error).__name__,
                "open: the attempt is let through" if self.fail_open else "closed: 503",
                extra={"scope": scope, "fail_open": self.fail_open},
            )
            if self.fail_open:
                return
            raise RateLimitUnavailable() from None
        if waits:
            raise RateLimited(max(waits))

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self.storage.reset()

    @classmethod
    def from_settings(cls, settings: KernelSettings) -> RateLimiter:
        url = settings.RATELIMIT_STORAGE_URL
        memory = url.startswith("memory://")
        return cls(
            url,
            fail_open=settings.RATELIMIT_FAIL_OPEN,
            options={} if memory else redis_options(settings.REDIS_SOCKET_TIMEOUT),
        )


def rate_limiter_of(app: Flask) -> RateLimiter:
    """The limiter `create_app()` built for `app`."""
    return kernel_state(app).get(RateLimiter)
