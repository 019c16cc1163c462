"""Find the interpreter each `python_version` answer is installed and tested with.

A generated project is installed by uv with the interpreter of its answer, never one uv
downloads (`UV_PYTHON_DOWNLOADS=never`, `UV_PYTHON=<the interpreter found here>`). The
lookup, for version X.Y:

1. `pythonX.Y`, `python3` and `python` on PATH, each asked for its version (a pyenv
   shim of a version that is not selected answers "command not found": it is skipped);
2. pyenv: the newest CPython X.Y.* in `pyenv versions --bare`, its
   `$(pyenv prefix X.Y.Z)/bin/pythonX.Y`;
3. `uv python find --no-python-downloads X.Y` (interpreters uv already knows).

A version with no interpreter is a skip with the reason on a developer's machine; CI
(`.ci/run` sets `KEEL_REQUIRE_PYTHONS=1`) fails instead: every choice must really run.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.template import REPO_ROOT

#: Set to 1 to fail, not skip, a variant whose interpreter is missing (.ci/run sets it).
REQUIRE_VAR = "KEEL_REQUIRE_PYTHONS"

#: Prints the version, "venv" for a virtual environment's interpreter (the template's own
#: .venv comes first on PATH under `make test`: uv is given base interpreters only), and
#: the real executable (a pyenv shim's target: uv compares a project's .venv with it).
_PROBE = (
    "import sys; print('%d.%d' % sys.version_info[:2], "
    "'venv' if sys.prefix != sys.base_prefix else 'base', sys.executable)"
)
_TIMEOUT = 20.0


@dataclass(frozen=True)
class Interpreter:
    """The outcome of looking for one Python version: an executable, or why there is none."""

    version: str
    path: str | None
    #: How it was found, or why it was not.
    how: str

    @property
    def skip_message(self) -> str:
        return (
            f"no Python {self.version} interpreter: {self.how}; install it (pyenv install "
            f"{self.version}, or a python{self.version} on PATH). CI sets {REQUIRE_VAR}=1, "
            "which makes this a failure"
        )


def pythons_required() -> bool:
    return os.environ.get(REQUIRE_VAR, "") not in ("", "0")


def python_choices() -> list[str]:
    """Every `python_version` choice of copier.yml, oldest first."""
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    choices = config["python_version"]["choices"]
    values = list(choices.values()) if isinstance(choices, dict) else list(choices)
    return sorted((str(value) for value in values), key=_version_key)


@functools.cache
def find_python(version: str) -> Interpreter:
    """Look for a CPython `version` ("3.12") as the module docstring describes."""
    looked: list[str] = []
    for name in (f"python{version}", "python3", "python"):
        for found in _on_path(name):
            real = _real(found, version)
            if real is not None:
                return Interpreter(version, real, f"{found} on PATH")
    looked.append(f"no base python{version}, python3 or python on PATH is {version}")
    from_pyenv = _from_pyenv(version, looked)
    if from_pyenv is not None:
        return from_pyenv
    from_uv = _from_uv(version, looked)
    if from_uv is not None:
        return from_uv
    return Interpreter(version, None, "; ".join(looked))


def _from_pyenv(version: str, looked: list[str]) -> Interpreter | None:
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        looked.append("no pyenv")
        return None
    listing = _output([pyenv, "versions", "--bare", "--skip-aliases"])
    candidates = sorted(
        (name for name in listing.split() if re.fullmatch(rf"{re.escape(version)}\.\d+", name)),
        key=_version_key,
        reverse=True,
    )
    for candidate in candidates:
        prefix = _output([pyenv, "prefix", candidate]).strip()
        executable = Path(prefix) / "bin" / f"python{version}"
        real = _real(str(executable), version) if prefix and executable.is_file() else None
        if real is not None:
            return Interpreter(version, real, f"pyenv {candidate}")
    looked.append(f"pyenv has no {version}.x")
    return None


def _from_uv(version: str, looked: list[str]) -> Interpreter | None:
    uv = shutil.which("uv")
    if uv is None:
        return None
    found = _output([uv, "python", "find", "--no-python-downloads", version]).strip()
    real = _real(found, version) if found else None
    if real is not None:
        return Interpreter(version, real, "uv python find")
    looked.append(f"uv knows no {version}")
    return None


def _on_path(name: str) -> list[str]:
    """Every executable called `name` on PATH, in order (not only the first, which may be
    a virtual environment's or a pyenv shim that does not run)."""
    found: list[str] = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder or ".") / name
        if candidate.is_file() and os.access(candidate, os.X_OK) and str(candidate) not in found:
            found.append(str(candidate))
    return found


def _real(executable: str, version: str) -> str | None:
    """The real executable behind `executable` when it runs, is Python `version` and is
    no virtual environment's; None otherwise."""
    reported = _output([executable, "-c", _PROBE]).split(maxsplit=2)
    if len(reported) == 3 and reported[:2] == [version, "base"]:
        return reported[2].strip()
    return None


def _output(argv: list[str]) -> str:
    """stdout of `argv`, or "" when it cannot run or fails."""
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())
