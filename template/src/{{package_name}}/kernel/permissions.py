# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import requires`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .core.permissions import PERMISSION_ATTRIBUTE as PERMISSION_ATTRIBUTE
    from .core.permissions import AllOf as AllOf
    from .core.permissions import AnyOf as AnyOf
    from .core.permissions import HasPermissionCode as HasPermissionCode
    from .core.permissions import HasRole as HasRole
    from .core.permissions import IsAuthenticated as IsAuthenticated
    from .core.permissions import IsOwner as IsOwner
    from .core.permissions import IsSystem as IsSystem
    from .core.permissions import Not as Not
    from .core.permissions import Permission as Permission
    from .core.permissions import PermissionDenied as PermissionDenied
    from .core.permissions import Public as Public
    from .core.permissions import authorize as authorize
    from .core.permissions import permission_of as permission_of
    from .data.queries import get_or_404 as get_or_404
    from .data.queries import scoped as scoped
    from .http.declare import public as public
    from .http.declare import requires as requires

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "AllOf": f"{_KERNEL}.core.permissions",
        "AnyOf": f"{_KERNEL}.core.permissions",
        "HasPermissionCode": f"{_KERNEL}.core.permissions",
        "HasRole": f"{_KERNEL}.core.permissions",
        "IsAuthenticated": f"{_KERNEL}.core.permissions",
        "IsOwner": f"{_KERNEL}.core.permissions",
        "IsSystem": f"{_KERNEL}.core.permissions",
        "Not": f"{_KERNEL}.core.permissions",
        "PERMISSION_ATTRIBUTE": f"{_KERNEL}.core.permissions",
        "Permission": f"{_KERNEL}.core.permissions",
        "PermissionDenied": f"{_KERNEL}.core.permissions",
        "Public": f"{_KERNEL}.core.permissions",
        "authorize": f"{_KERNEL}.core.permissions",
        "get_or_404": f"{_KERNEL}.data.queries",
        "permission_of": f"{_KERNEL}.core.permissions",
        "public": f"{_KERNEL}.http.declare",
        "requires": f"{_KERNEL}.http.declare",
        "scoped": f"{_KERNEL}.data.queries",
    },
)
