# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import `Handler` and `place` from `<package>.kernel` instead. Reading a name here still
works and warns.
"""

from typing import TYPE_CHECKING

from ..core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from ..http.middleware import Handler as Handler
    from ..http.middleware import MiddlewareFactory as MiddlewareFactory
    from ..http.middleware import build_stack as build_stack

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "Handler": f"{_KERNEL}.http.middleware",
        "MiddlewareFactory": f"{_KERNEL}.http.middleware",
        "build_stack": f"{_KERNEL}.http.middleware",
    },
)
