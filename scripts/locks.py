"""Rewrite locks/ (the uv.lock every new project starts with) from the template's pyproject.

For every combination of the answers that change the dependencies (KEY_QUESTIONS in
extensions/keel_locks.py): render template/pyproject.toml.jinja of the working tree, put
the stored lock beside it, and run `uv lock` with that python_version's
interpreter. uv keeps every version the stored lock has that still fits, so adding a
dependency adds its packages and moves nothing else; `--upgrade` moves everything to the
newest versions allowed. Then the shared `[[package]]` tables go to locks/packages.lock
once and each variant keeps the rest (extensions/keel_locks.py
describes the format).

    make locks                    # after changing template/pyproject.toml.jinja
    make locks LOCKS_ARGS=--upgrade   # newest allowed versions everywhere

tests/test_locks.py fails, naming `make locks`, when a stored lock and its pyproject.toml
disagree. Needs the package index (PyPI) unless every version is in uv's cache.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "extensions"))

import jinja2
import yaml
from keel import KeelExtension  # type: ignore[import-not-found]
from keel_locks import (  # type: ignore[import-not-found]
    KEY_QUESTIONS,
    LOCKS_DIR,
    PLACEHOLDER_NAME,
    POOL_FILE,
    LockExtension,
    block_name,
    block_ref,
    expand,
    join_lock,
    lock_key,
    read_pool,
    split_lock,
)

from harness.commands import project_env, run, uv_executable
from harness.pythons import find_python
from harness.template import REPO_ROOT

#: The answers every lock is rendered with besides the key ones: a package named so the
#: project's own table is easy to find, and the choices that leave pyproject.toml alone.
BASE_ANSWERS: dict[str, Any] = {
    "project_name": "Keel Lock Project",
    "package_name": PLACEHOLDER_NAME.replace("-", "_"),
    "description": "The project of Keel's stored locks.",
    "author_name": "Keel",
    "author_email": "keel@example.com",
    "use_docker": False,
    "ci": "none",
}

PYPROJECT = REPO_ROOT / "template" / "pyproject.toml.jinja"

LOCK_TIMEOUT = 600.0

POOL_HEADER = (
    "# The [[package]] tables shared by the locks of locks/*.lock (extensions/keel_locks.py).\n"
    "# Written by scripts/locks.py (`make locks`): do not edit.\n"
)


def choices(question: str) -> list[Any]:
    """The values of one copier.yml question (a bool's two)."""
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    spec = config[question]
    if spec.get("type") == "bool":
        return [False, True]
    values = spec["choices"]
    return list(values.values()) if isinstance(values, dict) else list(values)


def variants() -> list[dict[str, Any]]:
    """Every combination of the KEY_QUESTIONS answers, as answers."""
    product = itertools.product(*(choices(question) for question in KEY_QUESTIONS))
    return [dict(zip(KEY_QUESTIONS, values, strict=True)) for values in product]


def key_of(answers: dict[str, Any]) -> str:
    return str(lock_key(str(answers["python_version"]), answers["database"], answers["use_celery"]))


def render_pyproject(answers: dict[str, Any]) -> str:
    """pyproject.toml of these answers (BASE_ANSWERS for the others).

    Rendered with Jinja as copier.yml configures it (strict undefined, Keel's extensions)
    rather than by Copier, which renders every path of the template for one file:
    tests/test_locks.py checks that both give the same text.
    """
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=[KeelExtension, LockExtension],
    )
    template = environment.from_string(PYPROJECT.read_text(encoding="utf-8"))
    return str(template.render({**BASE_ANSWERS, **answers}))


def lock_variant(work: Path, answers: dict[str, Any], upgrade: bool) -> str:
    """The uv.lock text of one variant (project named PLACEHOLDER_NAME)."""
    key = key_of(answers)
    dst = work / key
    dst.mkdir()
    (dst / "pyproject.toml").write_text(render_pyproject(answers), encoding="utf-8")
    stored = LOCKS_DIR / f"{key}.lock"
    if stored.exists():
        (dst / "uv.lock").write_text(
            expand(stored.read_text(encoding="utf-8"), read_pool(), PLACEHOLDER_NAME),
            encoding="utf-8",
        )
    interpreter = find_python(str(answers["python_version"]))
    if interpreter.path is None:
        raise SystemExit(f"{key}: {interpreter.skip_message}")
    argv = [uv_executable(), "lock", "--quiet", *(["--upgrade"] if upgrade else [])]
    result = run(argv, dst, timeout=LOCK_TIMEOUT, env=project_env({"UV_PYTHON": interpreter.path}))
    if not result.ok:
        raise SystemExit(f"{key}: uv lock failed\n{result.describe()}")
    return (dst / "uv.lock").read_text(encoding="utf-8")


def store(locks: dict[str, str]) -> None:
    """Write packages.lock and one <key>.lock per variant; remove locks of no variant."""
    pool: dict[str, str] = {}
    stored: dict[str, str] = {}
    for key, text in locks.items():
        header, blocks = split_lock(text)
        kept: list[str] = []
        for block in blocks:
            if block_name(block) == PLACEHOLDER_NAME:
                kept.append(block)
            else:
                ref = block_ref(block)
                pool[ref] = block
                kept.append(f'ref = "{ref}"\n')
        stored[key] = join_lock(header, kept)
        if expand(stored[key], pool, PLACEHOLDER_NAME) != text:
            raise SystemExit(f"{key}: the stored form does not give back uv's lock (a bug here)")
    LOCKS_DIR.mkdir(exist_ok=True)
    shared = [pool[ref] for ref in sorted(pool)]
    (LOCKS_DIR / POOL_FILE).write_text(join_lock(POOL_HEADER, shared), encoding="utf-8")
    for key, text in stored.items():
        (LOCKS_DIR / f"{key}.lock").write_text(text, encoding="utf-8")
    for path in LOCKS_DIR.glob("*.lock"):
        if path.name != POOL_FILE and path.stem not in stored:
            path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upgrade", action="store_true", help="newest allowed versions")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="keel-locks-") as tmp:
        locks = {}
        for answers in variants():
            locks[key_of(answers)] = lock_variant(Path(tmp), answers, args.upgrade)
            print(f"locked {key_of(answers)}")
    store(locks)
    size = sum(path.stat().st_size for path in LOCKS_DIR.glob("*.lock"))
    print(f"locks/: {len(locks)} variants, {size / 1024:.0f} KiB in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
