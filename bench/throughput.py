"""End-to-end throughput of a generated service against a hand-written Flask floor.

    python bench/throughput.py [--ref REF] [--quick] [--rounds N] [--duration S]
    python bench/throughput.py --long [SECONDS] [--presets standard,full]

Renders the standard preset (and the full one, on PostgreSQL, when
KEEL_BENCH_POSTGRES_URL is set), installs it, migrates, creates one normal user, serves
it with its own `make serve` in production mode, seeds 1,000 projects through its API,
and serves a plain Flask + Flask-SQLAlchemy app (`_plain_app.py`) on the same rows with
the same granian options. wrk (or a Python client) loads both from another process, in
interleaved rounds. It prints req/s, latency and non-2xx counts per route, connection
count and app, the Keel/plain ratios, SQL statements per request and worker RSS, and
ends with one line:

    throughput: item 0.NN of plain, list 0.NN of plain, statements/item N, rss_mb N; goals ...

followed by the goals (item >= 0.80 of plain, list >= 1.00, statements/item <= 3, at
-c8 and -c32, for every preset measured) and whether each preset meets them. `--long`
measures memory instead: Keel alone under -c8 for 10 minutes, worker RSS sampled.

Why end to end: in-process micro-costs of the middleware proved invisible under load;
database round trips and per-object serialization are what a client feels, and only a
real server, a real database file and a real client show them. Only 127.0.0.1 is ever
contacted; every server is stopped and every temporary folder removed, on errors and
Ctrl-C too. The figures are printed, never asserted: the machines are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import _api
import _render
import _servers
from _load import LoadGenerator, Route
from _report import APPS, CONNECTIONS, ROUTES, PresetFigures, goals_line, memory_report, report

HERE = Path(__file__).resolve().parent
POSTGRES_ENV = "KEEL_BENCH_POSTGRES_URL"
REDIS_ENV = "KEEL_BENCH_REDIS_URL"
#: Port 1 on loopback: refused at once, so a fail-open limiter costs nothing.
NOWHERE_REDIS = "redis://127.0.0.1:1/0"
SEED_ROWS = 1000
LIST_PATH = "/api/v1/projects/?page_size=50"
LIVE_PATH = "/health/live"
EMAIL = "bench-user@example.com"
#: Items whose statements are counted (a few rows, spread over the table).
COUNTED_ITEMS = 4
NO_WRK = "wrk not found: apt-get install wrk (falling back to the Python load client)"
#: The memory run: its default length, connections, and the length of one load segment
#: (RSS is read after each; segments alternate the item and the list route).
LONG_SECONDS = 600
LONG_CONNECTIONS = 8
LONG_SEGMENT = 30


@dataclass(frozen=True)
class Options:
    ref: str
    rounds: int
    duration: int
    warmup: int
    #: Seconds of the memory run (0: the throughput bench).
    long: int = 0
    presets: tuple[str, ...] = ()


def parse_args(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--ref",
        default=_render.WORKING_TREE,
        help="render this commit of the repository (default: the working tree, "
        "uncommitted changes included)",
    )
    parser.add_argument("--quick", action="store_true", help="1 round of 3 s runs")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=int, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up before each run")
    parser.add_argument(
        "--long",
        type=int,
        nargs="?",
        const=LONG_SECONDS,
        default=0,
        metavar="SECONDS",
        help=f"memory: Keel alone under -c{LONG_CONNECTIONS} for SECONDS "
        f"(default {LONG_SECONDS}), worker RSS sampled every {LONG_SEGMENT} s",
    )
    parser.add_argument(
        "--presets",
        help=f"comma-separated presets (default: standard, and full when {POSTGRES_ENV} is set)",
    )
    args = parser.parse_args(argv)
    presets = ["standard"] + (["full"] if os.environ.get(POSTGRES_ENV) else [])
    if args.presets:
        presets = [p.strip() for p in args.presets.split(",") if p.strip()]
        if not set(presets) <= {"standard", "full"} or not presets:
            parser.error("--presets takes standard and/or full")
        if "full" in presets and not os.environ.get(POSTGRES_ENV):
            parser.error(f"the full preset needs {POSTGRES_ENV}")
    options = Options(
        ref=args.ref,
        rounds=args.rounds or (1 if args.quick else 3),
        duration=args.duration or (3 if args.quick else 10),
        warmup=args.warmup if args.warmup is not None else (1 if args.quick else 2),
        long=args.long,
        presets=tuple(presets),
    )
    if options.long and options.long < LONG_SEGMENT:
        parser.error(f"--long needs at least {LONG_SEGMENT} seconds")
    if options.rounds < 1 or options.duration < 1 or options.warmup < 0:
        parser.error("--rounds and --duration must be at least 1, --warmup at least 0")
    return options


def resolve_ref(ref: str) -> tuple[str, str]:
    """(what Copier is given, what is rendered in words); refuses a ref git does not know.

    Any ref but HEAD becomes its full commit id: Copier checks it out in a clone where a
    dirty working tree was committed on top, so `HEAD~1` there is not `HEAD~1` here.
    """
    done = subprocess.run(
        ["git", "-C", str(_render.ROOT), "rev-parse", "--verify", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"--ref {ref}: not a commit of {_render.ROOT}")
    commit = done.stdout.strip()
    if ref == _render.WORKING_TREE:
        return ref, f"the working tree (HEAD {commit[:7]} plus uncommitted changes)"
    return commit, f"commit {commit[:7]}"


# --- the generated service ------------------------------------------------------------


@dataclass
class Service:
    """A rendered, installed project and the environment its commands run with."""

    preset: str
    root: Path
    package: str
    database_url: str
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return venv_python(self.root)

    def flask(self, *args: str, stdin: str | None = None) -> None:
        """`flask ARGS` in the project (its .flaskenv names the app), like `make demo`."""
        argv = [_render.uv_executable(), "run", "--no-sync", "flask", *args]
        _render.run_quiet(argv, cwd=self.root, env=self.env, stdin=stdin)


def venv_python(project: Path) -> Path:
    return project / ".venv" / "bin" / "python"


def production_env(database_url: str) -> dict[str, str]:
    """What `make serve` needs to run like production: secrets stay in the project's .env.

    APP_ENV and LOG_FORMAT override the development values `copier copy` wrote to .env;
    the rest keeps the defaults of .env.example. A production service refuses to start
    with login rate limits in process memory (keel.E104): the counters go to
    KEEL_BENCH_REDIS_URL when it is set, else to a loopback port nobody listens on, with
    the limits failing open (the bench logs in a handful of times and measures no limit).
    """
    redis = os.environ.get(REDIS_ENV, "")
    return _render.project_env(
        {
            "APP_ENV": "production",
            "LOG_FORMAT": "json",
            "DATABASE_URL": database_url,
            "FLASK_DEBUG": "0",
            "RATELIMIT_STORAGE_URL": redis or NOWHERE_REDIS,
            "RATELIMIT_FAIL_OPEN": "false" if redis else "true",
        }
    )


def sqlite_url(project: Path) -> str:
    """The project's own DATABASE_URL from .env, its relative path made absolute."""
    url = "sqlite:///var/app.sqlite3"
    for line in (project / ".env").read_text().splitlines():
        if line.startswith("DATABASE_URL="):
            url = line.partition("=")[2].strip()
    path = url.removeprefix("sqlite:///")
    if url.startswith("sqlite:///") and not path.startswith("/"):
        return f"sqlite:///{project / path}"
    return url


