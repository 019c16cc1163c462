# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import rate_limiter_of`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .data.redis import redis_options as redis_options
    from .http.ratelimit import RateLimited as RateLimited
    from .http.ratelimit import RateLimiter as RateLimiter
    from .http.ratelimit import RateLimitUnavailable as RateLimitUnavailable
    from .http.ratelimit import rate_limiter_of as rate_limiter_of

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "RateLimitUnavailable": f"{_KERNEL}.http.ratelimit",
        "RateLimited": f"{_KERNEL}.http.ratelimit",
        "RateLimiter": f"{_KERNEL}.http.ratelimit",
        "rate_limiter_of": f"{_KERNEL}.http.ratelimit",
        "redis_options": f"{_KERNEL}.data.redis",
    },
)
