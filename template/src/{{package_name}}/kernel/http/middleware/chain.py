# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The request pipeline: the kernel's layers in a fixed order, the user's placed among them.

The kernel's layers, outermost first, always run and in this order (`KERNEL_LAYERS`):

    request_id -> access_log -> security_headers -> input_limits
               -> execution_context -> authentication -> authorization -> (the view)

The user's `settings.MIDDLEWARE` lists only the user's own layers, by dotted path.
Each goes where its factory says, with `@place(after="authentication")` or
`@place(before="access_log")` (the spirit of Pyramid's `over`/`under`); a factory
without `@place` goes innermost, right around the view, so it sees an authenticated and
authorized request. Layers with the same placement keep their order in the list.
`flask middleware` prints the resolved chain.

A `MIDDLEWARE` written for Keel 0.1.0 lists the kernel's own layers too. It still
works (keel.W015 says to trim it), as long as it keeps every kernel layer in the
kernel's order: dropping a security layer (keel.E012) or reordering them (keel.E011
when authentication comes before the execution context, keel.E013 otherwise) refuses
startup, naming the layer and how to restore it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from ...core.checks import CheckMessage, ConfigurationError
from ...core.dotted import import_object
from .access_log import access_log
from .authentication import authentication
from .authorization import authorization
from .execution_context import execution_context
from .input_limits import input_limits
from .request_id import request_id
from .security_headers import security_headers
from .stack import MiddlewareFactory

F = TypeVar("F", bound=Callable[..., object])

#: The kernel's layers, outermost first: (name, factory). Never dropped nor reordered.
KERNEL_LAYERS: tuple[tuple[str, MiddlewareFactory], ...] = (
    ("request_id", request_id),
    ("access_log", access_log),
    ("security_headers", security_headers),
    ("input_limits", input_limits),
    ("execution_context", execution_context),
    ("authentication", authentication),
    ("authorization", authorization),
)
KERNEL_NAMES = tuple(name for name, _ in KERNEL_LAYERS)
#: Kernel layers added after 0.1.0: a 0.1.0-style list does not name them, and they
#: are installed in their place all the same (after the layer named here).
ADDED_SINCE_LEGACY: dict[str, str] = {"input_limits": "security_headers"}
#: The kernel's layers a 0.1.0-style MIDDLEWARE lists, in order.
LEGACY_NAMES = tuple(name for name in KERNEL_NAMES if name not in ADDED_SINCE_LEGACY)

#: The attribute `@place` sets on a factory: ("before" | "after", kernel layer name).
PLACEMENT_ATTRIBUTE = "__keel_placement__"
#: Where a layer without `@place` goes: right around the view.
DEFAULT_PLACEMENT: tuple[Literal["before", "after"], str] = ("after", "authorization")


def place(*, before: str | None = None, after: str | None = None) -> Callable[[F], F]:
    """Say where a middleware factory goes: next to one of the kernel's layers.

    Example::

        @place(after="authentication")      # sees the actor, before authorization
        def audit(handler: Handler, app: Flask) -> Handler: ...
    """
    if (before is None) == (after is None):
        raise ValueError("place() takes exactly one of before= or after=")
    where: tuple[Literal["before", "after"], str] = (
        ("before", before) if before is not None else ("after", str(after))
    )

    def decorator(factory: F) -> F:
        setattr(factory, PLACEMENT_ATTRIBUTE, where)
        return factory

    return decorator


@dataclass(frozen=True, slots=True)
class Layer:
    """One resolved layer: its name, its factory, and where it comes from."""

    name: str
    factory: MiddlewareFactory
    #: "kernel", or the setting that listed it.
    origin: str
    #: For a user layer: where it was placed ("after authorization", ...).
    placement: str = ""


@dataclass(frozen=True, slots=True)
class MiddlewareChain:
    """The resolved chain, outermost first (a part of the kernel state)."""

    layers: tuple[Layer, ...]

    def factories(self) -> list[tuple[str, MiddlewareFactory]]:
        return [(layer.name, layer.factory) for layer in self.layers]


def legacy_kernel_name(path: str) -> str | None:
    """The kernel layer a 0.1.0-style MIDDLEWARE entry names, or None.

    0.1.0 listed `<package>.kernel.middleware.<file>.<factory>`; the factory names are
    the layer names (its `transaction` file held `execution_context`).
    """
    module, _, attribute = path.replace(":", ".").rpartition(".")
    if ".kernel." in f".{module}." and attribute in LEGACY_NAMES:
        return attribute
    return None


