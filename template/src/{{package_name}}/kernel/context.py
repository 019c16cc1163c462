# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import ExecutionContext`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .core.context import ExecutionContext as ExecutionContext
    from .core.context import NoContextError as NoContextError
    from .core.context import Origin as Origin
    from .core.context import current_context as current_context
    from .core.context import new_request_id as new_request_id
    from .core.context import rebind as rebind
    from .data.unit_of_work import open_context as open_context

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "ExecutionContext": f"{_KERNEL}.core.context",
        "NoContextError": f"{_KERNEL}.core.context",
        "Origin": f"{_KERNEL}.core.context",
        "current_context": f"{_KERNEL}.core.context",
        "new_request_id": f"{_KERNEL}.core.context",
        "open_context": f"{_KERNEL}.data.unit_of_work",
        "rebind": f"{_KERNEL}.core.context",
    },
)
