"""The "public APIs only" rule itself: it finds each kind of shortcut, and only those."""

from __future__ import annotations

from harness.public_api import check_source

FLASK_METHODS = frozenset({"dispatch_request", "full_dispatch_request", "process_response"})

SHORTCUTS = """
from flask.globals import _cv_app
from flask_sqlalchemy._compat import thing
import werkzeug._internal


class App(Flask):
    def dispatch_request(self):
        return self._handler

    def full_dispatch_request(self):
        return ctx._after_request_functions


def cached(headers):
    from .bootstrap import state_of
    return headers._list
"""

CLEAN = """
from flask import request, Flask
from ._private_helper import helper


class App(Flask):
    def dispatch_request(self):
        return request._get_current_object(), self._stack, cls._x

    def dispatch_view(self):
        return parts._replace(netloc="x")
"""


def test_every_kind_of_shortcut_is_named_with_its_line() -> None:
    found = [str(v) for v in check_source(SHORTCUTS, "kernel/x.py", "svc", FLASK_METHODS)]
    assert found == [
        "kernel/x.py:2: flask.globals._cv_app (private name of a library)",
        "kernel/x.py:3: flask_sqlalchemy._compat (private module of a library)",
        "kernel/x.py:4: werkzeug._internal (private module of a library)",
        "kernel/x.py:11: App.full_dispatch_request (re-implemented Flask method)",
        "kernel/x.py:12: _after_request_functions (private attribute)",
        "kernel/x.py:16: .bootstrap (kernel import inside a function)",
        "kernel/x.py:17: _list (private attribute)",
    ]


def test_documented_names_and_own_attributes_pass() -> None:
    assert check_source(CLEAN, "kernel/y.py", "svc", FLASK_METHODS) == []
