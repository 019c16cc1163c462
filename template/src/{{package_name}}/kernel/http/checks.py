# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The HTTP adapter's checks (ids are stable: kernel/core/checks.py's CATALOG)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from ..core.checks import CheckMessage
from ..core.state import kernel_state
from .dumping import fallback_reason, project_schemas
from .route_permissions import route_permissions
from .schemas import StrictSchema


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


def request_hooks_outside_the_stack(app: Flask) -> list[CheckMessage]:
    """keel.E010: raw request hooks run in an order no list shows; the stack decides."""
    allowed = set(kernel_state(app).settings.REQUEST_HOOKS_ALLOWED)
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
                obj=name,
            )
        )
    return messages


def routes_declare_a_permission(app: Flask) -> list[CheckMessage]:
    """keel.E020: deny by default; every route says who may call it."""
    missing = [e for e in route_permissions(app) if e.permission is None]
    if not missing:
        return []
    listing = ", ".join(f"{e.method} {e.rule} ({e.endpoint})" for e in missing)
    return [
        CheckMessage(
            "keel.E020",
            "error",
            f"{len(missing)} route(s) declare no permission: {listing}.",
            "Decorate each view (or MethodView method) with @requires(<permission>) or "
            "@public (kernel/http/declare.py).",
            "routes",
        )
    ]


def rate_limit_storage(app: Flask) -> list[CheckMessage]:
    """keel.E104 / keel.W105 (deploy): login throttling that actually holds in production."""
    settings = kernel_state(app).settings
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
                "RATELIMIT_STORAGE_URL",
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
                "RATELIMIT_FAIL_OPEN",
            )
        )
    return messages


def schemas_dumped_by_marshmallow(app: Flask) -> list[CheckMessage]:
    """keel.W050: the project's schemas that marshmallow dumps field by field, and why."""
    messages = []
    for cls in project_schemas(app):
        name = f"{cls.__module__}.{cls.__qualname__}"
        if not issubclass(cls, StrictSchema):
            reason = "it does not derive from the kernel's StrictSchema"
        else:
            try:
                reason = fallback_reason(cls()) or ""
            except Exception as error:  # noqa: BLE001 - reported, not raised
                reason = f"it cannot be built without arguments ({error})"
        if reason:
            messages.append(
                CheckMessage(
                    "keel.W050",
                    "warning",
                    f"{name} is dumped by marshmallow itself, without the compiled plan "
                    f"of kernel/http/dumping.py (slower on long lists): {reason}.",
                    "Fine if intended (or add keel.W050 to SILENCED_CHECKS); to have it "
                    "compiled, derive it from StrictSchema and move the dump hook's work "
                    "into the view or into a field.",
                    name,
                )
            )
    return messages
