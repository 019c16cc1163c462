"""A generated project on a machine with Python, git and make, and no uv.

The generated Makefile uses the uv on PATH, or installs the pinned one into `.tools/`
(git-ignored) on first use. Here uv is taken off PATH (and UV_PYTHON unset, as on a
machine nobody configured): `make install`, `make test` (on one module of the suite,
which test_presets.py runs whole) and `make dev` must work. The uv
cache is the suite's shared one, so the packages come from it, not from the network;
only uv itself is installed from PyPI by pip.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.browser import free_port
from harness.commands import expect_ok, project_env, run
from harness.project import SUITE_TIMEOUT, SYNC_TIMEOUT, GeneratedProject, RenderFn
from harness.template import REPO_ROOT, commit_all, load_preset

pytestmark = pytest.mark.xdist_group("fresh-machine")

_UV_VERSION = re.compile(r"^UV_VERSION\s*:?=\s*(\S+)", re.MULTILINE)
_SERVER_START = 120.0


def _uv_pin(makefile: Path) -> str:
    found = _UV_VERSION.search(makefile.read_text(encoding="utf-8"))
    assert found, f"{makefile} pins no UV_VERSION"
    return found.group(1)


def test_generated_makefile_pins_the_uv_the_template_uses() -> None:
    """The uv a bare machine gets is the one the template's tests drove the projects with."""
    assert _uv_pin(REPO_ROOT / "template" / "Makefile.jinja") == _uv_pin(REPO_ROOT / "Makefile")


def _without_uv(project: GeneratedProject) -> dict[str, str]:
    """The tools' environment with no uv on PATH and nothing telling uv what to use."""
    env = project_env()
    folders = env.get("PATH", "").split(os.pathsep)
    kept = [f for f in folders if not any(Path(f, name).exists() for name in ("uv", "uvx"))]
    env["PATH"] = os.pathsep.join(kept)
    for name in ("UV_PYTHON", "UV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV"):
        env.pop(name, None)
    # The machine's python3 must be the answer's Python (it is on this image: 3.11).
    env["PYTHON"] = project.require_python()
    return env


@pytest.fixture(scope="module")
def bare(render_variant: RenderFn) -> GeneratedProject:
    project = render_variant("fresh-machine", load_preset("minimal"))
    commit_all(project.path, "Start from Keel")
    return project


@pytest.mark.generated
def test_make_installs_uv_then_the_project_and_tests_it(bare: GeneratedProject) -> None:
    env = _without_uv(bare)
    install = run(["make", "install"], bare.path, timeout=SYNC_TIMEOUT, env=env)
    expect_ok(install)
    uv = bare.path / ".tools" / "bin" / "uv"
    assert uv.is_file(), "make install did not bootstrap uv into .tools/"
    version = run([str(uv), "--version"], bare.path, timeout=30, env=env)
    assert _uv_pin(bare.path / "Makefile") in version.output, version.describe()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=bare.path, capture_output=True, text=True, check=True
    )
    assert ".tools" not in status.stdout, "the bootstrapped uv is not git-ignored"
    # One module of the suite: `make test` runs pytest through the bootstrapped uv (the
    # whole suite of this preset is test_presets.py's test_generated_suite[minimal]).
    quick = {**env, "PYTEST_ADDOPTS": "-q tests/test_projects.py"}
    tested = run(["make", "test"], bare.path, timeout=SUITE_TIMEOUT, env=quick)
    expect_ok(tested)
    assert " passed" in tested.output, tested.describe()


@pytest.mark.generated
def test_make_dev_serves_without_uv_on_path(bare: GeneratedProject, tmp_path: Path) -> None:
    env = _without_uv(bare)
    port = free_port()
    env["FLASK_RUN_PORT"] = str(port)
    log = tmp_path / "dev.log"
    with _started(["make", "dev"], bare.path, env, log) as server:
        _wait_for(f"http://127.0.0.1:{port}/health/live", server, log)


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _SERVER_START
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"make dev exited {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"make dev did not answer {url} in {_SERVER_START:.0f} s:\n{log.read_text()}")


@contextmanager
def _started(
    argv: list[str], cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`argv` in a process group of its own, the whole group stopped at the end: make,
    uv, flask's reloader and the server it forks."""
    with log.open("wb") as out:
        server = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield server
        finally:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
