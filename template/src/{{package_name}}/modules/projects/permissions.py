"""Who may do what with a project: every view, the task and the command use these."""

from __future__ import annotations

from ...kernel import HasRole, IsAuthenticated, IsOwner

#: Owners see and change their own projects; admins see and change every project.
#: Object-level: `get_or_404` answers 404 for anyone else, and `scoped` filters lists.
CAN_MANAGE_PROJECT = IsAuthenticated() & (IsOwner("owner_id") | HasRole("admin"))
