"""Runs inside a generated project: the cost of authenticating one request, in-process.

Variants, all behind Keel's default middleware stack and measured interleaved:

- Keel's authentication layer (the default): PyJWT once per request with the verified-
  token cache, plus the revocation check (one primary-key query that also loads the
  actor, on the thread's own autocommit connection). With the cache off, every request
  pays the signature check. The same check through the request's ORM session (what
  Keel did before) is measured too.
- flask-jwt-extended's `@jwt_required()` (its default path, configured with the same
  pinned rules and the same revocation check as a blocklist loader): "before".
- Both again with a revocation check that does not touch the database, to separate the
  token work from the query.

Each variant is compared with the same app answering the same route without a token.
"""

from __future__ import annotations

import gc
import importlib
import io
import os
import statistics
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from _timing import bench_settings, call_cost, pin_to_one_cpu, write_views_module

#: Many short rounds: a median of more rounds shrugs off the other jobs on the machine.
ROUNDS = 15
CALLS = 1000

BENCH_MODULE = """
from flask import jsonify
from flask_jwt_extended import get_jwt, jwt_required
from flask_smorest import Blueprint
from sqlalchemy import text

from {package}.kernel.auth import current_request
from {package}.kernel.context import current_context

try:  # declare the routes public where the project has permissions (deny by default)
    from {package}.kernel.permissions import public
except ImportError:  # pragma: no cover
    def public(view):
        return view

blp = Blueprint("bench", __name__, url_prefix="/bench")


@blp.route("/plain")
@public
def plain():
    actor = current_request().actor
    return jsonify(actor=str(actor))


@blp.route("/db")
@public
def with_a_query():
    current_context().session.execute(text("SELECT 1"))
    return jsonify(actor=str(current_request().actor))


@blp.route("/jwt")
@public
@jwt_required()
def with_jwt_required():
    return jsonify(actor=get_jwt()["sub"])
"""


def claims_only_actor(ctx: Any, claims: Mapping[str, Any]) -> Any:
    """A revocation check that never answers "revoked": isolates the token work."""
    from importlib import import_module

    actors = import_module(f"{PACKAGE}.kernel.actors")
    return actors.Actor.user(int(claims["sub"]), str(claims.get("email", "")), set())


def session_actor(ctx: Any, claims: Mapping[str, Any]) -> Any:
    """The same query through the request's ORM session and transaction ("before")."""
    from importlib import import_module

    actors = import_module(f"{PACKAGE}.kernel.actors")
    tokens = import_module(f"{PACKAGE}.modules.accounts.tokens")
    params = {"family": claims["fam"], "user_id": int(claims["sub"])}
    row = ctx.session.execute(tokens._ACTOR_QUERY, params).first()
    if row is None:
        return None
    return actors.Actor.user(int(row[0]), str(row[1]), set(str(row[2]).split()))


PACKAGE = ""


