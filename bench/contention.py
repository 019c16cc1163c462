"""Concurrent writers on the default database (SQLite) under the default server command.

Renders the standard preset (the working tree by default), installs it, migrates,
creates one user per writer with `flask users create`, serves it with its own
`make serve` (granian, 2 workers, 1 blocking thread) in production mode, and runs two
scenarios with 2 and with 8 writers, 10 s each:

- refresh: each writer rotates its own refresh token (`POST /api/v1/auth/refresh`)
  as fast as it can;
- patch: each writer changes its own project (`PATCH /api/v1/projects/<id>` with the
  ETag it last read in If-Match).

It prints, per run, the requests, the throughput and the statuses (2xx, 4xx, 503,
other 5xx). Every write must succeed: a 5xx is what this bench exists to catch, and
the run exits 1 when there is one. Nothing asserts a timing. Only 127.0.0.1 is
contacted; the server is stopped and the temporary folder removed on any exit.

    .venv/bin/uv run --no-sync python bench/contention.py [--duration 10] [--writers 2,8]
    .venv/bin/uv run --no-sync python bench/contention.py --ref <commit>   # before a fix
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _api
import _render
import _servers
from throughput import Service, _interrupt, production_env, resolve_ref, say, sqlite_url

REFRESH = "/api/v1/auth/refresh"
#: Logins happen once per writer, all from 127.0.0.1: the bench's own server may allow
#: more of them than the production default (5 a minute per address).
BENCH_LOGIN_LIMIT = "1000/minute"


@dataclass
class Run:
    scenario: str
    writers: int
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < high)

    @property
    def server_errors(self) -> int:
        return self.count(500, 600)

    def line(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        other = self.server_errors - self.statuses[503]
        return (
            f"{self.scenario:<8} {self.writers:>7} {self.requests:>9} {rate:>9.1f} "
            f"{self.count(200, 300):>7} {self.count(400, 500):>5} {self.statuses[503]:>5} "
            f"{other:>9} {sum(self.errors.values()):>7}"
        )


HEADER = (
    f"{'scenario':<8} {'writers':>7} {'requests':>9} {'req/s':>9} "
    f"{'2xx':>7} {'4xx':>5} {'503':>5} {'other 5xx':>9} {'no answer':>7}"
)


@dataclass
class Writer:
    """One client: its own connection, user, tokens and project."""

    port: int
    email: str
    password: str
    client: _api.Client = field(init=False)
    access: str = ""
    refresh: str = ""
    project: int = 0
    etag: str = ""

    def __post_init__(self) -> None:
        self.client = _api.Client(self.port)

    def login(self) -> None:
        data = self.client.expect(
            200, "POST", _api.LOGIN, {"email": self.email, "password": self.password}
        )
        self.access, self.refresh = data["access_token"], data["refresh_token"]

    def token(self) -> _api.Token:
        return _api.Token(self.access, time.monotonic() + 600)

    def create_project(self) -> None:
        data = self.client.expect(201, "POST", _api.PROJECTS, _api.project_body(0), self.token())
        self.project = int(data["id"])
        self.read_etag()

    def read_etag(self) -> None:
        connection = self.client.connection
        connection.request(
            "GET",
            f"{_api.PROJECTS}{self.project}",
            headers={"Authorization": f"Bearer {self.access}"},
        )
        response = connection.getresponse()
        response.read()
        self.etag = response.getheader("ETag") or "*"

    def refresh_once(self) -> int:
        status, data = self.client.call("POST", REFRESH, {"refresh_token": self.refresh})
        if status == 200:
            self.access, self.refresh = data["access_token"], data["refresh_token"]
        elif status == 401:
            self.login()  # the family was revoked: start a new one and go on
        return status

    def patch_once(self, n: int) -> int:
        connection = self.client.connection
        body = f'{{"name": "Renamed {n}"}}'.encode()
        connection.request(
            "PATCH",
            f"{_api.PROJECTS}{self.project}",
            body=body,
            headers={
                "Authorization": f"Bearer {self.access}",
                "Content-Type": "application/json",
                "If-Match": self.etag,
            },
        )
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            self.etag = response.getheader("ETag") or self.etag
        elif response.status == 412:
            self.read_etag()
        return response.status


def run(scenario: str, writers: list[Writer], seconds: float) -> Run:
    result = Run(scenario, len(writers), seconds)
    lock = threading.Lock()
    start = threading.Barrier(len(writers))

    def work(writer: Writer) -> None:
        start.wait(timeout=60)
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                status = writer.refresh_once() if scenario == "refresh" else writer.patch_once(n)
            except (OSError, _api.ApiError, ValueError) as error:
                with lock:
                    result.errors[type(error).__name__] += 1
                writer.client.close()
                writer.client = _api.Client(writer.port)
                continue
            with lock:
                result.statuses[status] += 1

    threads = [threading.Thread(target=work, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return result


def start_server(service: Service, tmp: Path) -> _servers.Server:
    """The granian command of the project's `make serve`, every option kept but the port
    (a free one: 5000 may be taken by a `make demo`); migrations already ran."""
    serve = _servers.serve_command(service.root / "Makefile")
    granian = service.root / ".venv" / "bin" / "granian"
    port = _servers.free_port()
    app = next(arg for arg in reversed(serve) if arg.endswith(":app"))
    argv = _servers.plain_command(serve, granian, app, port)
    return _servers.start("keel", argv, service.root, service.env, port, tmp / "keel.log")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default=_render.WORKING_TREE, help="commit to render")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--writers", default="2,8", help="comma-separated writer counts")
    options = parser.parse_args(argv)
    options.writers = [int(n) for n in options.writers.split(",")]
    if options.duration <= 0 or min(options.writers) < 1:
        parser.error("--duration must be positive and every writer count at least 1")
    return options


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    vcs_ref, rendered = resolve_ref(options.ref)
    most = max(options.writers)
    with tempfile.TemporaryDirectory(prefix="keel-bench-contention-") as folder:
        tmp = Path(folder)
        project = tmp / "service"
        say(f"SQLite contention bench: rendering {rendered} (standard preset)")
        package = _render.render("standard", project, vcs_ref)
        _render.install(project)
        database_url = sqlite_url(project)
        env = {**production_env(database_url), "RATELIMIT_LOGIN": BENCH_LOGIN_LIMIT}
        service = Service("standard", project, package, database_url, env)
        service.flask("db", "upgrade")
        password = "contention-bench-password-1"  # noqa: S105 - a throwaway local user
        emails = [f"writer-{i}@example.com" for i in range(most)]
        say(f"flask users create: {most} users")
        for email in emails:
            service.flask("users", "create", "--email", email, stdin=password + "\n")
        with contextlib.ExitStack() as stack:
            keel = _servers.start_and_wait(stack, lambda: start_server(service, tmp))
            say(f"served with `make serve`'s command, on a free port: {' '.join(keel.argv)}")
            results = []
            for scenario in ("refresh", "patch"):
                for count in options.writers:
                    writers = [Writer(keel.port, email, password) for email in emails[:count]]
                    for writer in writers:
                        writer.login()
                        if scenario == "patch":
                            writer.create_project()
                    results.append(run(scenario, writers, options.duration))
                    for writer in writers:
                        writer.client.close()
            say("")
            say(HEADER)
            for result in results:
                say(result.line())
            failures = sum(r.server_errors + sum(r.errors.values()) for r in results)
            say("")
            say(f"5xx or unanswered requests in all runs: {failures}")
            if failures:
                for line in keel.log_tail(5).splitlines():
                    say(line[:300])
            return 1 if failures else 0


def _entry() -> Any:
    try:
        return main(sys.argv[1:])
    except KeyboardInterrupt:
        print("interrupted: server stopped, temporary folder removed", file=sys.stderr)  # noqa: T201
        return 130


if __name__ == "__main__":
    sys.exit(_entry())
