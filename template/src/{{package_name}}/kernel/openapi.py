"""What the kernel adds to the OpenAPI document: bearer auth and the problem+json shape."""

from __future__ import annotations

from typing import Any

from flask_smorest import Api

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string", "nullable": True},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def document_kernel(api: Api) -> None:
    """Register the components `@requires` refers to."""
    components = api.spec.components
    components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    components.schema("Problem", PROBLEM_SCHEMA)
    components.response("Unauthorized", _problem_response("Missing or invalid access token."))
    components.response("Forbidden", _problem_response("The actor may not do this."))