def loopback_postgres(url: str) -> str:
    """The KEEL_BENCH_POSTGRES_URL, refused unless it points at this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or parts.hostname not in (
        "127.0.0.1",
        "localhost",
    ):
        raise SystemExit(f"{POSTGRES_ENV} must be a postgresql://...@127.0.0.1:PORT/DB URL")
    return url


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


_PG_ADMIN = """
import os, psycopg
from psycopg import sql
name = sql.Identifier(os.environ["BENCH_DATABASE"])
with psycopg.connect(os.environ["BENCH_ADMIN_URL"], autocommit=True, connect_timeout=10) as c:
    if os.environ["BENCH_ACTION"] == "create":
        c.execute(sql.SQL("CREATE DATABASE {}").format(name))
    else:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
"""


@contextlib.contextmanager
def scratch_database(python: Path, admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run (psycopg from the project's venv)."""
    name = f"keel_bench_{os.getpid()}_{secrets.token_hex(3)}"
    env = {**os.environ, "BENCH_ADMIN_URL": admin_url, "BENCH_DATABASE": name}

    def admin(action: str) -> None:
        _render.run_quiet(
            [str(python), "-c", _PG_ADMIN], env={**env, "BENCH_ACTION": action}, timeout=60
        )

    admin("create")
    try:
        yield with_database(admin_url, name)
    finally:
        admin("drop")


def create_user(service: Service) -> str:
    """One normal (non-admin) user, through `flask users create`; its password."""
    password = secrets.token_urlsafe(18)
    service.flask("users", "create", "--email", EMAIL, stdin=password + "\n")
    return password


# --- servers --------------------------------------------------------------------------


