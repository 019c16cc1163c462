"""The kernel's own checks. Ids are stable: silence one with SILENCED_CHECKS."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from .checks import CheckMessage, register


def _callable_name(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _hooks(app: Flask) -> Iterable[tuple[str, str | None, Callable[..., Any]]]:
    tables: dict[str, dict[str | None, list[Callable[..., Any]]]] = {
        "before_request": app.before_request_funcs,
        "after_request": app.after_request_funcs,
        "teardown_request": app.teardown_request_funcs,
    }
    for kind, table in tables.items():
        for scope, funcs in table.items():
            for func in funcs:
                yield kind, scope, func


@register()
def request_hooks_outside_the_stack(app: Flask) -> list[CheckMessage]:
    """keel.E010: raw request hooks run in an order no list shows; the stack decides."""
    from .bootstrap import settings_of

    allowed = set(settings_of(app).REQUEST_HOOKS_ALLOWED)
    messages = []
    for kind, scope, func in _hooks(app):
        name = _callable_name(func)
        if name in allowed:
            continue
        where = f"blueprint {scope!r}" if scope else "the app"
        messages.append(
            CheckMessage(
                id="keel.E010",
                level="error",
                msg=f"{name} is registered as a {kind} hook on {where}, outside MIDDLEWARE; "
                "its order relative to the stack is invisible.",
                hint="Turn it into a middleware and list it in settings.MIDDLEWARE, or add "
                f"{name!r} to REQUEST_HOOKS_ALLOWED.",
            )
        )
    return messages


@register(deploy=True)
def production_environment(app: Flask) -> list[CheckMessage]:
    from .bootstrap import settings_of

    settings = settings_of(app)
    messages = []
    if settings.APP_ENV != "production":
        messages.append(
            CheckMessage(
                "keel.E101",
                "error",
                f"APP_ENV is {settings.APP_ENV!r}: debug pages and test shortcuts are on.",
                "Set APP_ENV=production in the deployed environment.",
            )
        )
    if settings.DATABASE_URL.startswith("sqlite") and ":memory:" in settings.DATABASE_URL:
        messages.append(
            CheckMessage(
                "keel.E102",
                "error",
                "DATABASE_URL is an in-memory SQLite database: every restart loses all data.",
                "Point DATABASE_URL at a file or at PostgreSQL.",
            )
        )
    if settings.TRUSTED_PROXIES == 0:
        messages.append(
            CheckMessage(
                "keel.W103",
                "warning",
                "TRUSTED_PROXIES is 0: behind a TLS-terminating proxy the service sees plain "
                "HTTP, never sends HSTS, and rate limits key on the proxy's address.",
                "Set TRUSTED_PROXIES to the number of proxies in front of the service, or "
                "silence keel.W103 if clients connect directly.",
            )
        )
    return messages
