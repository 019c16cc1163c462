"""Resolve `MIDDLEWARE` dotted paths and compose them around the endpoint."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from flask import Response

from ..request import Request
from ..settings import ConfigurationError

if TYPE_CHECKING:
    from flask import Flask

Handler = Callable[[Request], Response]
MiddlewareFactory = Callable[[Handler, "Flask"], Handler]


def import_dotted(path: str, *, setting: str) -> object:
    """Import `package.module.name` (or `package.module:name`)."""
    module_path, sep, attribute = path.partition(":")
    if not sep:
        module_path, _, attribute = path.rpartition(".")
    if not module_path or not attribute:
        raise ConfigurationError(f"{setting}: {path!r} is not a dotted path to an object.")
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise ConfigurationError(
            f"{setting}: cannot import {module_path!r} for {path!r}: {exc}"
        ) from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigurationError(
            f"{setting}: {module_path!r} has no attribute {attribute!r}."
        ) from None


def resolve_middleware(paths: Sequence[str]) -> list[tuple[str, MiddlewareFactory]]:
    """Import every factory, refusing duplicates and non-callables with the path named."""
    seen: set[str] = set()
    resolved: list[tuple[str, MiddlewareFactory]] = []
    for path in paths:
        if path in seen:
            raise ConfigurationError(f"MIDDLEWARE: {path!r} is listed twice; each layer runs once.")
        seen.add(path)
        factory = import_dotted(path, setting="MIDDLEWARE")
        if not callable(factory):
            raise ConfigurationError(f"MIDDLEWARE: {path!r} is not callable.")
        resolved.append((path, factory))
    return resolved


def build_stack(
    endpoint: Handler, factories: Sequence[tuple[str, MiddlewareFactory]], app: Flask
) -> Handler:
    """Wrap `endpoint` so that `factories[0]` is the outermost layer."""
    handler = endpoint
    for path, factory in reversed(factories):
        handler = factory(handler, app)
        if not callable(handler):
            raise ConfigurationError(
                f"MIDDLEWARE: {path!r} returned {handler!r} instead of a handler; a factory "
                "must return the function that handles the request."
            )
    return handler