def start_keel(service: Service, tmp: Path) -> _servers.Server:
    """`make serve` with the pinned uv; loaded on the port its granian command names.

    When `make serve` puts a proxy in front of granian (nginx), the bench loads granian's
    own port: the plain app has no proxy either, and the ratio is about the app.
    """
    port = _servers.option(_servers.serve_command(service.root / "Makefile"), "--port")
    if port is None:
        raise SystemExit("the project's `make serve` names no --port")
    argv = ["make", "--no-print-directory", "serve", f"UV={_render.uv_executable()}"]
    return _servers.start("keel", argv, service.root, service.env, int(port), tmp / "keel.log")


def start_plain(service: Service, tmp: Path, owner_id: int) -> _servers.Server:
    """The floor app, copied into `tmp/plain`, under `make serve`'s granian options."""
    folder = tmp / "plain"
    folder.mkdir()
    (folder / "plain_app.py").write_text((HERE / "_plain_app.py").read_text())
    serve = _servers.serve_command(service.root / "Makefile")
    port = _servers.free_port()
    granian = service.root / ".venv" / "bin" / "granian"
    argv = _servers.plain_command(serve, granian, "plain_app:app", port)
    return _servers.start(
        "plain", argv, folder, plain_env(service, owner_id), port, tmp / "plain.log"
    )


def plain_env(service: Service, owner_id: int) -> dict[str, str]:
    """The plain app's database, and whose rows its list answers (it has no auth)."""
    return _render.project_env(
        {"PLAIN_DATABASE_URL": service.database_url, "PLAIN_OWNER_ID": str(owner_id)}
    )


def owner_of(port: int, token: _api.Token, project_id: int) -> int:
    client = _api.Client(port)
    try:
        item = client.expect(200, "GET", f"/api/v1/projects/{project_id}", token=token)
    finally:
        client.close()
    return int(item["owner_id"])


class TokenKeeper:
    """An access token for the bench user, replaced before it could expire mid-run."""

    def __init__(self, port: int, password: str) -> None:
        self.port, self.password = port, password
        self.token: _api.Token | None = None

    def current(self, needed_seconds: float = 0.0) -> _api.Token:
        if self.token is None or self.token.expires_at - time.monotonic() < needed_seconds + 60:
            client = _api.Client(self.port)
            try:
                self.token = _api.login(client, EMAIL, self.password)
            finally:
                client.close()
        return self.token


def seed(port: int, token: _api.Token) -> list[int]:
    client = _api.Client(port)
    try:
        return _api.seed_projects(client, token, SEED_ROWS)
    finally:
        client.close()


def check_json(ports: dict[str, int], token: _api.Token, project_id: int) -> str:
    """Do both apps answer the same JSON? (The floor must do the same work to be one.)"""
    answers = {}
    for app, port in ports.items():
        client = _api.Client(port)
        try:
            item = client.expect(200, "GET", f"/api/v1/projects/{project_id}", token=token)
            page = client.expect(200, "GET", LIST_PATH, token=token)
        finally:
            client.close()
        answers[app] = (item, page)
    (k_item, k_page), (p_item, p_page) = answers["keel"], answers["plain"]
    if k_item != p_item:
        differ = sorted(k for k in set(k_item) | set(p_item) if k_item.get(k) != p_item.get(k))
        return f"WARNING: the plain app's item JSON differs from Keel's in {differ}"
    if k_page != p_page:
        return "WARNING: the plain app's list differs from Keel's (fields, order, length or meta)"
    return (
        f"JSON check: item and list identical in both apps (the list: {len(k_page['items'])} "
        "items of the user's, newest first, and meta)"
    )


