# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The OpenAPI document: bearer auth, problem+json errors, and its committed text.

Template-owned (refreshed by `copier update`).

- At startup `create_app()` builds a `KeelApi` with `build_api()` (flask-smorest's
  `Api` whose error responses are what the service really sends: RFC 9457
  problem+json, never flask-smorest's generic `Error` schema) and calls
  `document_kernel()`.
- As each blueprint registers, `ProblemResponses` (an apispec plugin, passed through
  flask-smorest's documented `spec_kwargs={"extra_plugins": ...}`) rewrites its
  error responses and adds the ones the kernel itself answers, so a new module's
  operations are described truthfully without a line of documentation:
  every operation documents its success response, `400` (the input-limits layer:
  invalid Unicode, a bad header), `401` (a token that is sent and invalid, on public
  operations too), `503` with `Retry-After` (every request may need the database:
  the revocation check of a sent token at least) and a problem+json `default`;
  `@requires` adds `403` and the security requirement; a path parameter adds `404`;
  a body adds `413` (beyond `MAX_CONTENT_LENGTH`, `MAX_JSON_DEPTH` or
  `MAX_JSON_NUMBER_DIGITS`) and flask-smorest's `422`, and is optional when its
  schema requires no field (webargs reads a missing body as `{}`); `@requires(...,
  if_match=True)` adds the required `If-Match` header, `412` and `428`.
- `nul_free_strings`, an attribute function of apispec's marshmallow converter
  (flask-smorest's public `api.ma_plugin`), gives every string of a `StrictSchema`
  the rule the schema enforces: no NUL character.
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
from marshmallow import fields

from .errors import PROBLEM_MIMETYPE, status_phrase
from .schemas import StrictSchema

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
    400: (
        "BadRequest",
        "The request is malformed: a body that is not JSON or not valid Unicode, a query "
        "string that is not UTF-8, a header with a character outside printable ASCII.",
    ),
    404: ("NotFound", "No such resource, or the actor may not see it."),
    409: ("Conflict", "The request conflicts with the resource's current state."),
    412: (
        "PreconditionFailed",
        "The object changed since the ETag in If-Match was read: read it again and retry.",
    ),
    413: (
        "ContentTooLarge",
        "The body is larger than MAX_CONTENT_LENGTH, nested deeper than MAX_JSON_DEPTH, "
        "or holds a number with more than MAX_JSON_NUMBER_DIGITS digits.",
    ),
    422: ("ValidationError", "The parameters or the body failed validation."),
    428: ("PreconditionRequired", "If-Match is missing: send the ETag of the version you read."),
    429: ("TooManyRequests", "Too many requests; retry after the Retry-After delay."),
    503: (
        "ServiceUnavailable",
        "A dependency (the database, the rate-limit storage, the broker) is busy or "
        "unreachable; retry after the Retry-After delay.",
    ),
}

#: Statuses whose answer carries `Retry-After` (seconds).
_RETRY_AFTER_STATUSES = frozenset({"429", "503"})
RETRY_AFTER_HEADER: dict[str, Any] = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}

#: Every string a `StrictSchema` reads must be free of NUL (kernel/http/schemas.py).
NUL_FREE_PATTERN = "^[^\\u0000]*$"

#: The `If-Match` header of a write guarded by `check_if_match`. Printable ASCII, as the
#: input-limits layer demands of every header the service reads (400 otherwise), with
#: one visible character at least (an empty one is a missing one: 428).
IF_MATCH_PARAMETER: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": (
        "The ETag of the version you read (the `ETag` header of a read or of the last "
        "write), or `*` for whatever version is current. Missing: 428; stale: 412."
    ),
    "schema": {"type": "string", "pattern": "^[\\t -~]*[!-~][\\t -~]*$"},
}

IF_MATCH = "IfMatch"

