# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Every error leaves as RFC 9457 problem+json, converted once, at the stack's edge.

Body: `type`, `title`, `status`, `detail`, `request_id`, plus `errors` for validation
failures. Outside debug mode no traceback or exception text leaves the server; the
traceback goes to the log once, with the request id.

A database that is busy or unreachable (SQLAlchemy's `OperationalError`: SQLite's
write lock not obtained within `SQLITE_BUSY_TIMEOUT`, a refused or timed-out
connection, a cancelled statement; any DBAPI error that SQLAlchemy recognised as a
lost connection, `connection_invalidated`; or the pool's `TimeoutError`) answers 503
with `Retry-After`, logged as a warning: the client may try again, nothing is broken.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, json, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

#: The media type of every error body (RFC 9457); OpenAPI documents the same.
PROBLEM_MIMETYPE = "application/problem+json"
#: Seconds a client is told to wait after a 503 for a busy or unreachable database.
DATABASE_RETRY_AFTER = "1"

_log = logging.getLogger("keel.errors")


def problem(
    status: int,
    *,
    detail: str | None = None,
    title: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build a problem+json response (for code that answers an error without raising)."""
    phrase = status_phrase(status) or "Error"
    body: dict[str, Any] = {
        "type": type_,
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
        "request_id": getattr(request, "request_id", "") or None,
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    if headers:
        response.headers.update(headers)
    return response


def status_phrase(status: int) -> str:
    """The reason phrase of `status`, or "" for a code `http.HTTPStatus` does not know."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _validation_errors(exc: HTTPException) -> dict[str, Any] | None:
    # webargs/flask-smorest attach the field messages to the exception.
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:
        messages = data["messages"]
        return messages if isinstance(messages, dict) else {"_request": messages}
    return None


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    extra: dict[str, Any] = {}
    errors = _validation_errors(exc)
    if errors is not None:
        extra["errors"] = errors
    # Keep headers the exception carries (Allow on 405, WWW-Authenticate on 401, ...).
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    headers.update(getattr(exc, "problem_headers", {}) or {})
    detail = exc.description if status < 500 else HTTPStatus(status).description
    return problem(status, detail=detail, title=exc.name, headers=headers, **extra)


def handle_unexpected_exception(exc: Exception) -> Response:
    _log.exception("Unhandled exception", extra={"status": 500})
    if current_app.debug:
        return problem(500, detail=f"{type(exc).__name__}: {exc}")
    return problem(500, detail=InternalServerError.description)


def handle_database_unavailable(exc: Exception) -> Response:
    cause = getattr(exc, "orig", None) or exc
    _log.warning(
        "Database unavailable: %s: %s",
        type(cause).__name__,
        " ".join(str(cause).split())[:200],
        extra={"status": 503, "request_id": getattr(request, "request_id", "")},
    )
    return problem(
        503,
        detail="The database is busy or unreachable; try again shortly.",
        headers={"Retry-After": DATABASE_RETRY_AFTER},
    )


def handle_database_error(exc: DBAPIError) -> Response:
    """503 for a lost connection (whatever the driver called it), 500 for the rest."""
    if exc.connection_invalidated:
        return handle_database_unavailable(exc)
    return handle_unexpected_exception(exc)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers (after flask-smorest's and flask-jwt-extended's).

    flask-smorest's HTTPException handler is replaced; flask-jwt-extended's handlers for
    its own exception classes stay (they answer through the loaders in jwt.py).
    """
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(PoolTimeoutError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected_exception)