def count_statements(
    python: Path,
    cwd: Path,
    reference: str,
    database_env: str,
    env: dict[str, str],
    ids: list[int],
    token: str,
) -> dict[str, Any]:
    """Run `_count_statements.py` in the project's venv: statements per item and list."""
    step = max(1, len(ids) // COUNTED_ITEMS)
    items = ",".join(f"/api/v1/projects/{i}" for i in ids[::step][:COUNTED_ITEMS])
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = [str(python), str(HERE / "_count_statements.py"), reference, database_env]
        _render.run_quiet(
            [*argv, items, LIST_PATH, out.name], cwd=cwd, env=env, stdin=token + "\n", timeout=300
        )
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
    return result


def count_both(
    service: Service, plain_folder: Path, ids: list[int], token: _api.Token, owner_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Statements per request of Keel (with the token) and of the plain app (without)."""
    keel = count_statements(
        service.python,
        service.root,
        f"{service.package}.wsgi:app",
        "DATABASE_URL",
        service.env,
        ids,
        token.value,
    )
    plain = count_statements(
        service.python,
        plain_folder,
        "plain_app:app",
        "PLAIN_DATABASE_URL",
        plain_env(service, owner_id),
        ids,
        "",
    )
    return keel, plain


# --- load -----------------------------------------------------------------------------


def routes(token: _api.Token, ids: list[int]) -> dict[str, Route]:
    """The three routes; both apps get the same requests (the plain app ignores the token)."""
    bearer = (("Authorization", f"Bearer {token.value}"),)
    return {
        "item": Route("item", tuple(f"/api/v1/projects/{i}" for i in ids), bearer),
        "list": Route("list", (LIST_PATH,), bearer),
        "live": Route("live", (LIVE_PATH,)),
    }


def run_rounds(
    figures: PresetFigures,
    load: LoadGenerator,
    ports: dict[str, int],
    tokens: TokenKeeper,
    ids: list[int],
    options: Options,
) -> None:
    """Interleaved rounds: per route and connection count, Keel's run then the plain app's."""
    run_seconds = options.warmup + options.duration
    for number in range(1, options.rounds + 1):
        # Other work on the machine moves the figures: say how busy it was.
        say(f"  round {number}/{options.rounds}: load average {os.getloadavg()[0]:.2f}")
        for route in ROUTES:
            for connections in CONNECTIONS:
                for app in APPS:
                    spec = routes(tokens.current(run_seconds), ids)[route]
                    if options.warmup:
                        load.run(ports[app], spec, connections, options.warmup)
                    result = load.run(ports[app], spec, connections, options.duration)
                    figures.add((app, route, connections), result)
                    print(
                        f"  round {number}/{options.rounds} {route:<5} c{connections:<3}"
                        f" {app:<6} {result.rps:>9,.0f} req/s  p50 {result.p50_ms:6.2f} ms"
                        f"  p99 {result.p99_ms:7.2f} ms  non-2xx {result.non_2xx}"
                        f"  errors {result.errors}",
                        flush=True,
                    )


def worker_rss(server: _servers.Server) -> list[float]:
    values = (_servers.rss_mib(pid) for pid in _servers.worker_pids(server))
    return [v for v in values if v is not None]


# --- one preset -----------------------------------------------------------------------


def bench_preset(preset: str, options: Options, load: LoadGenerator) -> PresetFigures:
    """Everything for one preset, in a temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"keel-bench-{preset}-") as folder:
        tmp = Path(folder)
        project = tmp / "service"
        say(f"[{preset}] rendering presets/{preset}.yml and installing it (uv sync)")
        package = _render.render(preset, project, options.ref)
        _render.install(project)
        with contextlib.ExitStack() as stack:
            if preset == "full":
                admin_url = loopback_postgres(os.environ[POSTGRES_ENV])
                scratch = scratch_database(venv_python(project), admin_url)
                database_url = stack.enter_context(scratch)
            else:
                database_url = sqlite_url(project)
            env = production_env(database_url)
            service = Service(preset, project, package, database_url, env)
            if options.long:
                return measure_memory(service, tmp, options, load, stack)
            return measure_service(service, tmp, options, load, stack)


def measure_service(
    service: Service,
    tmp: Path,
    options: Options,
    load: LoadGenerator,
    stack: contextlib.ExitStack,
) -> PresetFigures:
    preset = service.preset
    say(f"[{preset}] flask db upgrade; flask users create (a normal user)")
    service.flask("db", "upgrade")
    password = create_user(service)
    keel = _servers.start_and_wait(stack, lambda: start_keel(service, tmp))
    tokens = TokenKeeper(keel.port, password)
    say(f"[{preset}] `make serve` answers on 127.0.0.1:{keel.port}; seeding {SEED_ROWS} projects")
    started = time.monotonic()
    ids = seed(keel.port, tokens.current())
    say(f"[{preset}] seeded {len(ids)} projects in {time.monotonic() - started:.1f} s")
    owner_id = owner_of(keel.port, tokens.current(), ids[0])
    plain = _servers.start_and_wait(stack, lambda: start_plain(service, tmp, owner_id))
    ports = {"keel": keel.port, "plain": plain.port}
    say(f"[{preset}] plain app on 127.0.0.1:{plain.port}: {shlex.join(plain.argv)}")
    say(f"[{preset}] {check_json(ports, tokens.current(), ids[0])}")
    figures = PresetFigures(preset)
    figures.statements, figures.plain_statements = count_both(
        service, tmp / "plain", ids, tokens.current(), owner_id
    )
    say(f"[{preset}] load: {options.rounds} round(s); {load.describe()}")
    run_rounds(figures, load, ports, tokens, ids, options)
    figures.rss_mib = {"keel": worker_rss(keel), "plain": worker_rss(plain)}
    return figures


def measure_memory(
    service: Service,
    tmp: Path,
    options: Options,
    load: LoadGenerator,
    stack: contextlib.ExitStack,
) -> PresetFigures:
    """Keel alone under -c8 for `options.long` seconds; each worker's RSS after each segment.

    Segments alternate the authenticated item and list routes (what grew in the reported
    runs). The first sample is taken after one segment of load, when the caches a first
    request fills (imports, SQLAlchemy's compiled statements, the pool) are full: the
    growth asked about is the drift from there to the end.
    """
    preset = service.preset
    service.flask("db", "upgrade")
    password = create_user(service)
    keel = _servers.start_and_wait(stack, lambda: start_keel(service, tmp))
    tokens = TokenKeeper(keel.port, password)
    figures = PresetFigures(preset)
    figures.memory.append((0.0, os.getloadavg()[0], worker_rss(keel), 0.0))
    say(f"[{preset}] fresh workers, RSS MiB: {_mib(worker_rss(keel))}; seeding {SEED_ROWS}")
    ids = seed(keel.port, tokens.current())
    say(f"[{preset}] memory run: {options.long} s at -c{LONG_CONNECTIONS}, {load.describe()}")
    started = time.monotonic()
    number = 0
    while time.monotonic() - started < options.long:
        route = ("item", "list")[number % 2]
        spec = routes(tokens.current(LONG_SEGMENT), ids)[route]
        result = load.run(keel.port, spec, LONG_CONNECTIONS, LONG_SEGMENT)
        number += 1
        rss = worker_rss(keel)
        elapsed = time.monotonic() - started
        figures.memory.append((elapsed, os.getloadavg()[0], rss, result.rps))
        say(
            f"  {elapsed:5.0f} s  {route:<4} {result.rps:7,.0f} req/s  non-2xx {result.non_2xx}"
            f"  errors {result.errors}  load {os.getloadavg()[0]:.2f}  RSS MiB {_mib(rss)}"
        )
    figures.rss_mib = {"keel": worker_rss(keel)}
    return figures


def _mib(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values) or "none found"


def say(line: str) -> None:
    print(line, flush=True)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    """Ctrl-C or SIGTERM: unwind once, so the finally blocks stop servers and clean up.

    Further signals are ignored from then on: `uv run` forwards the terminal's SIGINT,
    so a second one arrives at once and would otherwise cut the cleanup short.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    started = time.monotonic()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    presets = list(options.presets)
    with tempfile.TemporaryDirectory(prefix="keel-bench-load-") as scratch:
        load = LoadGenerator(Path(scratch))
        if load.wrk is None:
            say(NO_WRK)
        vcs_ref, rendered = resolve_ref(options.ref)
        options = replace(options, ref=vcs_ref)
        say(f"Keel throughput bench: rendering {rendered}")
        runs = (
            f"a memory run of {options.long} s at -c{LONG_CONNECTIONS}"
            if options.long
            else f"{options.rounds} round(s) of {options.duration} s runs after "
            f"{options.warmup} s of warm-up; connections {', '.join(map(str, CONNECTIONS))}"
        )
        say(
            f"presets {', '.join(presets)}; {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.2f}; {runs}"
        )
        if "full" not in presets and not os.environ.get(POSTGRES_ENV):
            say(f"({POSTGRES_ENV} is not set: the full preset on PostgreSQL is skipped)")
        done: dict[str, PresetFigures] = {}
        failed = False
        for preset in presets:
            try:
                done[preset] = bench_preset(preset, options, load)
            except (Exception, SystemExit) as error:
                say(f"[{preset}] FAILED: {error}")
                failed = True
                continue
            lines = (
                memory_report(done[preset])
                if options.long
                else report(done[preset], options.rounds)
            )
            for line in lines:
                say(line)
        say(
            f"load average at the end: {os.getloadavg()[0]:.2f}; "
            f"the bench took {time.monotonic() - started:.0f} s"
        )
        if options.long:
            for preset in presets:
                if preset in done:
                    say(done[preset].memory_summary())
            return 1 if failed else 0
        for preset in reversed(presets):
            if preset in done and preset != "standard":
                say(done[preset].summary(f"throughput[{preset}]"))
        first = done.get("standard") or next(iter(done.values()), None)
        if first is not None:
            say(first.summary() + "; " + goals_line(done))
    return 1 if failed or not done else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("interrupted: servers stopped, temporary folders removed", file=sys.stderr)
        sys.exit(130)
