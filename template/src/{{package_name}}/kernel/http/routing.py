# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""URL converters bounded to what the database can hold.

Werkzeug's `int` converter accepts any number of digits; `/projects/99999999999` then
reaches the database, which fails on an id its integer column cannot hold (a 500 on
PostgreSQL and SQLite alike). Keel's `int` stops at the largest 32-bit integer, the
range of an `Integer` primary key, so such a URL simply matches no route (404);
`bigint` allows the range of a `BigInteger` key.

Both accept ASCII digits only. Werkzeug's `\\d+` matches every Unicode digit and
`int()` converts them, so `/projects/%D9%A1` (an Arabic-Indic one) and `/projects/%EF%BC%91`
(a fullwidth one) would alias `/projects/1`; here they match no route (404).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


#: ASCII digits only (Werkzeug's `\\d` is any Unicode digit).
ASCII_DIGITS = r"[0-9]+"


class IntConverter(IntegerConverter):
    regex = ASCII_DIGITS

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


class BigIntConverter(IntegerConverter):
    regex = ASCII_DIGITS

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(map, *args, **kwargs)


def install_converters(app: Flask) -> None:
    """Replace `int` and add `bigint`; before any blueprint adds a rule that uses them."""
    app.url_map.converters["int"] = IntConverter
    app.url_map.converters["bigint"] = BigIntConverter
