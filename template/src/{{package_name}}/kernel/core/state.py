# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The kernel's per-app state: one object on `app.extensions["keel"]`, one accessor.

`create_app()` builds a `KernelState` with the settings and adds each part it sets up
(the loaded modules, the OpenAPI `Api`, the token machinery, the rate limiter, the
Celery app...) with `add()`. Code that needs a part asks for it by type::

    limiter = kernel_state(app).get(RateLimiter)

so there is one place to look and one error when a part is missing.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from .settings import KernelSettings

T = TypeVar("T")

#: The key of `app.extensions` that holds the state.
EXTENSION = "keel"


class HasExtensions(Protocol):
    """What the accessor needs of a Flask app (the core layer does not import Flask)."""

    extensions: dict[str, Any]


class KernelState:
    """The settings and every part `create_app()` set up, by type."""

    __slots__ = ("_parts", "settings")

    def __init__(self, settings: KernelSettings) -> None:
        self.settings = settings
        self._parts: dict[type[Any], object] = {}

    def add(self, part: object) -> None:
        """Keep `part` under its own type (one part per type); startup only."""
        kind = type(part)
        if kind in self._parts:
            raise RuntimeError(f"a {kind.__name__} is already set up on this app")
        self._parts[kind] = part

    def get(self, kind: type[T]) -> T:
        """The part of type `kind` (or a subclass), or a RuntimeError naming it."""
        part = self._parts.get(kind)
        if part is None:
            part = next((p for p in self._parts.values() if isinstance(p, kind)), None)
        if part is None:
            raise RuntimeError(
                f"No {kind.__name__} is set up on this app: create_app() builds it "
                "(is the part turned off in the settings?)."
            )
        return part  # type: ignore[return-value]

    def find(self, kind: type[T]) -> T | None:
        """The part of type `kind`, or None when this app has none."""
        try:
            return self.get(kind)
        except RuntimeError:
            return None


def kernel_state(app: HasExtensions) -> KernelState:
    """The state `create_app()` left on `app`."""
    state = app.extensions.get(EXTENSION)
    if not isinstance(state, KernelState):
        raise RuntimeError(
            f"{app!r} was not built by create_app(); Keel's kernel is not set up on it."
        )
    return state
