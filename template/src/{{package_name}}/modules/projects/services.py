"""What can be done with projects, for any caller: views, the task and the command.

Every function takes the execution context first and goes through the permission
layer: `get_or_404`/`scoped` for what the actor may see, `authorize` outside HTTP.
None of them commits; the unit of work that called them does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, PreconditionFailed

from ...kernel import (
    ExecutionContext,
    IsAuthenticated,
    IsSystem,
    PermissionDenied,
    authorize,
    get_or_404,
    page_with_total,
    scoped,
)
from .models import Project
from .permissions import CAN_MANAGE_PROJECT

#: Fields a client may change with PATCH (the update schema lists the same).
EDITABLE_FIELDS = frozenset({"name", "description", "priority"})


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Project]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.page_size)


def list_projects(
    ctx: ExecutionContext,
    *,
    page: int,
    page_size: int,
    sort: str,
    name: str | None = None,
    archived: bool | None = None,
    priority: int | None = None,
) -> Page:
    """One page of the projects the actor may see, filtered and ordered.

    `sort` is one of the schema's allow-list ("name", "-created_at", ...): a column
    name never comes from the client unchecked.
    """
    statement = scoped(ctx, sa.select(Project), Project, CAN_MANAGE_PROJECT)
    if name is not None:
        statement = statement.where(Project.name.icontains(name, autoescape=True))
    if archived is not None:
        statement = statement.where(
            Project.archived_at.is_not(None) if archived else Project.archived_at.is_(None)
        )
    if priority is not None:
        statement = statement.where(Project.priority == priority)
    column = getattr(Project, sort.removeprefix("-"))
    order = column.desc() if sort.startswith("-") else column.asc()
    items, total = page_with_total(
        ctx, statement.order_by(order, Project.id), page=page, page_size=page_size
    )
    return Page(items=items, page=page, page_size=page_size, total=total)


def get_project(ctx: ExecutionContext, project_id: int) -> Project:
    """The project, if the actor may see it; 404 otherwise (whether or not it exists)."""
    return get_or_404(ctx, Project, project_id, CAN_MANAGE_PROJECT)


def create_project(
    ctx: ExecutionContext, *, name: str, description: str = "", priority: int = 3
) -> Project:
    """A new project owned by the actor."""
    authorize(ctx, IsAuthenticated())
    if ctx.actor.id is None:
        raise PermissionDenied(f"{ctx.actor} is not a user and cannot own a project")
    project = Project(
        owner_id=ctx.actor.id, name=name.strip(), description=description, priority=priority
    )
    ctx.session.add(project)
    ctx.session.flush()
    return project


def update_project(ctx: ExecutionContext, project: Project, changes: Mapping[str, Any]) -> None:
    """Apply a PATCH. Archived projects are read-only (409)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if project.archived_at is not None:
        raise Conflict("This project is archived: it can be read, not changed.")
    for field, value in changes.items():
        setattr(project, field, value.strip() if field == "name" else value)
    _flush(ctx)


def delete_project(ctx: ExecutionContext, project: Project) -> None:
    ctx.session.delete(project)
    _flush(ctx)


def _flush(ctx: ExecutionContext) -> None:
    # The version check passed, but another writer may have committed since: the
    # UPDATE's `WHERE version = :read_version` matches no row then.
    try:
        ctx.session.flush()
    except StaleDataError:
        raise PreconditionFailed(
            "The object changed while you were updating it: fetch it again and retry."
        ) from None


def archive_stale(ctx: ExecutionContext, *, older_than: timedelta) -> list[int]:
    """Archive every live project untouched for `older_than`; the system's job only."""
    authorize(ctx, IsSystem())
    now = ctx.clock.now()
    stale = ctx.session.scalars(
        sa.select(Project)
        .where(Project.archived_at.is_(None), Project.updated_at < now - older_than)
        .order_by(Project.id)
    ).all()
    for project in stale:
        project.archived_at = now
    ctx.session.flush()
    ctx.logger.info(
        "Archived stale projects",
        extra={"event": "projects_archived", "count": len(stale)},
    )
    return [project.id for project in stale]


def write_report(ctx: ExecutionContext, project_id: int) -> Project | None:
    """Summarise a project into its `report`, as the actor who asked for it.

    Checked again here, not only when the report was requested: by the time a worker
    runs this the actor may have lost access (`PermissionDenied` then). A project
    deleted in between is no error: there is nothing left to report on.
    """
    authorize(ctx, CAN_MANAGE_PROJECT)
    project = ctx.session.get(Project, project_id)
    if project is None:
        ctx.logger.info("Project gone before its report", extra={"project_id": project_id})
        return None
    authorize(ctx, CAN_MANAGE_PROJECT, project)
    siblings = ctx.session.scalar(
        sa.select(sa.func.count())
        .select_from(Project)
        .where(Project.owner_id == project.owner_id, Project.id != project.id)
    )
    now = ctx.clock.now()
    state = "archived" if project.archived_at else "active"
    project.report = (
        f"{project.name}: {state}, priority {project.priority}, "
        f"{len(project.description)} characters of description, "
        f"last changed {project.updated_at:%Y-%m-%d %H:%M} UTC; "
        f"its owner has {siblings} other project(s). Reported for {ctx.actor}."
    )
    project.reported_at = now
    ctx.session.flush()
    return project
