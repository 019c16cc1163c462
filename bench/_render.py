"""Shared by the benchmark scripts: render the standard preset and run a script inside it.

The outer scripts run with the template's tools (copier); the measuring script runs in
the generated project's own environment, installed with uv from the shared cache.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import yaml
from copier import run_copy

ROOT = Path(__file__).resolve().parents[1]


def run_in_rendered_project(inner_script: str) -> int:
    """Render presets/standard.yml, `uv sync` it, run `inner_script <package>` there."""
    data = yaml.safe_load((ROOT / "presets" / "standard.yml").read_text())
    with tempfile.TemporaryDirectory(prefix="keel-bench-") as tmp:
        project = Path(tmp) / "bench_service"
        run_copy(str(ROOT), project, data=data, defaults=True, unsafe=True, quiet=True)
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        env.pop("VIRTUAL_ENV", None)  # the template's tools venv, not the project's
        subprocess.run(["uv", "sync", "--quiet"], cwd=project, env=env, check=True)
        inner = Path(__file__).with_name(inner_script)
        package = data.get("package_name") or "standard_service"
        return subprocess.run(
            ["uv", "run", "--no-sync", "python", str(inner), package],
            cwd=project,
            env=env,
            check=False,
        ).returncode
