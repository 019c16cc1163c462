"""Shared by the measuring scripts: the per-call cost of a WSGI app, in microseconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder


def call_cost(
    app: Callable[..., Any], path: str, calls: int, headers: dict[str, str] | None = None
) -> float:
    """Mean µs per call of `app(environ, start_response)`; refuses to time a non-200."""
    environ = EnvironBuilder(path=path, headers=headers or {}).get_environ()
    status: list[str] = []

    def start_response(code: str, response_headers: Any, exc_info: Any = None) -> None:
        status.append(code)

    started = time.perf_counter()
    for _ in range(calls):
        body = app(dict(environ), start_response)
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
    elapsed = (time.perf_counter() - started) / calls * 1e6
    if not status[-1].startswith("200"):
        raise SystemExit(f"{path} answered {status[-1]}; the benchmark would measure an error")
    return elapsed
