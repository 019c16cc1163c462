"""What the accounts module contributes (read by the kernel's module registry)."""

from ...kernel import Module

module = Module(
    name="accounts",
    models=(".models",),
    blueprints=(".views:blp",),
    commands=(".commands:users",),
)