def resolve_chain(paths: Sequence[str]) -> tuple[MiddlewareChain, list[CheckMessage]]:
    """The full chain, outermost first, and the warnings found on the way.

    Raises `ConfigurationError` when an entry cannot be imported or placed, is listed
    twice, or (0.1.0 style) when the kernel's layers are incomplete or out of order.
    """
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise ConfigurationError(
                "keel.E004",
                f"MIDDLEWARE: {path!r} is listed twice; each layer runs once.",
                hint="Remove the second entry.",
                obj=path,
            )
        seen.add(path)
    if any(legacy_kernel_name(path) for path in paths):
        layers, warnings = _legacy_chain(paths)
        return MiddlewareChain(layers), warnings
    return MiddlewareChain(_placed_chain(paths)), []


def _user_layer(path: str) -> tuple[MiddlewareFactory, tuple[Literal["before", "after"], str]]:
    factory = import_object(path, setting="MIDDLEWARE")
    if not callable(factory):
        raise ConfigurationError(
            "keel.E004",
            f"MIDDLEWARE: {path!r} is not callable.",
            hint="List a factory `(handler, app) -> handler`.",
            obj=path,
        )
    where = getattr(factory, PLACEMENT_ATTRIBUTE, DEFAULT_PLACEMENT)
    if where[1] not in KERNEL_NAMES:
        raise ConfigurationError(
            "keel.E014",
            f"MIDDLEWARE: {path!r} is placed {where[0]} {where[1]!r}, which is not one of "
            f"the kernel's layers.",
            hint=f"Name one of {', '.join(KERNEL_NAMES)} in @place(...).",
            obj=path,
        )
    return factory, where


def _placed_chain(paths: Sequence[str]) -> tuple[Layer, ...]:
    before: dict[str, list[Layer]] = {name: [] for name in KERNEL_NAMES}
    after: dict[str, list[Layer]] = {name: [] for name in KERNEL_NAMES}
    for path in paths:
        factory, (side, anchor) = _user_layer(path)
        slot = before if side == "before" else after
        slot[anchor].append(Layer(path, factory, "MIDDLEWARE", f"{side} {anchor}"))
    chain: list[Layer] = []
    for name, factory in KERNEL_LAYERS:
        chain.extend(before[name])
        chain.append(Layer(name, factory, "kernel"))
        chain.extend(after[name])
    return tuple(chain)


def _legacy_chain(paths: Sequence[str]) -> tuple[tuple[Layer, ...], list[CheckMessage]]:
    listed = [name for name in map(legacy_kernel_name, paths) if name is not None]
    factories = dict(KERNEL_LAYERS)
    missing = [name for name in LEGACY_NAMES if name not in listed]
    if missing:
        name = missing[0]
        index = LEGACY_NAMES.index(name)
        where = (
            f"after `...{LEGACY_NAMES[index - 1]}`" if index else f"before `...{LEGACY_NAMES[1]}`"
        )
        raise ConfigurationError(
            "keel.E012",
            f"settings.MIDDLEWARE lists the kernel's layers but not {', '.join(missing)}: "
            f"without {name} the service would run without one of its safeguards.",
            hint=f"Delete every kernel entry from MIDDLEWARE (the kernel installs its layers "
            f"itself), or put `{name}` back {where}.",
            obj=name,
        )
    if listed != list(LEGACY_NAMES):
        if listed.index("authentication") < listed.index("execution_context"):
            raise ConfigurationError(
                "keel.E011",
                "The authentication layer is not placed after execution_context: it checks "
                "revocation in the request's unit of work and rebinds its actor.",
                hint="Delete every kernel entry from MIDDLEWARE (the kernel installs them in "
                "order), or move `...authentication` below `...execution_context`.",
                obj="authentication",
            )
        raise ConfigurationError(
            "keel.E013",
            f"settings.MIDDLEWARE lists the kernel's layers as {' -> '.join(listed)}; they "
            f"only work as {' -> '.join(LEGACY_NAMES)}.",
            hint="Delete every kernel entry from MIDDLEWARE (the kernel installs them in order).",
            obj="MIDDLEWARE",
        )
    chain: list[Layer] = []
    for path in paths:
        kernel_name = legacy_kernel_name(path)
        if kernel_name is not None:
            chain.append(Layer(kernel_name, factories[kernel_name], "kernel"))
            chain.extend(
                Layer(added, factories[added], "kernel")
                for added, after in ADDED_SINCE_LEGACY.items()
                if after == kernel_name
            )
        else:
            factory, _ = _user_layer(path)
            chain.append(Layer(path, factory, "MIDDLEWARE", "as listed"))
    warning = CheckMessage(
        "keel.W015",
        "warning",
        "settings.MIDDLEWARE still lists the kernel's own layers, as Keel 0.1.0 did. They "
        "are installed by the kernel now; the list is only for your own layers.",
        "Delete the kernel's entries from MIDDLEWARE and mark your layers with "
        "@place(after=...) where they must sit (see docs/middleware.md).",
        "MIDDLEWARE",
    )
    return tuple(chain), [warning]