def main(package: str) -> None:
    global PACKAGE
    PACKAGE = package
    pin_to_one_cpu()
    tmp = Path(tempfile.mkdtemp())  # the databases
    write_views_module(package, "bench_auth_views", BENCH_MODULE)
    sys.modules["_auth_overhead_inner"] = sys.modules[__name__]

    kernel = importlib.import_module(f"{package}.kernel")
    database = importlib.import_module(f"{package}.kernel.database")
    context = importlib.import_module(f"{package}.kernel.context")
    actors = importlib.import_module(f"{package}.kernel.actors")
    auth = importlib.import_module(f"{package}.kernel.auth")
    services = importlib.import_module(f"{package}.modules.accounts.services")
    tokens = importlib.import_module(f"{package}.modules.accounts.tokens")

    settings = bench_settings(package, f"sqlite:///{tmp}/bench.sqlite3", "bench_auth_views")
    with_layer = settings.MIDDLEWARE
    without_layer = tuple(p for p in with_layer if not p.endswith("authentication.authentication"))
    stub = "_auth_overhead_inner:claims_only_actor"

    def build(**overrides: Any) -> Any:
        return kernel.create_app(settings.model_copy(update=overrides))

    keel = build()
    keel_nocache = build(JWT_VERIFIED_CACHE_SIZE=0)
    keel_stub = build(TOKEN_ACTOR_LOADER=stub)
    keel_session = build(TOKEN_ACTOR_LOADER="_auth_overhead_inner:session_actor")
    library = build(MIDDLEWARE=without_layer)
    auth.configure_auth(library)  # flask-jwt-extended with the same rules and loaders
    library_stub = build(MIDDLEWARE=without_layer, TOKEN_ACTOR_LOADER=stub)
    auth.configure_auth(library_stub)

    def bearer_for(app: Any) -> dict[str, str]:
        """Create the schema and a user in `app`'s database; their Authorization header."""
        with app.app_context():
            database.Model.metadata.create_all(database.db.engine)
        with context.open_context(app, origin="cli", actor=actors.SYSTEM) as ctx:
            user = services.create_user(ctx, "bench@example.com", "bench password 0123", ["admin"])
            token = tokens.issue_tokens(ctx, user).access_token
        return {"Authorization": f"Bearer {token}"}

    bearer = bearer_for(keel)
    # SQLite's rollback journal instead of WAL (SQLITE_WAL=false): every read locks the file.
    keel_journal = build(DATABASE_URL=f"sqlite:///{tmp}/bench-journal.sqlite3", SQLITE_WAL=False)
    bearer_journal = bearer_for(keel_journal)
    flush_logs = importlib.import_module(f"{package}.kernel.logging").flush_logs

    sink = io.StringIO()
    sys.stderr = sink  # the kernel's log handler writes to whatever sys.stderr is

    cases: dict[str, tuple[Any, str, dict[str, str]]] = {
        "Keel stack, no token": (keel, "/bench/plain", {}),
        "Keel layer, token (default)": (keel, "/bench/plain", bearer),
        "Keel layer, token, cache off": (keel_nocache, "/bench/plain", bearer),
        "Keel layer, token, no-DB check": (keel_stub, "/bench/plain", bearer),
        "Keel layer, token, ORM-session check": (keel_session, "/bench/plain", bearer),
        "Keel stack, no token, no WAL": (keel_journal, "/bench/plain", {}),
        "Keel layer, token, no WAL": (keel_journal, "/bench/plain", bearer_journal),
        "Keel stack, no token, view queries": (keel, "/bench/db", {}),
        "Keel layer, token, view queries": (keel, "/bench/db", bearer),
        "stack w/o layer, no token": (library, "/bench/plain", {}),
        "@jwt_required(), token": (library, "/bench/jwt", bearer),
        "@jwt_required(), no-DB check": (library_stub, "/bench/jwt", bearer),
    }
    redis_url = os.environ.get("KEEL_BENCH_REDIS_URL", "")
    if redis_url:
        keel_redis = build(TOKEN_REVOCATION_REDIS_URL=redis_url)
        cases["Keel layer, token, Redis check"] = (keel_redis, "/bench/plain", bearer)
    results: dict[str, list[float]] = {name: [] for name in cases}
    for app, path, headers in cases.values():
        # Warm up, and fail early on a non-200.
        call_cost(app, path, CALLS, headers, after=flush_logs)
    gc.collect()
    gc.disable()
    for _ in range(ROUNDS):
        for name, (app, path, headers) in cases.items():
            results[name].append(call_cost(app, path, CALLS, headers, after=flush_logs))
        sink.seek(0)
        sink.truncate()
    gc.enable()
    flush_logs()
    sys.stderr = sys.__stderr__

    m = {name: statistics.median(values) for name, values in results.items()}
    base, base_lib = m["Keel stack, no token"], m["stack w/o layer, no token"]
    print(
        f"GET /bench/*, in-process WSGI calls on one CPU, SQLite; median of {ROUNDS} "
        f"interleaved rounds x {CALLS} calls"
    )
    print(f"{'variant':<34} {'us/request':>11} {'added vs no token':>18}")
    for name, value in m.items():
        reference = base_lib if name.startswith(("@jwt", "stack w/o")) else base
        if name.endswith("view queries"):
            reference = m["Keel stack, no token, view queries"]
        if name.endswith("no WAL"):
            reference = m["Keel stack, no token, no WAL"]
        print(f"{name:<34} {value:>11.1f} {value - reference:>+18.1f}")
    print()
    before = m["@jwt_required(), token"] - base_lib
    after = m["Keel layer, token (default)"] - base
    print(f"before (flask-jwt-extended @jwt_required(), same checks): {before:+.1f} us/request")
    print(f"after  (Keel's authentication layer, default settings):  {after:+.1f} us/request")
    token_before = m["@jwt_required(), no-DB check"] - base_lib
    token_after = m["Keel layer, token, no-DB check"] - base
    print(
        f"token work alone (revocation check stubbed): before {token_before:+.1f}, "
        f"after {token_after:+.1f} us/request"
    )
    query = m["Keel layer, token (default)"] - m["Keel layer, token, no-DB check"]
    orm = m["Keel layer, token, ORM-session check"] - m["Keel layer, token, no-DB check"]
    print(
        f"the revocation check on a route that does not query otherwise: before (the "
        f"request's ORM session: session, connection, BEGIN, SELECT, COMMIT) {orm:.1f}, "
        f"after (one autocommit SELECT on the thread's own connection) {query:.1f} us/request"
    )
    journal = m["Keel layer, token, no WAL"] - m["Keel stack, no token, no WAL"]
    print(f"target (issue 5): at most +50 us per authenticated request; now {after:+.1f} us")
    print(f"  the same with SQLITE_WAL=false (a file lock per read): {journal:+.1f} us")
    shared = m["Keel layer, token, view queries"] - m["Keel stack, no token, view queries"]
    print(
        f"on a route that also queries (the check runs first, on its own connection): "
        f"{shared:+.1f} us/request"
    )


if __name__ == "__main__":
    main(sys.argv[1])
