"""What the projects API reads and writes.

Input schemas list exactly the fields a client may set: anything else, read-only fields
such as `id` or `owner_id` included, is unknown and answers 422 before any change is
made (no mass assignment). Integers are strict: `2.0`, `"2"` and `true` are refused.
Responses are dumped through `ProjectSchema`, so a field it does not list never leaves.
"""

from __future__ import annotations

from marshmallow import fields, validate

from ...kernel import StrictSchema

#: The largest page a client may ask for; more is a 422, not a silent clamp.
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
#: Far beyond any real page, small enough that OFFSET never overflows a database integer.
MAX_PAGE = 1_000_000
#: The fields a list may be sorted by; prefix with "-" for descending order.
SORTABLE_FIELDS = ("name", "priority", "created_at", "updated_at")


#: Whitespace as `str.isspace()` has it, spelled out: `\s` means other characters in
#: JSON Schema's regex dialect (ECMA-262), and the document must say what this code does.
_SPACE = r"\t-\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: At least one character that is not whitespace: a `Regexp`, so the document says it too.
NOT_BLANK = validate.Regexp(f"[{_SPACE}]*[^{_SPACE}]", error="Must not be blank.")


class ProjectCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    #: 1 is the most urgent.
    priority = fields.Integer(strict=True, load_default=3, validate=validate.Range(min=1, max=5))


class ProjectUpdateSchema(StrictSchema):
    """PATCH: every field optional; the ETag in `If-Match` says which version you edit."""

    name = fields.String(validate=[validate.Length(min=1, max=200), NOT_BLANK])
    description = fields.String(validate=validate.Length(max=10_000))
    priority = fields.Integer(strict=True, validate=validate.Range(min=1, max=5))


class ProjectSchema(StrictSchema):
    id = fields.Integer(required=True, strict=True)
    owner_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    priority = fields.Integer(required=True, strict=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    archived_at = fields.AwareDateTime(required=True, allow_none=True)
    report = fields.String(required=True, allow_none=True)
    reported_at = fields.AwareDateTime(required=True, allow_none=True)


class ProjectQuerySchema(StrictSchema):
    """Query string of the list: paging, filters and order, each on an allow-list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )
    #: Case-insensitive substring of the name.
    name = fields.String(validate=[validate.Length(min=1, max=200), NOT_BLANK])
    archived = fields.Boolean()
    priority = fields.Integer(validate=validate.Range(min=1, max=5))
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf([*SORTABLE_FIELDS, *(f"-{name}" for name in SORTABLE_FIELDS)]),
    )


class PageMetaSchema(StrictSchema):
    page = fields.Integer(required=True, strict=True)
    page_size = fields.Integer(required=True, strict=True)
    total = fields.Integer(required=True, strict=True)
    pages = fields.Integer(required=True, strict=True)


class ProjectPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ProjectSchema), required=True)
    meta = fields.Nested(PageMetaSchema, required=True)


class ProjectReportSchema(StrictSchema):
    """The answer to a report request: the report arrives in the project later."""

    project_id = fields.Integer(required=True, strict=True)
    task_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["queued"]))
