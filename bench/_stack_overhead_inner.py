"""Runs inside a generated project: bare Flask vs Keel's stack, same process, interleaved."""

from __future__ import annotations

import gc
import importlib
import io
import statistics
import sys
import tempfile
from typing import Any

from _timing import call_cost
from flask import Flask, jsonify

ROUNDS = 7
CALLS = 3000


def main(package: str) -> None:
    kernel = importlib.import_module(f"{package}.kernel")
    settings_module = importlib.import_module(f"{package}.settings")
    # Keel's access log writes one line per request: keep it on, into a null stream.
    tmp = tempfile.mkdtemp()
    settings = settings_module.Settings(
        _env_file=None,
        APP_ENV="production",
        SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnop",
        JWT_SECRET_KEY="bench-jwt-key-0123456789-abcdefghijklmnopqrs",
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        LOG_LEVEL="INFO",
    )
    keel = kernel.create_app(settings)
    sink = io.StringIO()
    sys.stderr = sink  # the kernel's handler writes to whatever sys.stderr is

    bare_stack = kernel.create_app(settings.model_copy(update={"MIDDLEWARE": (), "WSGI_MIDDLEWARE": ()}))

    bare = Flask("bare")

    @bare.get("/health/live")
    def live() -> Any:
        return jsonify(status="ok")

    apps: dict[str, Any] = {
        "bare Flask": bare,
        "Keel, empty MIDDLEWARE": bare_stack,
        "Keel, default stack": keel,
    }
    # Each layer's own cost: the stack up to and including it, minus the one before.
    for index, path in enumerate(settings.MIDDLEWARE, start=1):
        prefix = settings.model_copy(
            update={"MIDDLEWARE": settings.MIDDLEWARE[:index], "WSGI_MIDDLEWARE": ()}
        )
        apps[f"  + {path.rsplit('.', 1)[-1]}"] = kernel.create_app(prefix)
    results: dict[str, list[float]] = {name: [] for name in apps}
    for app in apps.values():
        call_cost(app, "/health/live", CALLS)  # warm up
    gc.collect()
    gc.disable()
    for _ in range(ROUNDS):
        for name, app in apps.items():
            results[name].append(call_cost(app, "/health/live", CALLS))
        sink.seek(0)
        sink.truncate()
    gc.enable()
    sys.stderr = sys.__stderr__

    medians = {name: statistics.median(values) for name, values in results.items()}
    base = medians["bare Flask"]
    empty = medians["Keel, empty MIDDLEWARE"]
    print(f"GET /health/live, in-process WSGI calls; median of {ROUNDS} interleaved rounds x {CALLS} calls")
    print(f"{'app':<30} {'us/request':>11} {'vs bare':>8} {'ratio':>6} {'layer adds':>11}")
    previous = empty
    for name, value in medians.items():
        layer = f"{value - previous:>+11.1f}" if name.startswith("  + ") else ""
        if name.startswith("  + "):
            previous = value
        print(f"{name:<30} {value:>11.1f} {value - base:>+8.1f} {value / base:>6.2f} {layer}")
    stack = medians["Keel, default stack"] - empty
    print(f"default stack over empty MIDDLEWARE: {stack:+.1f} us ({stack / base:.0%} of a bare view)")
    print(f"Keel kernel, no middleware, over bare Flask: {empty - base:+.1f} us")


if __name__ == "__main__":
    main(sys.argv[1])
