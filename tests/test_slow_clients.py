"""Slow clients cannot starve the production serving path, and SIGTERM drains it.

granian has no timeout on reading a request body (emmett-framework/granian#728, closed as
wontfix): a request that announces `Content-Length: 100`, sends 4 bytes and stops holds
one of granian's blocking threads until the client goes away. With `make serve` as it was
(granian alone, 2 workers of 1 thread) two such connections took `/health/live` down, and
SIGTERM never finished. The generated project now serves as production does: nginx in
front (deploy/nginx/), reading each request whole with timeouts before granian sees it.

Here the standard preset's `make serve` runs with `APP_ENV=production` on ports of its
own on 127.0.0.1: 16 stalled bodies and 16 stalled headers held open, `/health/live`
answers every try; SIGTERM during a 3 s request gives that request its 200 and the
whole process group exits. Every wait is bounded; nothing asserts a duration.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness.browser import free_port
from harness.commands import expect_ok
from harness.project import GeneratedProject, RenderFn
from harness.services import REDIS, located
from harness.template import commit_all, load_preset

pytestmark = pytest.mark.xdist_group("slow-clients")

#: Set (by CI) to fail instead of skipping where nginx is not installed.
REQUIRE_NGINX = "KEEL_REQUIRE_NGINX"
#: First start: `make serve` migrates, then nginx and granian's 2 workers come up.
_START_TIMEOUT = 180.0
#: The issue's bound: SIGTERM to exit, the request in flight finished first.
_EXIT_TIMEOUT = 30.0
#: nginx's client timeouts are 10 s; a stalled connection must be closed well within this.
_CLOSE_TIMEOUT = 30.0
_STALLED = 16
_TRIES = 10
_TRY_TIMEOUT = 2.0

#: A 3 s request for the SIGTERM test, added to the rendered copy only (WSGI_MIDDLEWARE).
_SLOW_ROUTE = '''"""Test-only: GET /slow-test touches a marker file, sleeps 3 s, answers 200."""

import os
import time


def slow(app, settings):
    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") != "/slow-test":
            return app(environ, start_response)
        with open(os.environ["SLOW_TEST_MARKER"], "w"):
            pass
        time.sleep(3)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"slow done"]

    return wrapped
'''

_STALLED_BODY = (
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    b'{"em'
)
_STALLED_HEADERS = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stalled: 1\r\n"


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        message = "nginx is not installed (make serve runs it in front of granian)"
        if os.environ.get(REQUIRE_NGINX, "") not in ("", "0"):
            pytest.fail(f"{REQUIRE_NGINX} is set but {message}", pytrace=False)
        pytest.skip(f"{message}; apt-get install nginx-light, or set {REQUIRE_NGINX}=1 to fail")
    return found


@pytest.fixture(scope="module")
def project(render_variant: RenderFn) -> GeneratedProject:
    rendered = render_variant("slow-clients", load_preset("standard"))
    package = rendered.answers["package_name"]
    (rendered.path / "src" / package / "slow_test_route.py").write_text(_SLOW_ROUTE)
    commit_all(rendered.path, "Start from Keel")
    expect_ok(rendered.sync())
    return rendered


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    marker: Path
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def served(project: GeneratedProject, tmp_path: Path) -> Iterator[Served]:
    """`make serve` with production settings, in a session of its own (killed at the end)."""
    nginx = _nginx()
    redis = located(REDIS)
    if redis.url is None:
        pytest.skip(redis.skip_message)
    package = project.answers["package_name"]
    port, app_port = free_port(), free_port()
    marker = tmp_path / "slow-request-started"
    env = project.env(
        {
            "APP_ENV": "production",
            # Production refuses in-memory rate limits (keel.E104).
            "RATELIMIT_STORAGE_URL": urlsplit(redis.url)._replace(path="/8").geturl(),
            "WSGI_MIDDLEWARE": json.dumps(
                [f"{package}.kernel.wsgi_middleware.proxy_fix", f"{package}.slow_test_route:slow"]
            ),
            "SLOW_TEST_MARKER": str(marker),
        }
    )
    argv = ["make", "serve", f"SERVE_PORT={port}", f"SERVE_APP_PORT={app_port}", f"NGINX={nginx}"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            cwd=project.path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Served(process, port, marker, log)
    try:
        _wait_until_live(server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _live(port: int) -> bool:
    """Whether one fresh connection gets `/health/live` 200 within the try's timeout."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=_TRY_TIMEOUT)
    try:
        connection.request("GET", "/health/live")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _wait_until_live(server: Served) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"make serve exited {server.process.returncode}:\n{server.tail()}")
        if _live(server.port):
            return
        time.sleep(0.5)
    pytest.fail(f"make serve did not answer in {_START_TIMEOUT:.0f} s:\n{server.tail()}")


