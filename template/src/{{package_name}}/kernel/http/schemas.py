# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The base of every request and response schema: strict about what it accepts.

- Unknown fields are an error (422), not silently dropped: a client sending `owner_id`
  or `is_admin` learns at once that it cannot set them (no mass assignment).
- No string may contain a NUL character. PostgreSQL cannot store one and would fail
  the request with a 500 deep in the database layer; SQLite would store it and
  C-string tools would truncate it later. Refused up front, on every database alike.
- Responses are dumped by a plan compiled once per schema from its declared fields
  (kernel/http/dumping.py): the same result as marshmallow's `dump`, without its
  per-object overhead; a schema with dump hooks of its own is dumped by marshmallow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, pre_load

from .dumping import dumper_of

NUL_MESSAGE = "Must not contain NUL characters."


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """marshmallow's `dump`, through this schema's compiled plan when it has one."""
        plan = dumper_of(self)
        if plan is None:
            return super().dump(obj, many=many)
        return plan.dump(obj, many)

    @pre_load
    def _refuse_nul_characters(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {str(key): [NUL_MESSAGE] for key, value in data.items() if _has_nul(value)}
            if errors:
                raise ValidationError(errors)
        elif _has_nul(data):
            raise ValidationError(NUL_MESSAGE)
        return data
