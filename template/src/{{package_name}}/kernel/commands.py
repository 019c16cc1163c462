# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import in_context`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .cli.context import ACTOR_ATTRIBUTE as ACTOR_ATTRIBUTE
    from .cli.context import in_context as in_context
    from .cli.context import open_shell_context as open_shell_context
    from .cli.context import resolve_user_actor as resolve_user_actor

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "ACTOR_ATTRIBUTE": f"{_KERNEL}.cli.context",
        "in_context": f"{_KERNEL}.cli.context",
        "open_shell_context": f"{_KERNEL}.cli.context",
        "resolve_user_actor": f"{_KERNEL}.cli.context",
    },
)