#: The marker `@requires(..., if_match=True)` leaves in an operation (replaced here by
#: the If-Match parameter and its responses; it never reaches the document).
IF_MATCH_MARKER = "x-keel-if-match"

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
    body = _problem_response(description, schema)
    if str(status) in _RETRY_AFTER_STATUSES:
        body["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
    return name, body


class ProblemResponses(BasePlugin):
    """An apispec plugin: error responses are problem+json, under stable names, and
    every status the kernel answers on an operation's behalf is declared.

    flask-smorest refers to its error responses by `HTTPStatus` member name (422 ->
    "UNPROCESSABLE_ENTITY") and documents `@blp.alt_response(401, description=...)`
    with no body at all. This runs on each operation before apispec resolves the
    names, so both point at problem+json instead. A response the view documents
    itself (its own description) is kept; the kernel's are added where missing.
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
            responses: dict[Any, Any] = operation.setdefault("responses", {})
            for status, response in responses.items():
                code = str(status)
                if not code.isdigit() or int(code) < 400:
                    continue
                if isinstance(response, str) and response in HTTPStatus.__members__:
                    responses[status] = self._component(int(code))
                elif isinstance(response, dict) and "$ref" not in response:
                    if "content" not in response:
                        response["content"] = _problem_content(
                            "ValidationProblem" if code == "422" else "Problem"
                        )
                    if code in _RETRY_AFTER_STATUSES:
                        response.setdefault("headers", {}).setdefault(
                            "Retry-After", RETRY_AFTER_HEADER
                        )
            self._optional_body_when_empty_loads(operation)
            declared = {str(status) for status in responses}
            for status in self._kernel_statuses(path or "", operation):
                if str(status) not in declared:
                    responses[str(status)] = self._component(status)

    @staticmethod
    def _kernel_statuses(path: str, operation: dict[str, Any]) -> list[int]:
        """What the kernel may answer for this operation, whatever its view does."""
        statuses = [400, 401, 503]
        if "{" in path:
            statuses.append(404)
        if "requestBody" in operation:
            statuses.append(413)
        if operation.pop(IF_MATCH_MARKER, False):
            operation.setdefault("parameters", []).append(IF_MATCH)
            statuses += [412, 428]
        return statuses

    def _optional_body_when_empty_loads(self, operation: dict[str, Any]) -> None:
        """A body whose schema requires no field is optional, whatever the view says.

        webargs loads a missing JSON body as `{}`: a PATCH without a body is an empty
        change, not a 4xx, so the document must not call the body required.
        """
        body = operation.get("requestBody")
        if not isinstance(body, dict) or not body.get("required"):
            return
        media = body.get("content", {}).get("application/json", {})
        ref = media.get("schema", {}).get("$ref", "") if isinstance(media, dict) else ""
        schema = self.spec.components.schemas.get(ref.rpartition("/")[2])
        if isinstance(schema, dict) and not schema.get("required"):
            body["required"] = False

    def _component(self, status: int) -> str:
        name, body = response_component(status)
        if name not in self.spec.components.responses:
            self.spec.components.response(name, body)
        return name


def nul_free_strings(converter: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """The `StrictSchema` rule on strings, as JSON Schema: no NUL character.

    An apispec attribute function (`converter.add_attribute_function`): it sees the
    properties the other functions produced (`ret`). A field with a pattern of its own
    keeps it; the NUL rule then joins it through `allOf`.
    """
    ret: dict[str, Any] = kwargs.get("ret", {})
    if not isinstance(field, fields.String) or "enum" in ret:
        return {}
    if not isinstance(field.root, StrictSchema):
        return {}
    if "pattern" not in ret:
        return {"pattern": NUL_FREE_PATTERN}
    return {"allOf": [*ret.get("allOf", []), {"pattern": NUL_FREE_PATTERN}]}


class KeelApi(Api):  # type: ignore[misc]  # flask-smorest ships no types
    """flask-smorest's `Api`, whose default error response is the kernel's problem+json."""

    DEFAULT_ERROR_RESPONSE_NAME = DEFAULT_ERROR


def build_api(app: Flask) -> KeelApi:
    """The app's `Api`, with the problem+json plugin and the kernel's components."""
    api = KeelApi(app, spec_kwargs={"extra_plugins": [ProblemResponses()]})
    api.ma_plugin.converter.add_attribute_function(nul_free_strings)
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
    components.response(
        "Unauthorized",
        _problem_response(
            "Missing or invalid access token (an invalid one is refused on public operations too)."
        ),
    )
    components.response("Forbidden", _problem_response("The actor may not do this."))
    components.response(DEFAULT_ERROR, _problem_response("Any other error, as problem+json."))
    components.parameter(IF_MATCH, "header", IF_MATCH_PARAMETER, lazy=True)


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
