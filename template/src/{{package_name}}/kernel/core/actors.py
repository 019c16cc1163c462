# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Who is acting: a user, the system, or nobody.

An `Actor` is a plain immutable value, so it can travel in a task's headers and be
compared in tests. The accounts module turns a user row into an actor; the kernel never
imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ActorKind = Literal["user", "system", "anonymous"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The identity a unit of work runs as."""

    kind: ActorKind
    #: The user's primary key (users only).
    id: int | None = None
    #: The user's email, or "system"/"anonymous"; used in logs.
    name: str = "anonymous"
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def user(cls, id: int, email: str, roles: frozenset[str] | set[str] = frozenset()) -> Actor:
        return cls(kind="user", id=id, name=email, roles=frozenset(roles))

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    def __str__(self) -> str:
        return f"user:{self.id}" if self.kind == "user" else self.kind

    def to_header(self) -> dict[str, object]:
        """A JSON-safe form, for task headers."""
        return {"kind": self.kind, "id": self.id, "name": self.name, "roles": sorted(self.roles)}

    @classmethod
    def from_header(cls, value: object) -> Actor:
        """Rebuild an actor from `to_header()`; anything malformed becomes anonymous."""
        if not isinstance(value, dict) or value.get("kind") not in ("user", "system", "anonymous"):
            return ANONYMOUS
        kind = value["kind"]
        if kind == "system":
            return SYSTEM
        if kind == "anonymous":
            return ANONYMOUS
        user_id, name, roles = value.get("id"), value.get("name"), value.get("roles", [])
        if not isinstance(user_id, int) or not isinstance(name, str) or not isinstance(roles, list):
            return ANONYMOUS
        return cls.user(user_id, name, {str(role) for role in roles})


ANONYMOUS = Actor(kind="anonymous")
SYSTEM = Actor(kind="system", name="system")
