"""Checks for authentication and login throttling (ids are stable; see checks.py).

Imported by the authentication middleware, so they exist wherever tokens are checked.
"""

from __future__ import annotations

from flask import Flask

from .checks import CheckMessage, register

AUTHENTICATION = "kernel.middleware.authentication.authentication"
EXECUTION_CONTEXT = "kernel.middleware.transaction.execution_context"


def _position(middleware: tuple[str, ...], suffix: str) -> int | None:
    for index, path in enumerate(middleware):
        if path.replace(":", ".").endswith(suffix):
            return index
    return None


@register()
def authentication_after_context(app: Flask) -> list[CheckMessage]:
    """keel.E011: authentication rebinds the execution context, so it must exist first."""
    from .bootstrap import settings_of

    middleware = settings_of(app).MIDDLEWARE
    auth = _position(middleware, AUTHENTICATION)
    if auth is None:
        return []
    context = _position(middleware, EXECUTION_CONTEXT)
    if context is not None and context < auth:
        return []
    return [
        CheckMessage(
            "keel.E011",
            "error",
            "The authentication middleware is not placed after execution_context: it checks "
            "revocation in the request's unit of work and rebinds its actor.",
            "Move `...middleware.authentication.authentication` below "
            "`...middleware.transaction.execution_context` in settings.MIDDLEWARE.",
        )
    ]


@register(deploy=True)
def rate_limit_storage(app: Flask) -> list[CheckMessage]:
    """keel.E104 / keel.W105: login throttling that actually holds in production."""
    from .bootstrap import settings_of

    settings = settings_of(app)
    messages = []
    if settings.RATELIMIT_STORAGE_URL.startswith("memory://"):
        messages.append(
            CheckMessage(
                "keel.E104",
                "error",
                "RATELIMIT_STORAGE_URL is memory://: each worker process counts login attempts "
                "on its own and forgets them on restart, so the login limit multiplies by the "
                "number of workers.",
                "Set RATELIMIT_STORAGE_URL=redis://host:6379/2 (a Redis every worker shares).",
            )
        )
    if settings.RATELIMIT_FAIL_OPEN:
        messages.append(
            CheckMessage(
                "keel.W105",
                "warning",
                "RATELIMIT_FAIL_OPEN is true: while the rate-limit storage is unreachable, "
                "login attempts are not throttled at all.",
                "Unset it (logins then answer 503 during a Redis outage), or silence keel.W105 "
                "if availability of login matters more to you.",
            )
        )
    return messages
