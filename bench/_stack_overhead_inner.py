"""Runs inside a generated project: bare Flask vs Keel's stack, same process, interleaved.

Two parts, each measured in one process with interleaved rounds:

1. GET /health/live on a bare Flask app, on Keel without middleware, on Keel with each
   prefix of the default MIDDLEWARE (each layer's own cost) and with the full stack.
2. The permission check: one app, one bearer token, two routes that differ only in the
   permission they declare (`public` against `IsAuthenticated() & HasRole("admin")`),
   plus the check alone (`permission.denied_by(ctx)`) timed directly.
"""

from __future__ import annotations

import gc
import importlib
import io
import statistics
import sys
import tempfile
import timeit
from typing import Any

import flask
from _timing import bench_settings, call_cost, pin_to_one_cpu, write_views_module
from flask import Flask, jsonify

#: Many short rounds: a median of more rounds shrugs off the other jobs on the machine.
ROUNDS = 15
CALLS = 1500
PERMISSION_ROUNDS = 41

PERMISSION_VIEWS = """
from flask import jsonify
from flask_smorest import Blueprint

from {package}.kernel.permissions import HasRole, IsAuthenticated, public, requires

blp = Blueprint("bench", __name__, url_prefix="/bench")
ADMIN = IsAuthenticated() & HasRole("admin")


@blp.route("/public")
@public
def open_to_all():
    return jsonify(status="ok")


@blp.route("/admin")
@requires(ADMIN)
def admins_only():
    return jsonify(status="ok")
"""


def bench_module(package: str) -> str:
    """Write a module with the two permission routes; returns its name."""
    return write_views_module(package, "bench_permission_views", PERMISSION_VIEWS)


#: The bare Flask view's cost on the machine the issue's targets were set on.
REFERENCE_BARE_US = 45.0


