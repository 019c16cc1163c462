"""The names a package_name must not take, as a generated project really installs them.

`extensions/package_names.txt` lists the import names of everything a generated
project installs (its runtime and dev dependencies, and theirs) and the standard
library modules of every python_version choice; `keel_package_problem` refuses them
(with the keywords and a few names of the project's layout). The list is written from
installed projects (scripts/package_names.py), and tests/test_package_names.py checks
every installed variant against it, so a new dependency cannot slip past the check.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from harness.template import REPO_ROOT

KEEL_EXTENSION = REPO_ROOT / "extensions" / "keel.py"
NAMES_FILE = REPO_ROOT / "extensions" / "package_names.txt"
DEPENDENCIES = "dependencies"
STDLIB = "standard library"

#: Run with the project's interpreter: prints {"dependencies": [...], "stdlib": [...]}.
#: An import name is a distribution's top-level package or module (top_level.txt, and
#: the first part of each path in its RECORD); the project itself is left out.
COLLECT = r"""
import json, sys, tomllib
from importlib import metadata

project = tomllib.load(open("pyproject.toml", "rb"))["project"]["name"]
own = project.replace("-", "_").lower()
names = set()
for dist in metadata.distributions():
    name = (dist.metadata["Name"] or "").replace("-", "_").lower()
    if name == own:
        continue
    names.update((dist.read_text("top_level.txt") or "").split())
    for file in dist.files or ():
        parts = file.parts
        if not parts or parts[0] in ("..", "__pycache__") or ".dist-info" in parts[0]:
            continue
        if parts[0].endswith(".data"):
            continue
        first = parts[0]
        if len(parts) == 1:
            if not first.endswith((".py", ".so", ".pyd")):
                continue
            first = first.split(".")[0]
        names.add(first)
print(json.dumps({"dependencies": sorted(names), "stdlib": sorted(sys.stdlib_module_names)}))
"""

_HEADER = """\
# Names a package_name must not take (extensions/keel.py refuses them): the import names
# of everything a generated project installs (runtime and dev dependencies, and theirs),
# and the standard library of every python_version choice. Written by
# `uv run python scripts/package_names.py` from installed projects; do not edit by hand.
# tests/test_package_names.py fails when an installed variant has a name missing here.
"""


def relevant(names: object) -> set[str]:
    """The names a package_name could collide with: lowercase identifiers, no leading _."""
    if not isinstance(names, list):
        raise TypeError(f"expected a list of names, got {type(names)}")
    return {
        str(name)
        for name in names
        if str(name).isidentifier() and str(name) == str(name).lower() and str(name)[0] != "_"
    }


def parse_collected(output: str) -> dict[str, set[str]]:
    """COLLECT's output (its last line) as {section: names}."""
    data = json.loads(output.strip().splitlines()[-1])
    return {DEPENDENCIES: relevant(data["dependencies"]), STDLIB: relevant(data["stdlib"])}


def keel_extension() -> ModuleType:
    """extensions/keel.py, loaded from its path as copier-template-extensions loads it."""
    spec = importlib.util.spec_from_file_location("keel_extension", KEEL_EXTENSION)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {KEEL_EXTENSION}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_names(path: Path = NAMES_FILE) -> dict[str, set[str]]:
    """The sections of package_names.txt, read by the extension's own parser."""
    sections = keel_extension().read_reserved(path)
    return {name: set(names) for name, names in sections.items()}


def write_names(sections: dict[str, set[str]], path: Path = NAMES_FILE) -> None:
    body = [_HEADER]
    for section in (DEPENDENCIES, STDLIB):
        body.append(f"\n[{section}]\n")
        body.extend(f"{name}\n" for name in sorted(sections[section]))
    path.write_text("".join(body), encoding="utf-8")
