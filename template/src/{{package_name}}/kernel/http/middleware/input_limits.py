# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Refuse hostile input at the edge, before any library (webargs, PyJWT, argon2, the
database driver) reads it.

Checked on every request, before the execution context opens and before the token is
read, so nothing below ever sees:

- a JSON body nested deeper than `MAX_JSON_DEPTH` (the JSON parser and marshmallow
  recurse: about 400 levels raised RecursionError, a 500) -> 413;
- a JSON number with more than `MAX_JSON_NUMBER_DIGITS` digits (Python refuses to
  convert integers of more than 4,300 digits with ValueError, a 500) -> 413;
- a JSON body that is not UTF-8, or holds a lone surrogate escape (`"\\udc80"`: the
  parser accepts it, then argon2, PyJWT or the database driver fail to encode it) -> 400;
- a query string that does not percent-decode to UTF-8 (an encoded surrogate
  included) -> 400;
- a non-ASCII or control character in a header the service reads (`Authorization`,
  `If-Match`, `If-None-Match`) -> 400.

Every refusal is problem+json whose detail says what was refused and which setting
bounds it. The scan works on the raw bytes with a few regular expressions (strings are
stripped before brackets and digits are counted), so a well-formed body costs little.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from flask import Response
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from ...core.state import kernel_state
from ..request import Request
from .stack import Handler

if TYPE_CHECKING:
    from flask import Flask

#: The WSGI environ keys of the headers the kernel and the example module read.
READ_HEADERS = {
    "HTTP_AUTHORIZATION": "Authorization",
    "HTTP_IF_MATCH": "If-Match",
    "HTTP_IF_NONE_MATCH": "If-None-Match",
}
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e\t]*")
#: A JSON string, unrolled so long strings cost one pass.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
#: A JSON escape: `\u` and four hex digits (group 1) or any other one character.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_SURROGATE_HINT = re.compile(r"\\u[dD][89a-fA-F]")


class InputLimits:
    """The limits of `MAX_JSON_DEPTH` and `MAX_JSON_NUMBER_DIGITS`, and the checks."""

    __slots__ = ("_long_number", "max_json_depth", "max_json_number_digits")

    def __init__(self, max_json_depth: int, max_json_number_digits: int) -> None:
        self.max_json_depth = max_json_depth
        self.max_json_number_digits = max_json_number_digits
        #: A run of number characters long enough to hold too many digits.
        shortest = max_json_number_digits + 1
        self._long_number = re.compile("[-+.0-9eE]" + "{" + str(shortest) + ",}")

    def check(self, request: Request) -> None:
        """Raise a 400 or 413 `HTTPException` for the first hostile input found."""
        environ = request.environ
        for key, name in READ_HEADERS.items():
            value = environ.get(key)
            if value is not None and not _PRINTABLE_ASCII.fullmatch(value):
                raise BadRequest(f"The {name} header holds a character outside printable ASCII.")
        query = environ.get("QUERY_STRING")
        if query and ("%" in query or not query.isascii()):
            try:  # WSGI gives the raw bytes as latin-1 text
                unquote_to_bytes(query.encode("latin-1").replace(b"+", b" ")).decode("utf-8")
            except UnicodeError:
                raise BadRequest("The query string is not valid UTF-8.") from None
        # No Content-Type, no JSON body: most requests (GET) end here, unparsed.
        if environ.get("CONTENT_TYPE") and request.is_json and request.content_length != 0:
            body = request.get_data(cache=True)
            if body:
                self.check_json(body)

    def check_json(self, body: bytes) -> None:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest("The JSON body is not valid UTF-8.") from None
        if _SURROGATE_HINT.search(text):
            _refuse_lone_surrogates(text)
        bare = _STRING.sub('""', text)
        brackets = _NOT_BRACKET.sub("", bare)
        limit = self.max_json_depth
        if len(brackets) > limit:
            depth = 0
            for char in brackets:
                if char in "[{":
                    depth += 1
                    if depth > limit:
                        raise RequestEntityTooLarge(
                            f"The JSON body is nested more than {limit} levels deep "
                            "(MAX_JSON_DEPTH)."
                        )
                else:
                    depth -= 1
        digits_limit = self.max_json_number_digits
        for match in self._long_number.finditer(bare):
            if sum(char.isdigit() for char in match.group()) > digits_limit:
                raise RequestEntityTooLarge(
                    f"A number in the JSON body has more than {digits_limit} digits "
                    "(MAX_JSON_NUMBER_DIGITS)."
                )


def _refuse_lone_surrogates(text: str) -> None:
    """400 unless every `\\uD800`-`\\uDFFF` escape is half of a high-low pair."""
    low_expected_at = -1
    for match in _ESCAPE.finditer(text):
        unit = match.group(1)
        value = int(unit, 16) if unit else -1
        if low_expected_at >= 0:
            if match.start() != low_expected_at or not 0xDC00 <= value <= 0xDFFF:
                break
            low_expected_at = -1
        elif 0xD800 <= value <= 0xDBFF:
            low_expected_at = match.end()
        elif 0xDC00 <= value <= 0xDFFF:
            break
    else:
        if low_expected_at < 0:
            return
    raise BadRequest(
        "The JSON body holds a lone surrogate escape (\\uD800-\\uDFFF without its pair): "
        "it is not valid Unicode text."
    )


def input_limits(handler: Handler, app: Flask) -> Handler:
    settings = kernel_state(app).settings
    limits = InputLimits(settings.MAX_JSON_DEPTH, settings.MAX_JSON_NUMBER_DIGITS)
    check = limits.check

    def layer(request: Request) -> Response:
        check(request)
        return handler(request)

    return layer
