"""Render the template the way a user would, from a tagged snapshot of the working tree.

Why a snapshot instead of the repository itself: Copier renders a dirty local repository
from a throwaway commit, so the answers file records a `_commit` no later `copier update`
can find, and a commit after a tag is recorded as `<tag>-N-g<hash>`, which Copier treats
as newer than the tag. The snapshot is a clone of the repository (its history, with a
tag for every release recorded in releases.toml, so old releases render and update as
they would for a user) whose last commit holds exactly the working tree (uncommitted and
untracked files included, git-ignored ones left out), tagged `TEST_VERSION`.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import yaml

#: The repository under test: tests/harness/template.py -> repo root.
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Preset answer files, one per supported combination the suite renders.
PRESETS_DIR = REPO_ROOT / "presets"

#: The record of every release: version and full commit.
RELEASES_FILE = REPO_ROOT / "releases.toml"

#: Tag given to the snapshot. Higher than any real release, so an update from a real
#: release to the working tree is an upgrade, never a downgrade.
TEST_VERSION = "99.0.0"

_GIT_IDENTITY = [
    "-c", "user.name=Keel template tests",
    "-c", "user.email=tests@keel.invalid",
    "-c", "commit.gpgsign=false",
    "-c", "tag.gpgsign=false",
]  # fmt: skip


def working_tree_files(repo: Path = REPO_ROOT) -> list[Path]:
    """Tracked and untracked files that git does not ignore, relative to `repo`.

    Tracked files deleted in the working tree are left out: the snapshot is what is on disk.
    """
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    names = sorted({name for name in out.decode().split("\0") if name})
    return [Path(name) for name in names if (repo / name).is_file() or (repo / name).is_symlink()]


@dataclass(frozen=True)
class Release:
    version: str
    commit: str


def releases(path: Path = RELEASES_FILE) -> list[Release]:
    """The releases recorded in releases.toml, oldest first."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = [Release(str(r["version"]), str(r["commit"])) for r in data.get("release", [])]
    return sorted(found, key=lambda r: tuple(int(part) for part in r.version.split(".")))


def snapshot(dest: Path, repo: Path = REPO_ROOT, version: str = TEST_VERSION) -> Path:
    """Clone `repo` into `dest`, tag its recorded releases, and commit the working tree of
    `repo` on top, tagged `version`."""
    subprocess.run(["git", "clone", "--quiet", str(repo), str(dest)], check=True)
    existing = set(_git_output(dest, "tag", "--list").split())
    for release in releases(repo / "releases.toml"):
        if release.version in existing:
            continue
        probe = subprocess.run(
            ["git", "cat-file", "-e", f"{release.commit}^{{commit}}"],
            cwd=dest,
            capture_output=True,
            check=False,
        )
        if probe.returncode != 0:
            continue  # a shallow clone: the update tests fail on the missing tag, naming it
        _git(dest, *_GIT_IDENTITY, "tag", release.version, release.commit)
    _git(dest, "rm", "-r", "-q", "-f", "--", ".")
    for rel in working_tree_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target, follow_symlinks=False)
    # Empty when the working tree is the last commit (a fresh clone, as in CI).
    commit_all(dest, f"Snapshot {version}", allow_empty=True)
    _git(dest, *_GIT_IDENTITY, "tag", version)
    return dest


def commit_all(path: Path, message: str, *, allow_empty: bool = False) -> None:
    """`git init && git add -A && git commit` in `path`, with a fixed identity (CI machines
    may have none configured) and no hooks or signing."""
    _git(path, "init", "--quiet", "--initial-branch=main")
    _git(path, "add", "--all")
    empty = ["--allow-empty"] if allow_empty else []
    _git(path, *_GIT_IDENTITY, "commit", "--quiet", "--no-verify", *empty, "-m", message)


def load_preset(name: str) -> dict[str, Any]:
    """The answers in presets/<name>.yml, as `copier copy --data-file` would read them."""
    data = yaml.safe_load((PRESETS_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"presets/{name}.yml must be a mapping of answers, got {type(data)}")
    return data


def preset_names() -> list[str]:
    """Every preset in presets/, in a stable order (the minimal one first: it fails fastest)."""
    order = {"minimal": 0, "standard": 1, "full": 2}
    names = [path.stem for path in PRESETS_DIR.glob("*.yml")]
    return sorted(names, key=lambda name: (order.get(name, len(order)), name))


def render(template: Path, dst: Path, data: dict[str, Any], version: str = TEST_VERSION) -> Path:
    """Render `template` at tag `version` into `dst`, non-interactively, as `copier copy` does.

    `defaults=True` answers every question not in `data` with its default; `unsafe=True` is
    the API's `--trust`, which Keel's Jinja extension requires. Invalid answers raise
    ValueError naming the question, before anything is written.
    """
    copier.run_copy(
        str(template),
        str(dst),
        data=data,
        defaults=True,
        unsafe=True,
        vcs_ref=version,
        quiet=True,
    )
    return dst


def read_answers(project: Path) -> dict[str, Any]:
    """The generated project's .copier-answers.yml."""
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    if not isinstance(answers, dict):
        raise ValueError(f"{project}/.copier-answers.yml is not a mapping: {answers!r}")
    return answers


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _git_output(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout
