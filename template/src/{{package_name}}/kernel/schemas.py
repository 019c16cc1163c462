# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import StrictSchema`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .http.schemas import NUL_MESSAGE as NUL_MESSAGE
    from .http.schemas import StrictSchema as StrictSchema

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "NUL_MESSAGE": f"{_KERNEL}.http.schemas",
        "StrictSchema": f"{_KERNEL}.http.schemas",
    },
)
