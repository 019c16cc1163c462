# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Old import paths that keep working for one release, with a DeprecationWarning.

A module that moved leaves a small module at its old path whose `__getattr__` is made
here: reading a name imports it from its new home and warns once per name, naming the
new import and the release that removes the old path.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

#: The release that removes the old paths.
REMOVED_IN = "0.4.0"


def moved(old_module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` serving `names` (name -> new module path) with a warning."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook PEP 562 names
        new_module = names.get(name)
        if new_module is None:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        warnings.warn(
            f"Keel 0.2.0 moved `{name}`: import it from `{new_module}` instead of "
            f"`{old_module}` (the old path goes away in {REMOVED_IN}).",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new_module), name)

    return __getattr__
