"""The uv.lock a new project starts with fits its pyproject.toml, for every variant.

locks/ holds one lock per combination of the answers that change the dependencies
(extensions/keel_locks.py); template/uv.lock.jinja renders the one of the answers, and the
harness installs every tested project with `uv sync --locked`, so those are the versions
the template's tests ran. When template/pyproject.toml.jinja changes, these tests fail
until `make locks` re-locks them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import meta

from harness.commands import Result, project_env, run, uv_executable
from harness.project import RenderFn
from harness.pythons import find_python, pythons_required
from harness.template import REPO_ROOT, load_preset

sys.path.insert(0, str(REPO_ROOT / "extensions"))
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from keel_locks import (  # type: ignore[import-not-found]
    KEY_QUESTIONS,
    LOCKS_DIR,
    POOL_FILE,
    keel_uv_lock,
    split_lock,
)

from locks import BASE_ANSWERS, key_of, render_pyproject, variants

#: Answers pyproject.toml.jinja may read that never change the dependency set (the
#: project's name is put into each rendered lock; the others uv.lock never records).
LOCK_NEUTRAL = frozenset(
    {"project_name", "package_name", "description", "author_name", "author_email"}
)

FIX = "Re-lock every variant with `make locks` in the template repository, then commit locks/."

LOCK_TIMEOUT = 300.0


def write_lock_files(dst: Path, answers: dict[str, Any]) -> Path:
    """pyproject.toml and uv.lock of these answers (BASE_ANSWERS for the others), rendered
    the fast way scripts/locks.py does: Jinja alone, not Copier, which renders every path of
    the template for two files (test_copier_renders_the_same_files shows they agree)."""
    dst.mkdir(parents=True)
    (dst / "pyproject.toml").write_text(render_pyproject(answers), encoding="utf-8")
    lock = keel_uv_lock(
        BASE_ANSWERS["package_name"],
        str(answers["python_version"]),
        answers["database"],
        answers["use_celery"],
    )
    (dst / "uv.lock").write_text(lock, encoding="utf-8")
    return dst


def uv_lock(project: Path, python_version: str, *args: str, offline: bool = True) -> Result:
    """`uv lock [--offline] ARGS` with the answer's interpreter (a skip, or a failure in
    CI, when there is none); offline by default: a lock that fits needs no index."""
    interpreter = find_python(python_version)
    if interpreter.path is None:
        if pythons_required():
            pytest.fail(interpreter.skip_message, pytrace=False)
        pytest.skip(interpreter.skip_message)
    argv = [uv_executable(), "lock", *(["--offline"] if offline else []), *args]
    env = project_env({"UV_PYTHON": interpreter.path})
    return run(argv, project, timeout=LOCK_TIMEOUT, env=env)


def stale_message(key: str, result: Result) -> str:
    """What a lock that no longer fits its pyproject.toml fails with."""
    # uv's own hint (`uv lock`) would re-lock a scratch copy: the fix is make locks.
    lines = result.output.splitlines()
    uv_said = [line for line in lines if line.strip() and not line.startswith("hint:")][-3:]
    return "\n".join(
        [
            f"locks/{key}.lock does not fit the pyproject.toml that template/pyproject.toml.jinja "
            "renders for it (a dependency added, removed or changed?).",
            FIX,
            "uv lock --check said:",
            *(f"  {line}" for line in uv_said),
        ]
    )


def test_pyproject_reads_only_the_answers_the_locks_are_keyed_by() -> None:
    source = (REPO_ROOT / "template" / "pyproject.toml.jinja").read_text(encoding="utf-8")
    read = meta.find_undeclared_variables(jinja2.Environment().parse(source))
    unkeyed = sorted(read - set(KEY_QUESTIONS) - LOCK_NEUTRAL)
    assert not unkeyed, (
        f"template/pyproject.toml.jinja reads {unkeyed}, which the locks are not keyed by: "
        "if the answer can change the dependencies, add it to KEY_QUESTIONS in "
        "extensions/keel_locks.py and run `make locks`; if it cannot, add it to "
        "LOCK_NEUTRAL in tests/test_locks.py."
    )


def test_one_stored_lock_per_variant_and_no_other() -> None:
    stored = {path.stem for path in LOCKS_DIR.glob("*.lock") if path.name != POOL_FILE}
    expected = {key_of(answers) for answers in variants()}
    assert stored == expected, f"locks/ has {sorted(stored)}, expected {sorted(expected)}. {FIX}"


def test_copier_renders_the_same_files(render_variant: RenderFn, tmp_path: Path) -> None:
    answers = {**load_preset("full"), **BASE_ANSWERS}
    by_copier = render_variant("locks-full", answers).path
    by_jinja = write_lock_files(tmp_path / "jinja", answers)
    for name in ("pyproject.toml", "uv.lock"):
        copied = (by_copier / name).read_text(encoding="utf-8")
        assert copied == (by_jinja / name).read_text(encoding="utf-8"), name


@pytest.mark.parametrize("answers", variants(), ids=key_of)
def test_lock_fits_its_pyproject(answers: dict[str, Any], tmp_path: Path) -> None:
    project = write_lock_files(tmp_path / "service", answers)
    result = uv_lock(project, str(answers["python_version"]), "--check")
    assert result.ok, stale_message(key_of(answers), result)


def test_a_stale_lock_fails_naming_the_fix(tmp_path: Path) -> None:
    """What a developer sees after adding a dependency to the template without re-locking."""
    answers = {**load_preset("minimal")}
    project = write_lock_files(tmp_path / "service", answers)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace("dependencies = [\n", 'dependencies = [\n    "six",\n', 1))
    result = uv_lock(project, str(answers["python_version"]), "--check")
    assert not result.ok, result.describe()
    message = stale_message(key_of(answers), result)
    assert "`make locks`" in message
    assert "locks/py3.11-sqlite.lock" in message


@pytest.mark.parametrize("package_name", ["aaa_service", "zzz_service"])
def test_rendered_lock_is_the_file_uv_writes(package_name: str, render_variant: RenderFn) -> None:
    """Named and placed as uv would: rebuilding the project's own table from scratch gives
    the rendered file back byte for byte (so the team's first `uv lock` changes nothing)."""
    answers = {**load_preset("standard"), "package_name": package_name}
    project = render_variant(f"locks-{package_name}", answers).path
    lock = project / "uv.lock"
    rendered = lock.read_text(encoding="utf-8")
    own = package_name.replace("_", "-")
    header, tables = split_lock(rendered)
    kept = [table for table in tables if not table.startswith(f'name = "{own}"\n')]
    assert len(kept) == len(tables) - 1, f"no [[package]] table named {own} in the rendered lock"
    lock.write_text("\n[[package]]\n".join([header, *kept]), encoding="utf-8")
    # Online: rebuilding a table resolves every Python version the project supports, whose
    # metadata a fresh uv cache (CI's) does not hold.
    result = uv_lock(project, str(answers["python_version"]), offline=False)
    assert result.ok, result.describe()
    assert lock.read_text(encoding="utf-8") == rendered
