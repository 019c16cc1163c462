"""Read a rendered project: leftover template markers, its .env, and its secrets.

Pure functions over files on disk, so the checks in test modules stay one-liners.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

#: Jinja openers that must never survive rendering. `${{` is a GitHub Actions expression
#: (workflow files use it on purpose) and is not a Jinja marker.
_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\{#")

#: Directories a tool creates inside a generated project; not rendered output.
_NOT_RENDERED = frozenset(
    {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}
)

#: Names in .env whose values are secrets: they must stay out of the answers file.
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|PRIVATE_KEY)", re.IGNORECASE)


def rendered_files(project: Path) -> Iterator[Path]:
    """Every file Copier wrote, skipping caches and environments tools add later."""
    for path in sorted(project.rglob("*")):
        rel = path.relative_to(project)
        if path.is_file() and not _NOT_RENDERED.intersection(rel.parts):
            yield path


def leftover_markers(project: Path) -> list[str]:
    """`path:line: text` for each line that still holds a Jinja opener, and each path that
    still holds one or kept its `.jinja` suffix."""
    found: list[str] = []
    for path in rendered_files(project):
        rel = path.relative_to(project).as_posix()
        if "{{" in rel or "{%" in rel or rel.endswith(".jinja"):
            found.append(f"{rel}: unrendered file name")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files carry no template markers
        for number, line in enumerate(text.splitlines(), start=1):
            if _LEFTOVER.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


def read_dotenv(path: Path) -> dict[str, str]:
    """`KEY=value` pairs of a .env file (comments and blank lines skipped, quotes removed)."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def secrets_in(dotenv: dict[str, str]) -> dict[str, str]:
    """The entries of a parsed .env that hold secrets (by name), with a non-empty value."""
    return {key: value for key, value in dotenv.items() if _SECRET_NAME.search(key) and value}