def main(package: str) -> None:
    pin_to_one_cpu()
    kernel = importlib.import_module(f"{package}.kernel")
    flush_logs = importlib.import_module(f"{package}.kernel.logging").flush_logs
    # Keel's access log writes one line per request: keep it on, into a null stream.
    tmp = tempfile.mkdtemp()
    settings = bench_settings(package, f"sqlite:///{tmp}/bench.sqlite3", bench_module(package))
    keel = kernel.create_app(settings)
    bearer, check_alone = permission_setup(package, keel)
    sink = io.StringIO()
    sys.stderr = sink  # the kernel's handler writes to whatever sys.stderr is

    bare_stack = kernel.create_app(
        settings.model_copy(update={"MIDDLEWARE": (), "WSGI_MIDDLEWARE": ()})
    )

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
        call_cost(app, "/health/live", CALLS, after=flush_logs)  # warm up
    gc.collect()
    gc.disable()
    for _ in range(ROUNDS):
        for name, app in apps.items():
            results[name].append(call_cost(app, "/health/live", CALLS, after=flush_logs))
        sink.seek(0)
        sink.truncate()
    # The permission pair differs by a few microseconds in ~200: more, shorter rounds.
    routes = {"public": "/bench/public", "guarded": "/bench/admin"}
    permission: dict[str, list[float]] = {name: [] for name in routes}
    for path in routes.values():
        # Warm up, and fail early on a non-200.
        call_cost(keel, path, CALLS, bearer, after=flush_logs)
    for _ in range(PERMISSION_ROUNDS):
        for name, path in routes.items():
            permission[name].append(call_cost(keel, path, CALLS // 3, bearer, after=flush_logs))
        sink.seek(0)
        sink.truncate()
    check_rounds = [check_alone() for _ in range(ROUNDS)]
    gc.enable()
    flush_logs()
    sys.stderr = sys.__stderr__

    medians = {name: statistics.median(values) for name, values in results.items()}
    base = medians["bare Flask"]
    empty = medians["Keel, empty MIDDLEWARE"]
    print(
        f"GET /health/live, in-process WSGI calls on one CPU (access-log batches written "
        f"inside the timing); median of {ROUNDS} interleaved rounds x {CALLS} calls"
    )
    print(f"{'app':<30} {'us/request':>11} {'vs bare':>8} {'ratio':>6} {'layer adds':>11}")
    previous = empty
    for name, value in medians.items():
        layer = f"{value - previous:>+11.1f}" if name.startswith("  + ") else ""
        if name.startswith("  + "):
            previous = value
        print(f"{name:<30} {value:>11.1f} {value - base:>+8.1f} {value / base:>6.2f} {layer}")
    stack = medians["Keel, default stack"] - empty
    print(
        f"default stack over empty MIDDLEWARE: {stack:+.1f} us ({stack / base:.0%} of a bare view)"
    )
    print(f"Keel kernel, no middleware, over bare Flask: {empty - base:+.1f} us")
    full = medians["Keel, default stack"] - base
    print(f"default stack over bare Flask (the target: at most +15 us): {full:+.1f} us")
    print(
        f"  = {full / base:.0%} of a bare view here ({base:.1f} us); the target is "
        f"{15 / REFERENCE_BARE_US:.0%} of one ({REFERENCE_BARE_US:.0f} us where it was set), "
        f"so scaled to that machine: {full / base * REFERENCE_BARE_US:+.1f} us"
    )
    print()
    public_route = statistics.median(permission["public"])
    guarded = statistics.median(permission["guarded"])
    print(
        f"Permission check, default stack, same bearer token (admin), same app; median of "
        f"{PERMISSION_ROUNDS} interleaved rounds x {CALLS // 3} calls:"
    )
    print(f"  public route                            {public_route:>8.1f} us/request")
    print(f"  IsAuthenticated() & HasRole('admin')    {guarded:>8.1f} us/request")
    print(
        f"  the difference per full request (within the noise of a few us): "
        f"{guarded - public_route:+.1f} us"
    )
    alone = {name: statistics.median(r[name] for r in check_rounds) for name in check_rounds[0]}
    print(f"The authorization layer alone (no view after it), median of {ROUNDS} rounds:")
    print(f"  public route                            {alone['layer, public']:>8.2f} us/call")
    print(f"  IsAuthenticated() & HasRole('admin')    {alone['layer, guarded']:>8.2f} us/call")
    check = alone["layer, guarded"] - alone["layer, public"]
    print(f"  the check's cost per request (target: at most 5 us): {check:+.2f} us")
    print(f"  permission.denied_by(ctx) alone: {alone['denied_by']:.2f} us")


def permission_setup(package: str, app: Any) -> tuple[dict[str, str], Any]:
    """A user with the admin role and their bearer header; a timer of the check alone."""
    actors = importlib.import_module(f"{package}.kernel.actors")
    context = importlib.import_module(f"{package}.kernel.context")
    database = importlib.import_module(f"{package}.kernel.database")
    services = importlib.import_module(f"{package}.modules.accounts.services")
    tokens = importlib.import_module(f"{package}.modules.accounts.tokens")
    views = importlib.import_module("bench_permission_views.views")
    with app.app_context():
        database.Model.metadata.create_all(database.db.engine)
    with context.open_context(app, origin="cli", actor=actors.SYSTEM) as ctx:
        user = services.create_user(ctx, "bench@example.com", "bench password 0123", ["admin"])
        token = tokens.issue_tokens(ctx, user).access_token
        admin = user.as_actor()

    authorization = importlib.import_module(f"{package}.kernel.middleware.authorization")
    answer = app.response_class("ok")
    layer = authorization.authorization(lambda request: answer, app)

    def check_alone() -> dict[str, float]:
        """The authorization layer alone on each route (no view after it), and `denied_by`."""
        calls = 50_000
        timings: dict[str, float] = {}
        for name, path in (("layer, public", "/bench/public"), ("layer, guarded", "/bench/admin")):
            with (
                app.test_request_context(path),
                context.open_context(app, origin="test", actor=admin) as ctx,
            ):
                request = flask.request._get_current_object()
                request.context, request.actor = ctx, admin
                names = {"layer": layer, "request": request}
                timings[name] = timeit.timeit("layer(request)", globals=names, number=calls)
        with context.open_context(app, origin="test", actor=admin) as ctx:
            names = {"denied_by": views.ADMIN.denied_by, "ctx": ctx}
            timings["denied_by"] = timeit.timeit("denied_by(ctx)", globals=names, number=calls)
        return {name: seconds / calls * 1e6 for name, seconds in timings.items()}

    return {"Authorization": f"Bearer {token}"}, check_alone


if __name__ == "__main__":
    main(sys.argv[1])
