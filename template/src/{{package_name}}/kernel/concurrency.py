# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import check_if_match`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .http.concurrency import check_if_match as check_if_match
    from .http.concurrency import entity_tag as entity_tag
    from .http.concurrency import quoted as quoted

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "check_if_match": f"{_KERNEL}.http.concurrency",
        "entity_tag": f"{_KERNEL}.http.concurrency",
        "quoted": f"{_KERNEL}.http.concurrency",
    },
)
