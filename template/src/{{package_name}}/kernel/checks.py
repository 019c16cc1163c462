"""The check framework: configuration problems found at startup, before any request.

Each check is a small function registered with `@register()`; it returns messages with
a stable id (`keel.E001`), the state, consequence and action, and a hint. Errors stop
startup; warnings are logged. `@register(deploy=True)` checks run only under
`flask check --deploy`, the gate to run before shipping. An id listed in
`SILENCED_CHECKS` is ignored on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from flask import Flask

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class CheckMessage:
    id: str
    level: Level
    msg: str
    hint: str = ""

    def __str__(self) -> str:
        hint = f"\n    HINT: {self.hint}" if self.hint else ""
        return f"{self.id} ({self.level}): {self.msg}{hint}"


Check = Callable[[Flask], list[CheckMessage]]
_REGISTRY: list[tuple[Check, bool]] = []


def register(*, deploy: bool = False) -> Callable[[Check], Check]:
    def decorator(check: Check) -> Check:
        _REGISTRY.append((check, deploy))
        return check

    return decorator


def run_checks(app: Flask, *, deploy: bool = False) -> list[CheckMessage]:
    from .bootstrap import settings_of

    silenced = set(settings_of(app).SILENCED_CHECKS)
    messages: list[CheckMessage] = []
    for check, is_deploy in _REGISTRY:
        if is_deploy and not deploy:
            continue
        messages.extend(m for m in check(app) if m.id not in silenced)
    return messages
