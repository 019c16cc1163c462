# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Every route and the permission it declares: the table `flask permissions` prints.

Built from `app.url_map` after all modules are loaded. A route (METHOD and RULE) with
no declaration stops startup (keel.E020, kernel/http/checks.py): deny by default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Flask

from ..core.permissions import Permission, Public, permission_of

#: Endpoints Flask adds itself (static files); the API docs declare `@public` like any view.
FRAMEWORK_PUBLIC_ENDPOINTS = frozenset({"static"})
_IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RouteEntry:
    method: str
    rule: str
    endpoint: str
    permission: Permission | None

    @property
    def object_level(self) -> bool:
        return self.permission is not None and self.permission.object_level

    def as_dict(self) -> dict[str, str | bool | None]:
        return {
            "method": self.method,
            "rule": self.rule,
            "endpoint": self.endpoint,
            "permission": self.permission.describe() if self.permission else None,
            "object_level": self.object_level,
        }


def snapshot_text(entries: list[RouteEntry]) -> str:
    """The committed form of the table (`flask permissions --json`)."""
    return json.dumps([e.as_dict() for e in entries], indent=2) + "\n"


def route_permissions(app: Flask) -> list[RouteEntry]:
    entries = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        for method in sorted((rule.methods or set()) - _IGNORED_METHODS):
            if rule.endpoint in FRAMEWORK_PUBLIC_ENDPOINTS:
                permission: Permission | None = Public()
            else:
                permission = permission_of(view, method) if view is not None else None
            entries.append(RouteEntry(method, rule.rule, rule.endpoint, permission))
    entries.sort(key=lambda e: (e.rule, e.method))
    return entries
