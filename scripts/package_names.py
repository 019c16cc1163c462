"""Rewrite extensions/package_names.txt from what generated projects really install.

For every python_version choice, renders the full preset (every option on, so every
dependency) from the working tree, installs it with that interpreter, and collects the
import names of every installed distribution and the standard library's module names
(harness/package_names.py). The file gets their union. A version with no interpreter
here keeps the names the file already had, with a warning.

Run it after changing the generated project's dependencies:
`uv run python scripts/package_names.py`; tests/test_package_names.py says when.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness.commands import project_env, run, uv_executable
from harness.package_names import COLLECT, NAMES_FILE, parse_collected, read_names, write_names
from harness.pythons import find_python, python_choices
from harness.template import REPO_ROOT, load_preset, render, snapshot

PRESET = "full"


def main() -> int:
    sections: dict[str, set[str]] = {}
    missing: list[str] = []
    with tempfile.TemporaryDirectory(prefix="keel-package-names-") as tmp:
        template = snapshot(Path(tmp) / "template")
        for version in python_choices():
            interpreter = find_python(version)
            if interpreter.path is None:
                print(f"warning: {interpreter.skip_message}", file=sys.stderr)
                missing.append(version)
                continue
            dst = Path(tmp) / f"py{version}"
            render(template, dst, {**load_preset(PRESET), "python_version": version})
            env = project_env({"UV_PYTHON": interpreter.path})
            synced = run([uv_executable(), "sync", "--quiet"], dst, timeout=900, env=env)
            if not synced.ok:
                raise SystemExit(synced.describe())
            collected = run(
                [uv_executable(), "run", "--no-sync", "python", "-c", COLLECT],
                dst,
                timeout=300,
                env=env,
            )
            if not collected.ok:
                raise SystemExit(collected.describe())
            for section, names in parse_collected(collected.output).items():
                sections.setdefault(section, set()).update(names)
            print(f"python {version}: collected from {interpreter.path}")
    if missing:
        for section, names in read_names().items():
            sections.setdefault(section, set()).update(names)
    write_names(sections)
    print(f"wrote {NAMES_FILE.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
