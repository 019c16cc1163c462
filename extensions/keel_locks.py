"""The uv.lock a new project starts with: the versions the template's tests ran.

Loaded by copier-template-extensions beside keel.py (`_jinja_extensions` in copier.yml);
template/uv.lock.jinja calls `keel_uv_lock(...)`. Pure and offline: it only reads the
files of ../locks/, which scripts/locks.py (`make locks`) writes and the template's
tests check against every variant's pyproject.toml (tests/test_locks.py).

Storage. Only some answers change the rendered pyproject.toml's dependencies
(`KEY_QUESTIONS`); each combination of them has one lock, `locks/<key>.lock`. Most of a
lock's `[[package]]` tables are the same in every variant, so each is stored once, in
`locks/packages.lock`, and a variant's file holds uv's header, its own project's table
(named `PLACEHOLDER_NAME`) and one `[[package]]` reference line per shared table:

    [[package]]
    ref = "alembic 1.20.1 3f2a9c1d"

Rendering puts the shared tables back, names the project's table after the answers'
package and sorts the tables by name as uv does: the result is byte for byte the file
`uv lock` writes for that project, so the first `uv lock` in a new project changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension

#: The folder of the stored locks: beside extensions/, outside the rendered template/.
LOCKS_DIR = Path(__file__).resolve().parent.parent / "locks"
POOL_FILE = "packages.lock"

#: The answers the rendered pyproject.toml's dependency set depends on, in key order.
#: tests/test_locks.py fails if template/pyproject.toml.jinja reads any other answer
#: that could change the dependencies.
KEY_QUESTIONS = ("python_version", "database", "use_celery")

#: The project's own name in stored locks; rendering replaces it with the answers' name.
PLACEHOLDER_NAME = "keel-lock-project"

_SEPARATOR = "\n[[package]]\n"
_REF = re.compile(r'^ref = "([^"]+)"\n?$')
_NAME = re.compile(r'^name = "([^"]+)"\n')


def lock_key(python_version: str, database: str, use_celery: bool) -> str:
    """The file name (without .lock) of one combination: "py3.11-sqlite-celery"."""
    return f"py{python_version}-{database}" + ("-celery" if use_celery else "")


def block_name(block: str) -> str:
    """The package name of one `[[package]]` table's body."""
    found = _NAME.match(block)
    if found is None:
        raise ValueError(f"a [[package]] table without a leading name: {block[:80]!r}")
    return found.group(1)


def block_ref(block: str) -> str:
    """The stable reference of a shared table: name, version and a hash of its text."""
    version = re.search(r'^version = "([^"]+)"$', block, re.MULTILINE)
    digest = hashlib.sha256(block.encode()).hexdigest()[:8]
    return f"{block_name(block)} {version.group(1) if version else '-'} {digest}"


def split_lock(text: str) -> tuple[str, list[str]]:
    """uv.lock text -> (header, bodies of its `[[package]]` tables, in file order)."""
    header, *blocks = text.split(_SEPARATOR)
    return header, blocks


def join_lock(header: str, blocks: list[str]) -> str:
    return _SEPARATOR.join([header, *blocks])


def read_pool(locks_dir: Path = LOCKS_DIR) -> dict[str, str]:
    """The shared tables of packages.lock by reference."""
    path = locks_dir / POOL_FILE
    if not path.exists():
        return {}
    _, blocks = split_lock(path.read_text(encoding="utf-8"))
    return {block_ref(block): block for block in blocks}


def expand(stored: str, pool: dict[str, str], project_name: str) -> str:
    """A variant's stored text -> the uv.lock of a project named `project_name`."""
    header, blocks = split_lock(stored)
    tables: list[str] = []
    for block in blocks:
        ref = _REF.match(block)
        if ref is None:
            # The project's own table: the one table stored whole.
            own = f'name = "{PLACEHOLDER_NAME}"'
            tables.append(block.replace(own, f'name = "{project_name}"', 1))
        elif ref.group(1) in pool:
            tables.append(pool[ref.group(1)])
        else:
            raise KeyError(f"{ref.group(1)} is missing from {POOL_FILE}: run `make locks`")
    tables.sort(key=block_name)  # uv's order; sort() is stable for equal names
    return join_lock(header, tables)


def keel_uv_lock(
    package_name: str,
    python_version: str,
    database: str,
    use_celery: bool,
    locks_dir: Path = LOCKS_DIR,
) -> str:
    """The uv.lock text for these answers (package_name as in copier.yml)."""
    path = locks_dir / f"{lock_key(python_version, database, use_celery)}.lock"
    if not path.exists():
        raise FileNotFoundError(f"no stored lock {path.name} in {locks_dir}: run `make locks`")
    project_name = package_name.replace("_", "-")
    return expand(path.read_text(encoding="utf-8"), read_pool(locks_dir), project_name)


class LockExtension(Extension):
    """Registers `keel_uv_lock` on Copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals.update(keel_uv_lock=keel_uv_lock)
