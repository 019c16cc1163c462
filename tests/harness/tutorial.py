"""Run a docs page's shell blocks, in order, the way a reader would type them.

Every ```sh block of a tutorial page carries a marker on the line above it:

- `<!-- test: run -->`: run by the page's test;
- `<!-- test: needs docker -->`: run only where a Docker daemon answers (else the test
  that asks for them is skipped, saying so);
- `<!-- test: not run: REASON -->`: shown, never run, for the reason given.

A block with no marker fails `unmarked_blocks`, so a step cannot silently go untested.
The blocks of one page run as one bash script (`set -euo pipefail`, state carries from
block to block, as in one terminal), in its own process group that is killed afterwards,
so the servers a page starts in the background never outlive the test. `export NAME=...`
lines whose NAME the test provides are left out: the harness's servers replace the
page's example hosts.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.commands import Result

_BLOCK = re.compile(r"^```(?:sh|bash)\n(.*?)^```", re.DOTALL | re.MULTILINE)
_MARK = re.compile(r"<!-- test: (run|needs docker|not run: [^>]+?) -->\s*\n$")
_EXPORT = re.compile(r"^export ((?:[A-Z_][A-Z0-9_]*=\S+\s*)+)(#.*)?$")


@dataclass(frozen=True)
class Step:
    """One shell block: its marker, its text, and where it starts in the page."""

    kind: str
    code: str
    line: int


def steps(page: Path) -> list[Step]:
    """Every shell block of `page`, with its marker ("" when it has none)."""
    text = page.read_text(encoding="utf-8")
    found = []
    for block in _BLOCK.finditer(text):
        before = text[: block.start()]
        mark = _MARK.search(before[-200:])
        kind = mark.group(1) if mark else ""
        found.append(Step(kind, block.group(1), before.count("\n") + 1))
    return found


def unmarked_blocks(page: Path) -> list[int]:
    """Lines of the shell blocks of `page` that say neither run nor not run."""
    return [step.line for step in steps(page) if not step.kind]


def docker_available() -> bool:
    """Whether a Docker daemon answers `docker info` (and Compose is installed)."""
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False)
        compose = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return info.returncode == 0 and compose.returncode == 0


def _without_provided_exports(code: str, provided: Mapping[str, str]) -> str:
    """The block with `export NAME=value` assignments the harness provides dropped."""
    lines = []
    for line in code.splitlines():
        match = _EXPORT.match(line.strip())
        if match:
            pairs = [word for word in shlex.split(match.group(1)) if "=" in word]
            kept = [pair for pair in pairs if pair.split("=", 1)[0] not in provided]
            line = f"export {' '.join(shlex.quote(pair) for pair in kept)}" if kept else ":"
        lines.append(line)
    return "\n".join(lines)


def script(page: Path, kinds: set[str], provided: Mapping[str, str]) -> str:
    """The page's blocks of `kinds`, in order, as one bash script naming each step."""
    parts = ["set -euo pipefail"]
    for number, step in enumerate(steps(page), start=1):
        if step.kind not in kinds:
            continue
        parts.append(f'echo "=== step {number} ({page.name}, line {step.line}) $(date +%T)"')
        parts.append(_without_provided_exports(step.code, provided))
    return "\n".join(parts) + "\n"


def run_page(
    page: Path,
    cwd: Path,
    env: Mapping[str, str],
    *,
    kinds: frozenset[str] = frozenset({"run"}),
    provided: Mapping[str, str] | None = None,
    timeout: float = 900.0,
) -> Result:
    """Run the page's blocks of `kinds` in `cwd`; everything it started is killed after."""
    text = script(page, set(kinds), provided or {})
    started = time.monotonic()
    proc = subprocess.Popen(
        ["bash", "-c", text],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        output, code = f"[timed out after {timeout:.0f} s]", -1
    finally:
        _kill_group(proc)
    return Result(("bash", str(page)), cwd, code, output, time.monotonic() - started)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGTERM to the page's process group, then SIGKILL to what is left after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
    if proc.poll() is None:
        proc.wait(timeout=5)
