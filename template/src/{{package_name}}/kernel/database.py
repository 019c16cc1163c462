# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Deprecated since Keel 0.2.0, removed in 0.4.0: the 0.1.0 import path of these names.

Import them from `<package>.kernel` (the public API) instead, e.g.
`from ..kernel import Model`. Reading a name here still works and warns.
"""

from typing import TYPE_CHECKING

from .core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from .data.database import NAMING_CONVENTION as NAMING_CONVENTION
    from .data.database import Model as Model
    from .data.database import Session as Session
    from .data.database import UTCDateTime as UTCDateTime
    from .data.database import db as db

_KERNEL = __name__.rpartition(".")[0]

__getattr__ = moved(
    __name__,
    {
        "Model": f"{_KERNEL}.data.database",
        "NAMING_CONVENTION": f"{_KERNEL}.data.database",
        "Session": f"{_KERNEL}.data.database",
        "UTCDateTime": f"{_KERNEL}.data.database",
        "db": f"{_KERNEL}.data.database",
    },
)
