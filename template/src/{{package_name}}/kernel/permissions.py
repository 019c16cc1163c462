# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.3.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import requires`. Reading a name here still works and warns.
"""

from .core.deprecation import moved

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
