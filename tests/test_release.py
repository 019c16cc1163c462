"""The release record: CHANGELOG.md and releases.toml agree, and `make release` cuts right."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from harness.template import REPO_ROOT, releases

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import release as release_script

CHANGELOG = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_every_recorded_release_is_in_the_changelog_and_in_history() -> None:
    headings = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d\d-\d\d$", CHANGELOG, re.MULTILINE)
    recorded = [r.version for r in releases()]
    assert recorded, "releases.toml records no release"
    assert sorted(headings, key=release_script.version_key) == recorded
    for release in releases():
        assert re.fullmatch(r"[0-9a-f]{40}", release.commit), release
        probe = subprocess.run(
            ["git", "cat-file", "-e", f"{release.commit}^{{commit}}"], cwd=REPO_ROOT, check=False
        )
        assert probe.returncode == 0, f"{release.version}'s commit is not in this repository"


def test_0_1_0_is_the_commit_every_early_project_is_at_or_before() -> None:
    assert releases()[0].commit == "3f577f849df34ae25dd13d82b5ff02cf9fcf8fed"


def test_each_release_says_how_to_upgrade() -> None:
    sections = re.split(r"^## ", CHANGELOG, flags=re.MULTILINE)[1:]
    released = [section for section in sections if not section.startswith("[Unreleased]")]
    assert released
    for section in released:
        assert "### Upgrading" in section, f"no 'Upgrading' section in {section.splitlines()[0]}"


def test_cutting_moves_unreleased_under_the_version() -> None:
    text = (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n- a thing\n\n## [0.1.0] - 2026-11-21\n- x\n"
    )
    cut = release_script.cut_changelog(text, "0.2.0", "2026-12-01")
    assert cut == (
        "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n### Added\n- a thing\n"
        "\n## [0.1.0] - 2026-11-21\n- x\n"
    )


def test_an_empty_unreleased_section_is_refused() -> None:
    with pytest.raises(SystemExit, match="empty"):
        release_script.cut_changelog("## [Unreleased]\n\n## [0.1.0] - x\n", "0.2.0", "d")
