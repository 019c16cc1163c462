"""The floor: the projects API as a competent hand-written Flask app would serve it.

The bench copies this file into its temporary folder as `plain_app.py` and serves it with
the same granian command line as the generated service, from the service's own venv
(flask, flask-sqlalchemy and granian are there), on the same database and rows. It has
what a careful developer writes by hand and nothing else: no authentication, no logging,
no middleware, Flask-SQLAlchemy's default engine, `jsonify` of a dict per row with the
fields the Keel API returns. Whatever Keel costs above it is the price of its layers.

The list is the page Keel's list answers by default, so that both do the same database
work and the bench can check that both answer the same JSON: the rows of one owner
(`PLAIN_OWNER_ID`: the bench's user; the plain app has no authentication to learn it
from), newest first (`created_at` descending, then `id`), and their count.

`PLAIN_DATABASE_URL` names the database (the bench sets it).
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Text, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Project(db.Model):  # type: ignore[name-defined,misc]
    """The columns of Keel's `projects` table that its API returns."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int]
    name: Mapped[str]
    description: Mapped[str] = mapped_column(Text)
    priority: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset, as Keel writes it (SQLite gives naive UTC back)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _row(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "owner_id": project.owner_id,
        "name": project.name,
        "description": project.description,
        "priority": project.priority,
        "created_at": _iso(project.created_at),
        "updated_at": _iso(project.updated_at),
        "archived_at": _iso(project.archived_at),
        "report": project.report,
        "reported_at": _iso(project.reported_at),
    }


def _database_url() -> str:
    url = os.environ["PLAIN_DATABASE_URL"]
    # Keel's settings do the same: the project's venv has psycopg 3, not psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url()
    owner_id = int(os.environ["PLAIN_OWNER_ID"])
    db.init_app(app)

    @app.get("/health/live")
    def live() -> Response:
        return jsonify(status="ok")

    @app.get("/api/v1/projects/<int:project_id>")
    def item(project_id: int) -> Response:
        project = db.session.get(Project, project_id)
        if project is None:
            abort(404)
        return jsonify(_row(project))

    @app.get("/api/v1/projects/")
    def page() -> Response:
        page_size = max(1, min(request.args.get("page_size", 20, type=int) or 20, 100))
        mine = Project.owner_id == owner_id
        newest = (Project.created_at.desc(), Project.id)
        rows = db.session.scalars(select(Project).where(mine).order_by(*newest).limit(page_size))
        count = select(func.count()).select_from(Project).where(mine)
        total = db.session.scalar(count) or 0
        meta = {
            "page": 1,
            "page_size": page_size,
            "total": total,
            "pages": math.ceil(total / page_size),
        }
        return jsonify(items=[_row(p) for p in rows.all()], meta=meta)

    return app


app = create_app()
