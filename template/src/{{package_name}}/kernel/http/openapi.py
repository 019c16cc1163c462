# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The OpenAPI document: bearer auth, problem+json errors, and its committed text.

Template-owned (refreshed by `copier update`).

- At startup `create_app()` builds a `KeelApi` with `build_api()` (flask-smorest's
  `Api` whose error responses are what the service really sends: RFC 9457
  problem+json, never flask-smorest's generic `Error` schema) and calls
  `document_kernel()`.
- As each blueprint registers, `ProblemResponses` (an apispec plugin, passed through
  flask-smorest's documented `spec_kwargs={"extra_plugins": ...}`) rewrites its
  error responses:
  every operation documents its success response, `422` for bad input (when it takes
  any), `401`/`403` (from `@requires`), its security, and a problem+json `default`.
- `spec_text()` is the document as `flask openapi` writes it to `openapi.json` and as
  `tests/test_openapi_snapshot.py` compares it: sorted keys, indented, final newline,
  so a change to the API shows up as a readable diff in review.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from apispec import APISpec, BasePlugin
from flask import Flask
from flask_smorest import Api

from .errors import PROBLEM_MIMETYPE, status_phrase

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

#: A 422 always says which fields failed: `errors` by location, then field, e.g.
#: `{"json": {"email": ["Missing data for required field."]}}`.
VALIDATION_PROBLEM_SCHEMA: dict[str, Any] = {
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "object",
                    "description": "Messages by location (json, query, path, ...) and field.",
                    "additionalProperties": True,
                }
            },
        },
    ]
}

#: Response components by status. Names and texts are fixed here rather than taken from
#: `http.HTTPStatus`, whose names and phrases change between Python versions (422 is
#: UNPROCESSABLE_ENTITY on 3.11, UNPROCESSABLE_CONTENT on 3.13): the committed
#: openapi.json must not depend on the interpreter.
_RESPONSE_NAMES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is malformed (for example, the body is not JSON)."),
    404: ("NotFound", "No such resource, or the actor may not see it."),
    409: ("Conflict", "The request conflicts with the resource's current state."),
    413: ("ContentTooLarge", "The request body is larger than MAX_CONTENT_LENGTH."),
    422: ("ValidationError", "The parameters or the body failed validation."),
    429: ("TooManyRequests", "Too many requests; retry after the Retry-After delay."),
    503: ("ServiceUnavailable", "A dependency is unavailable; retry later."),
}

#: The name of every operation's `default` response: any error, as problem+json.
DEFAULT_ERROR = "Error"


def _problem_content(schema: str = "Problem") -> dict[str, Any]:
    return {PROBLEM_MIMETYPE: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _problem_response(description: str, schema: str = "Problem") -> dict[str, Any]:
    return {"description": description, "content": _problem_content(schema)}


def response_component(status: int) -> tuple[str, dict[str, Any]]:
    """The stable component name and body documenting error `status`."""
    if status in _RESPONSE_NAMES:
        name, description = _RESPONSE_NAMES[status]
    else:
        name, description = f"Error{status}", status_phrase(status) or f"Error {status}."
    schema = "ValidationProblem" if status == 422 else "Problem"
    return name, _problem_response(description, schema)


class ProblemResponses(BasePlugin):
    """An apispec plugin: error responses are problem+json, under stable names.

    flask-smorest refers to its error responses by `HTTPStatus` member name (422 ->
    "UNPROCESSABLE_ENTITY") and documents `@blp.alt_response(401, description=...)`
    with no body at all. This runs on each operation before apispec resolves the
    names, so both point at problem+json instead.
    """

    spec: APISpec

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        self.spec = spec

    def operation_helper(
        self, path: str | None = None, operations: dict[Any, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            responses: dict[Any, Any] = operation.get("responses", {})
            for status, response in responses.items():
                code = str(status)
                if not code.isdigit() or int(code) < 400:
                    continue
                if isinstance(response, str) and response in HTTPStatus.__members__:
                    responses[status] = self._component(int(code))
                elif isinstance(response, dict) and not {"$ref", "content"} & response.keys():
                    response["content"] = _problem_content(
                        "ValidationProblem" if code == "422" else "Problem"
                    )

    def _component(self, status: int) -> str:
        name, body = response_component(status)
        if name not in self.spec.components.responses:
            self.spec.components.response(name, body)
        return name


class KeelApi(Api):  # type: ignore[misc]  # flask-smorest ships no types
    """flask-smorest's `Api`, whose default error response is the kernel's problem+json."""

    DEFAULT_ERROR_RESPONSE_NAME = DEFAULT_ERROR


def build_api(app: Flask) -> KeelApi:
    """The app's `Api`, with the problem+json plugin and the kernel's components."""
    api = KeelApi(app, spec_kwargs={"extra_plugins": [ProblemResponses()]})
    document_kernel(api)
    return api


def document_kernel(api: Api) -> None:
    """Register the components `@requires` and every operation's errors refer to."""
    components = api.spec.components
    components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    components.schema("Problem", PROBLEM_SCHEMA)
    components.schema("ValidationProblem", VALIDATION_PROBLEM_SCHEMA)
    components.response("Unauthorized", _problem_response("Missing or invalid access token."))
    components.response("Forbidden", _problem_response("The actor may not do this."))
    components.response(DEFAULT_ERROR, _problem_response("Any other error, as problem+json."))


def spec_text(api: Api) -> str:
    """The document as committed in `openapi.json`: stable text for a stable API."""
    document = without_unused_schemas(api.spec.to_dict())
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def without_unused_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Drop flask-smorest's generic `Error` schema when nothing refers to it.

    flask-smorest registers it for its default error responses; the kernel documents
    problem+json instead (`ProblemResponses`), so it is never used and would only show
    up in the docs as noise.
    """
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    if "Error" in schemas and '"#/components/schemas/Error"' not in json.dumps(document):
        del schemas["Error"]
    return document


def operation_count(api: Api) -> int:
    """How many operations (method and path) the document describes."""
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    paths: dict[str, dict[str, Any]] = api.spec.to_dict().get("paths", {})
    return sum(len(methods & item.keys()) for item in paths.values())
