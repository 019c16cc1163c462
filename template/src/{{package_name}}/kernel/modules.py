# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import Module`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .registry.modules import LoadedModule as LoadedModule
    from .registry.modules import Module as Module
    from .registry.modules import ModuleLoadError as ModuleLoadError
    from .registry.modules import load_modules as load_modules

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "LoadedModule": f"{_KERNEL}.registry.modules",
        "Module": f"{_KERNEL}.registry.modules",
        "ModuleLoadError": f"{_KERNEL}.registry.modules",
        "load_modules": f"{_KERNEL}.registry.modules",
    },
)
