"""Run a tool inside a generated project, and fail with its output when it fails.

Generated projects are driven exactly as their README tells a developer to: `uv sync`,
then `uv run <tool>`. Every command has a timeout, and a failure message carries the
command, its exit code and the tail of its output, so a red test says what broke without
rerunning anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.template import REPO_ROOT

#: Variables a test process inherits that would leak into the generated project's tools:
#: the template repo's own virtualenv (uv would warn and ignore it, or worse, use it) and
#: pytest-xdist's worker markers (a generated conftest may shard databases on them), and
#: PYTHONDONTWRITEBYTECODE, which some images set: with it every one of the hundreds of
#: Python processes the tests start in a project compiles each module it imports from
#: source again (about 6 s for a project's pytest, 1.5 s for a `flask` command, here).
_LEAKY_PREFIXES = ("PYTEST_", "COV_CORE_")
_LEAKY_NAMES = frozenset(
    {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_RUN_RECURSION_DEPTH", "PYTHONDONTWRITEBYTECODE"}
)

#: Lines of output kept in a failure message (the end is where the error is).
_TAIL_LINES = 300


@dataclass(frozen=True)
class Result:
    """What a finished command did."""

    argv: tuple[str, ...]
    cwd: Path
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def command(self) -> str:
        """The command as a person would type it (`uv run ruff check .`)."""
        return " ".join([Path(self.argv[0]).name, *self.argv[1:]])

    @property
    def closing_line(self) -> str:
        """The last non-blank line of output (a test runner's "N passed in T s")."""
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        return lines[-1].strip("= ") if lines else "(no output)"

    def describe(self) -> str:
        """A failure message: the command, where, how it ended, and its last lines."""
        lines = self.output.rstrip().splitlines()
        shown = lines[-_TAIL_LINES:]
        if len(shown) < len(lines):
            shown.insert(0, f"[... {len(lines) - len(shown)} earlier lines cut ...]")
        header = [
            f"$ {self.command}",
            f"  (in {self.cwd}; exit {self.returncode} after {self.seconds:.1f} s)",
        ]
        return "\n".join(header + shown)


def uv_executable() -> str:
    """The uv that runs this suite (.venv/bin/uv under `make test`), so generated projects
    are installed by the same pinned version."""
    found = shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is not on PATH: run the suite with `make test` (it installs uv).")
    return found


def project_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a generated project's tools.

    One uv cache is shared by every generated project and by `make demo` (UV_CACHE_DIR,
    set by the Makefile; the repo's .cache/uv otherwise), and uv is told to use the
    machine's python3 and never download an interpreter. The project's pytest keeps its
    temporary folders under this test worker's own root (`_pytest_temproot`).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _LEAKY_NAMES and not key.startswith(_LEAKY_PREFIXES)
    }
    env["PYTEST_DEBUG_TEMPROOT"] = _pytest_temproot()
    env.setdefault("UV_CACHE_DIR", str(REPO_ROOT / ".cache" / "uv"))
    env.setdefault("UV_PYTHON", "python3")
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["UV_NO_PROGRESS"] = "1"
    env.update(extra or {})
    return env


def _pytest_temproot() -> str:
    """Where a generated project's pytest keeps its temporary folders: a root of this test
    worker's own (`PYTEST_DEBUG_TEMPROOT`). In the shared /tmp/pytest-of-<user>, two
    suites that end at once race on each other's cleanup of old folders (a suite that had
    passed exited 1 on `OSError: [Errno 39] Directory not empty:
    '/tmp/pytest-of-root/garbage-...'`); one worker runs one suite at a time."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    root = Path(tempfile.gettempdir()) / f"keel-tests-{worker}"
    root.mkdir(exist_ok=True)
    return str(root)


def run(
    argv: Sequence[str],
    cwd: Path,
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> Result:
    """Run `argv` in `cwd` with stdout and stderr merged; a timeout is a failed Result."""
    started = time.monotonic()
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else project_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        partial = (
            exc.output
            if isinstance(exc.output, str)
            else (exc.output or b"").decode(errors="replace")
        )
        return Result(
            tuple(argv), cwd, -1, f"{partial}\n[timed out after {timeout:.0f} s]", timeout
        )
    return Result(tuple(argv), cwd, proc.returncode, proc.stdout, time.monotonic() - started)


def expect_ok(result: Result) -> None:
    """Fail the calling test unless the command succeeded.

    The output goes to the test's captured stdout (shown under the failure), and the
    failure itself is one line, so pytest's short summary stays readable.
    """
    if not result.ok:
        print(result.describe())
        pytest.fail(
            f"`{result.command}` exited {result.returncode} (output under 'Captured stdout call')",
            pytrace=False,
        )
