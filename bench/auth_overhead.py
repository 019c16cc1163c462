"""Per-request cost of bearer-token authentication, Keel's layer against flask-jwt-extended's.

Renders the standard preset into a temporary folder, installs it with uv (sharing the
repository's uv cache), then runs `_auth_overhead_inner.py` inside the generated
project's environment, where every variant is measured in the same process, interleaved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from copier import run_copy

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    data = yaml.safe_load((ROOT / "presets" / "standard.yml").read_text())
    with tempfile.TemporaryDirectory(prefix="keel-bench-") as tmp:
        project = Path(tmp) / "bench_service"
        run_copy(str(ROOT), project, data=data, defaults=True, unsafe=True, quiet=True)
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        subprocess.run(["uv", "sync", "--quiet"], cwd=project, env=env, check=True)
        inner = Path(__file__).with_name("_auth_overhead_inner.py")
        package = data.get("package_name") or "standard_service"
        return subprocess.run(
            ["uv", "run", "--no-sync", "python", str(inner), package],
            cwd=project,
            env=env,
            check=False,
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
