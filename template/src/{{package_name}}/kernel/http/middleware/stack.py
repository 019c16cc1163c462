# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""What a middleware layer is, and how a chain of them is composed around the view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from flask import Response

from ...core.checks import ConfigurationError
from ..request import Request

if TYPE_CHECKING:
    from flask import Flask

Handler = Callable[[Request], Response]
MiddlewareFactory = Callable[[Handler, "Flask"], Handler]


def build_stack(
    endpoint: Handler, factories: Sequence[tuple[str, MiddlewareFactory]], app: Flask
) -> Handler:
    """Wrap `endpoint` so that `factories[0]` is the outermost layer."""
    handler = endpoint
    for name, factory in reversed(factories):
        handler = factory(handler, app)
        if not callable(handler):
            raise ConfigurationError(
                "keel.E004",
                f"MIDDLEWARE: {name!r} returned {handler!r} instead of a handler.",
                hint="A factory must return the function that handles the request.",
                obj=name,
            )
    return handler
