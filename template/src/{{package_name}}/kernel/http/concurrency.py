# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Optimistic concurrency over HTTP: an ETag per object version, `If-Match` to write.

A client reads an object (`ETag: "12-3"`), then sends `If-Match: "12-3"` with its
change. No `If-Match` answers 428 (RFC 6585): the write would silently overwrite
whatever changed since the client read it. A stale one answers 412. The database
backs this up: a model with SQLAlchemy's `version_id_col` refuses a concurrent write
that slipped between the check and the UPDATE (`StaleDataError`, also a 412).
"""

from __future__ import annotations

from werkzeug.exceptions import PreconditionFailed, PreconditionRequired

from .request import Request


def entity_tag(*parts: object) -> str:
    """A strong entity tag (without quotes) for one version of a representation."""
    return "-".join(str(part) for part in parts)


def quoted(tag: str) -> str:
    """The `ETag` header value for `tag`."""
    return f'"{tag}"'


def check_if_match(request: Request, current: str) -> None:
    """Let the write go ahead only if the client edits the version it read.

    Strong comparison, as RFC 9110 requires for If-Match; `If-Match: *` matches any
    existing object.
    """
    if not request.headers.get("If-Match"):
        raise PreconditionRequired(
            "This update needs an If-Match header with the ETag of the version you read."
        )
    if not request.if_match.contains(current):
        raise PreconditionFailed(
            "The object changed since you read it: fetch it again (new ETag) and retry."
        )
