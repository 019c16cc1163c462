# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Health endpoints for orchestrators: liveness never touches the database, readiness does.

Readiness answers within `READY_BUDGET` seconds whatever the database does (stopped,
silent, slow): on PostgreSQL it asks a `DatabaseProbe`, a connection of its own that
never waits for the pool, with a 2-second connect timeout and a client-side deadline.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..core.context import current_context
from ..core.state import kernel_state
from ..data.database import DatabaseProbe
from .declare import public
from .errors import problem

blueprint = Blueprint("health", __name__, url_prefix="/health")


@blueprint.get("/live")
@public
def live() -> Response:
    """The process is up and serving."""
    return jsonify(status="ok")


@blueprint.get("/ready")
@public
def ready() -> Response:
    """The database answers; 503 with Retry-After otherwise."""
    ctx = current_context()
    probe = kernel_state(current_app).get(DatabaseProbe)
    try:
        if probe.needed:
            probe.check()
        else:
            ctx.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        ctx.logger.warning("Readiness check failed: %s", type(exc).__name__)
        return problem(503, detail="The database is not reachable.", headers={"Retry-After": "5"})
    return jsonify(status="ok", database="ok")
