"""Render a preset of this template into a folder and install it, as a team would.

The bench runs with the template's tools (copier, in this repository's `.venv`); the
generated project gets its own environment from `uv sync`, from the shared uv cache, so
a run needs no network once the cache holds the project's wheels.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import warnings
from pathlib import Path

import yaml
from copier import run_copy
from copier.errors import DirtyLocalWarning

ROOT = Path(__file__).resolve().parents[1]

#: `HEAD` renders the working tree, uncommitted and untracked files included: Copier
#: commits a dirty local repository's changes in its temporary clone (see the Makefile's
#: `demo` target). A commit id renders that commit and nothing else.
WORKING_TREE = "HEAD"


def uv_executable() -> str:
    """The uv the Makefile bootstraps (pinned), else whatever uv is on PATH."""
    pinned = ROOT / ".venv" / "bin" / "uv"
    if pinned.exists():
        return str(pinned)
    found = shutil.which("uv")
    if found is None:
        raise SystemExit("uv not found: run `make install` in the template repository")
    return found


def project_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every command in a generated project runs with.

    VIRTUAL_ENV is dropped because it names the template's tools venv, not the
    project's; the uv cache defaults to the repository's shared one, as under make.
    """
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", **(extra or {})}
    env.setdefault("UV_CACHE_DIR", str(ROOT / ".cache" / "uv"))
    env.pop("VIRTUAL_ENV", None)
    return env


def preset_answers(preset: str) -> dict[str, object]:
    """The answers in presets/<preset>.yml."""
    data = yaml.safe_load((ROOT / "presets" / f"{preset}.yml").read_text())
    if not isinstance(data, dict):
        raise SystemExit(f"presets/{preset}.yml is not a mapping of answers")
    return data


def package_name(answers: dict[str, object], project: Path) -> str:
    """The generated package: the answer if given, else the one folder under src/."""
    given = answers.get("package_name")
    if isinstance(given, str) and given:
        return given
    packages = [p.name for p in (project / "src").iterdir() if (p / "__init__.py").exists()]
    if len(packages) != 1:
        raise SystemExit(f"expected one package under {project / 'src'}, found {packages}")
    return packages[0]


def render(preset: str, destination: Path, ref: str = WORKING_TREE) -> str:
    """Render presets/<preset>.yml at `ref` into `destination`; return the package name."""
    answers = preset_answers(preset)
    with warnings.catch_warnings():
        # Expected for the working tree: that is how uncommitted changes get rendered.
        warnings.simplefilter("ignore", DirtyLocalWarning)
        run_copy(
            str(ROOT),
            destination,
            data=answers,
            vcs_ref=ref,
            defaults=True,
            unsafe=True,
            quiet=True,
        )
    return package_name(answers, destination)


def run_quiet(
    argv: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 600,
) -> None:
    """Run a command whose output matters only when it fails: then it is in the error."""
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        input=stdin,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise RuntimeError(f"{shlex.join(argv)} exited {done.returncode}:\n{tail}")


def install(project: Path) -> None:
    """`uv sync` the generated project (its runtime and dev dependencies)."""
    run_quiet([uv_executable(), "sync", "--quiet"], cwd=project, env=project_env())