def _stalled(port: int, payload: bytes, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(payload)
        sockets.append(sock)
    return sockets


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Whether the server ends the connection (EOF, a reset, or an answer and EOF)."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        sock.settimeout(remaining)
        try:
            if not sock.recv(4096):
                return True
        except TimeoutError:
            return False
        except OSError:
            return True


@pytest.mark.generated
def test_stalled_clients_do_not_starve_health_live(served: Served) -> None:
    held = _stalled(served.port, _STALLED_BODY, _STALLED) + _stalled(
        served.port, _STALLED_HEADERS, _STALLED
    )
    try:
        answered = sum(_live(served.port) for _ in range(_TRIES))
        assert answered == _TRIES, (
            f"/health/live answered {answered} of {_TRIES} tries with {_STALLED} stalled "
            f"bodies and {_STALLED} stalled headers open:\n{served.tail()}"
        )
        deadline = time.monotonic() + _CLOSE_TIMEOUT
        kept = sum(not _closed_by_server(sock, deadline) for sock in held)
        assert kept == 0, f"{kept} stalled connections still open after {_CLOSE_TIMEOUT:.0f} s"
    finally:
        for sock in held:
            sock.close()


@pytest.mark.generated
def test_sigterm_finishes_the_request_in_flight_then_exits(served: Served) -> None:
    held = _stalled(served.port, _STALLED_BODY, _STALLED)
    answer: dict[str, object] = {}

    def in_flight() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=_EXIT_TIMEOUT)
        try:
            connection.request("GET", "/slow-test")
            response = connection.getresponse()
            answer["status"], answer["body"] = response.status, response.read()
        except OSError as exc:
            answer["error"] = repr(exc)
        finally:
            connection.close()

    client = threading.Thread(target=in_flight, daemon=True)
    try:
        client.start()
        deadline = time.monotonic() + 10
        while not served.marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert served.marker.exists(), f"the slow request never reached the app:\n{served.tail()}"
        served.process.send_signal(signal.SIGTERM)
        try:
            code = served.process.wait(timeout=_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"make serve still runs {_EXIT_TIMEOUT:.0f} s after SIGTERM:\n{served.tail()}"
            )
        client.join(timeout=5)
        assert answer == {"status": 200, "body": b"slow done"}, served.tail()
        # GNU make passes SIGTERM on to the recipe, waits for it, then dies of the signal.
        assert code in (0, -signal.SIGTERM), f"make serve exited {code}:\n{served.tail()}"
        left = _group_members(served.process.pid)
        assert not left, f"still running after make serve exited: {left}"
        assert not _accepts(served.port), "the proxy port still accepts connections"
    finally:
        for sock in held:
            sock.close()


def _group_members(pgid: int) -> list[str]:
    """Processes still in the server's process group (nginx, granian's workers...)."""
    found = subprocess.run(
        ["ps", "-o", "pid=,args=", "-g", str(pgid)], capture_output=True, text=True, check=False
    )
    return [line.strip() for line in found.stdout.splitlines() if line.strip()]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


_FLAGS = re.compile(r"^GRANIAN_FLAGS\s*:=\s*(.+)$", re.MULTILINE)


def test_docker_image_runs_granian_with_the_flags_of_make_serve(render_variant: RenderFn) -> None:
    """The Dockerfile's CMD and `make serve` are one production command (full preset)."""
    full = render_variant("slow-clients-full", load_preset("full"))
    flags = _FLAGS.search((full.path / "Makefile").read_text(encoding="utf-8"))
    assert flags, "the Makefile defines no GRANIAN_FLAGS"
    cmd = next(
        line
        for line in (full.path / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("CMD ")
    )
    argv = json.loads(cmd.removeprefix("CMD "))
    assert argv[0] == "granian"
    options = " ".join(argv[1:]).split(" --host ")[0]
    assert options == flags.group(1).strip(), (
        f"Dockerfile CMD {argv} vs GRANIAN_FLAGS {flags.group(1)}"
    )
    compose = (full.path / "docker-compose.yml").read_text(encoding="utf-8")
    assert "./deploy/nginx/keel.conf.template:/etc/nginx/templates/" in compose
    assert (full.path / "deploy" / "nginx" / "keel.conf.template").is_file()
