# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""JSON responses encoded by orjson, byte for byte what Flask's default provider writes.

`KeelFlask.json_provider_class` (Flask's documented hook) is `OrjsonProvider`. Only
`response()` (what `jsonify`, a view returning a dict and flask-smorest's responses go
through) changes engine; `dumps()` and `loads()` stay the standard library's, so the
problem+json bodies, flask-smorest's ETags and request parsing are untouched.

The same output as `DefaultJSONProvider`, and why each option is there:
- keys sorted (`sort_keys`), compact separators, indent 2 in debug (`compact`), the
  trailing newline;
- datetimes and dates go to `default` (RFC 822 text, as Flask writes them), not to
  orjson's ISO form (`OPT_PASSTHROUGH_DATETIME`); dataclasses go to `default` too
  (`dataclasses.asdict`, then sorted like any dict); UUIDs are their `str()` either way;
- `ensure_ascii`: orjson writes UTF-8, so the few bodies that hold non-ASCII text (or
  DEL) are escaped afterwards into `\\u` escapes of four hex digits (surrogate pairs above U+FFFF)
  the standard library writes.
Whatever orjson refuses (keys that are not strings, integers beyond 64 bits, nesting
deeper than 254, a `default` that raises) is encoded by the standard library instead,
so it succeeds or fails exactly as before. Two differences remain, both in floats and
neither in this project's schemas: a float below 1e-4 is written `1e-7`, not `1e-07`
(the same number), and NaN and infinities become `null` (the standard library writes
`NaN`, which is not JSON). tests/kernel/test_json_provider.py holds the comparison.
"""

from __future__ import annotations

import re
import weakref
from typing import Any, cast

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

#: Characters `json.dumps(..., ensure_ascii=True)` escapes that orjson writes as they are.
_NOT_ASCII = re.compile("[\x7f-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def ascii_only(body: bytes) -> bytes:
    """orjson's UTF-8 output with every character from DEL up escaped, as `json` does."""
    if body.isascii() and b"\x7f" not in body:
        return body
    return _NOT_ASCII.sub(_escape, body.decode()).encode()


class OrjsonProvider(DefaultJSONProvider):
    """Flask's default provider, with `response()` encoded by orjson (same bytes)."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        # Flask's provider keeps its app private; a weak proxy of our own avoids a cycle.
        self.app = cast(Flask, weakref.proxy(app))

    def options(self) -> int:
        """orjson flags for this provider's current settings (they may change at run time)."""
        flags = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
        if self.sort_keys:
            flags |= orjson.OPT_SORT_KEYS
        if (self.compact is None and self.app.debug) or self.compact is False:
            flags |= orjson.OPT_INDENT_2
        return flags

    def encode(self, obj: Any) -> bytes:
        """The body `DefaultJSONProvider.response` would write for `obj`, newline included."""
        flags = self.options()
        try:
            body = orjson.dumps(obj, default=self.default, option=flags)
        except orjson.JSONEncodeError:
            # What orjson refuses the standard library may accept (or refuse the same way).
            dump_args: dict[str, Any] = (
                {"indent": 2} if flags & orjson.OPT_INDENT_2 else {"separators": (",", ":")}
            )
            return f"{self.dumps(obj, **dump_args)}\n".encode()
        if self.ensure_ascii:
            body = ascii_only(body)
        return body + b"\n"

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """`jsonify`'s engine: the arguments as Flask documents them, encoded by orjson."""
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj: Any = kwargs or (None if not args else args[0] if len(args) == 1 else args)
        return self.app.response_class(self.encode(obj), mimetype=self.mimetype)
