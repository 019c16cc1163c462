# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import KeelFlask`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .http.app import KeelFlask as KeelFlask

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "KeelFlask": f"{_KERNEL}.http.app",
    },
)
