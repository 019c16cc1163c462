# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The one way settings and module declarations name an object: a dotted path.

`package.module:name` or `package.module.name`; a path starting with "." is relative to
`package`. Used for MIDDLEWARE, WSGI_MIDDLEWARE, ACTOR_LOADER and every `Module(...)`
entry, so all of them accept the same syntax and fail with the same kind of message.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .checks import ConfigurationError


def split(path: str) -> tuple[str, str]:
    """`(module, attribute)` of `path`; the attribute is "" for a bare module path."""
    module_path, sep, attribute = path.partition(":")
    if sep:
        return module_path, attribute
    return path, ""


def import_module(path: str, *, package: str | None = None, setting: str) -> ModuleType:
    """Import the module `path` names, or a `ConfigurationError` (keel.E003) naming it."""
    try:
        return importlib.import_module(path, package=package)
    except Exception as exc:
        where = f"{package}: " if package else ""
        raise ConfigurationError(
            "keel.E003",
            f"{where}{setting}: cannot import {path!r}: {exc}",
            hint="Check the dotted path and that the module imports on its own.",
            obj=setting,
        ) from exc


def import_object(path: str, *, package: str | None = None, setting: str) -> object:
    """The object `path` names (`module:name`, or `module.name` when no colon is given)."""
    module_path, attribute = split(path)
    if not attribute:
        module_path, _, attribute = path.rpartition(".")
    if not module_path or not attribute:
        raise ConfigurationError(
            "keel.E003",
            f"{setting}: {path!r} is not a dotted path to an object.",
            hint="Write it as 'package.module:name'.",
            obj=setting,
        )
    module = import_module(module_path, package=package, setting=setting)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigurationError(
            "keel.E003",
            f"{setting}: {module_path!r} has no attribute {attribute!r}.",
            hint="Check the name after the colon.",
            obj=setting,
        ) from None
