"""Shared by the measuring scripts: a throwaway views module, and the per-call cost of a WSGI
app in microseconds."""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder


def write_views_module(package: str, name: str, views_source: str) -> str:
    """Write an installable Keel module `name` whose views.py is `views_source`.

    `views_source` is formatted with `package`; the module's folder goes on sys.path.
    Returns `name`, for INSTALLED_MODULES.
    """
    folder = Path(tempfile.mkdtemp())
    (folder / name).mkdir()
    (folder / name / "__init__.py").write_text("")
    (folder / name / "module.py").write_text(
        f"from {package}.kernel.modules import Module\n\n"
        'module = Module(name="bench", blueprints=(".views:blp",))\n'
    )
    (folder / name / "views.py").write_text(textwrap.dedent(views_source).format(package=package))
    sys.path.insert(0, str(folder))
    return name


def bench_settings(package: str, database_url: str, *extra_modules: str) -> Any:
    """Production-like settings for a measuring run: INFO logging (the access log stays
    on, into the null stream the caller installs), the project's modules plus
    `extra_modules`, nothing read from the environment."""
    settings_class = importlib.import_module(f"{package}.settings").Settings
    return settings_class(
        _env_file=None,
        APP_ENV="production",
        SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnop",
        JWT_SECRET_KEY="bench-jwt-key-0123456789-abcdefghijklmnopqrs",
        DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
        INSTALLED_MODULES=(
            *settings_class.model_fields["INSTALLED_MODULES"].default,
            *extra_modules,
        ),
    )


def pin_to_one_cpu() -> None:
    """Run on one CPU (the last), where the OS allows it: fewer migrations, less noise."""
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})


def call_cost(
    app: Callable[..., Any],
    path: str,
    calls: int,
    headers: dict[str, str] | None = None,
    after: Callable[[], None] | None = None,
) -> float:
    """Mean µs per call of `app(environ, start_response)`; refuses to time a non-200.

    `after` runs once inside the timed span, after the calls: the work the calls left
    to a background thread (the access log's batched lines) is counted, not hidden.
    """
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
    if after is not None:
        after()
    elapsed = (time.perf_counter() - started) / calls * 1e6
    if not status[-1].startswith("200"):
        raise SystemExit(f"{path} answered {status[-1]}; the benchmark would measure an error")
    return elapsed
