"""Jinja helpers for Keel's copier.yml and templates.

Loaded by copier-template-extensions (`_jinja_extensions` in copier.yml), which is why
Copier needs `--trust`: this file runs on the machine that renders the template.

Everything here is pure and offline except `keel_git_config`, which reads the local
git configuration to suggest defaults.
"""

from __future__ import annotations

import keyword
import re
import secrets
import subprocess
import sys
import unicodedata
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension

#: The import names a generated project installs (dependencies, runtime and dev, with
#: theirs) and the standard library of every python_version choice, by section:
#: package_names.txt beside this file, written from installed projects by
#: scripts/package_names.py and checked against every tested variant by the template's
#: tests, so it cannot drift from the dependencies.
NAMES_FILE = Path(__file__).with_name("package_names.txt")

#: Names of the project's own layout and tools, which no install lists.
LAYOUT_NAMES = frozenset({"test", "tests", "migrations", "src", "app", "keel", "uv"})


def read_reserved(path: Path = NAMES_FILE) -> dict[str, frozenset[str]]:
    """The sections of package_names.txt: {"dependencies": ..., "standard library": ...}."""
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif current is not None:
            current.add(line)
    return {name: frozenset(names) for name, names in sections.items()}


_RESERVED = read_reserved()
DEPENDENCY_NAMES = _RESERVED.get("dependencies", frozenset())
STDLIB_NAMES = _RESERVED.get("standard library", frozenset()) | frozenset(sys.stdlib_module_names)
KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def keel_identifier(name: str) -> str:
    """Turn a human name into a package name: "Order Service" -> "order_service"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "_", ascii_name).strip("_").lower()
    if not slug:
        return "service"
    if slug[0].isdigit():
        slug = f"service_{slug}"
    return slug


def keel_package_problem(name: str) -> str:
    """Return why `name` cannot be the package name, or "" when it can."""
    if not name.isidentifier() or not name.isascii():
        return f"package_name: {name!r} is not a valid Python identifier (use letters, digits, _)."
    if name != name.lower():
        return f"package_name: {name!r} must be lowercase (PEP 8), for example {name.lower()!r}."
    if name in KEYWORDS:
        return f"package_name: {name!r} is a Python keyword."
    if name in STDLIB_NAMES:
        return f"package_name: {name!r} would shadow the standard library module of that name."
    if name in DEPENDENCY_NAMES:
        return (
            f"package_name: {name!r} would shadow a dependency of the generated project "
            "(the package of that import name it installs)."
        )
    if name in LAYOUT_NAMES:
        return f"package_name: {name!r} would shadow a dependency or tool of the generated project."
    if name.startswith("_"):
        return f"package_name: {name!r} must not start with an underscore."
    return ""


def keel_email_problem(email: str) -> str:
    """Return why `email` is not an address, or "" when it is."""
    if not _EMAIL.match(email.strip()):
        return f"author_email: {email!r} is not an email address (name@example.com)."
    return ""


def keel_git_config(key: str, fallback: str) -> str:
    """Read `git config <key>`; `fallback` when git or the key is missing."""
    try:
        out = subprocess.run(
            ["git", "config", "--get", key], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return fallback
    return out.stdout.strip() or fallback


def keel_secret(nbytes: int = 48) -> str:
    """A fresh random secret, URL-safe; rendered only into the git-ignored .env."""
    return secrets.token_urlsafe(nbytes)


class KeelExtension(Extension):
    """Registers Keel's filters and globals on Copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            keel_identifier=keel_identifier,
            keel_package_problem=keel_package_problem,
            keel_email_problem=keel_email_problem,
            keel_git_config=keel_git_config,
        )
        environment.globals.update(keel_secret=keel_secret)
