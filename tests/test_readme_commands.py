"""The README's `copier copy` commands work as written, from a folder that is not the
template (Copier reads `--data-file` relative to where it runs), and the guides it
links exist."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.commands import project_env
from harness.template import REPO_ROOT, TEST_VERSION, load_preset, read_answers

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
_SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
COPIES = [
    line.split("#", 1)[0].strip()
    for block in _SH_BLOCK.findall(README)
    for line in block.splitlines()
    if line.strip().startswith("copier copy")
]


def test_the_readme_shows_a_plain_copy_and_a_preset() -> None:
    assert len(COPIES) >= 2, COPIES
    assert any("--data-file" in line for line in COPIES), COPIES


@pytest.mark.parametrize("command", COPIES)
def test_a_readme_copy_command_works_from_another_folder(
    command: str, template_repo: Path, tmp_path: Path
) -> None:
    copier = shutil.which("copier")
    assert copier, "copier is not on PATH (run the suite with `make test`)"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    written = shlex.split(command.replace("$KEEL", str(template_repo)))
    assert written[:2] == ["copier", "copy"], written
    argv = [copier, *written[1:], "--defaults", "--quiet", "--vcs-ref", TEST_VERSION]
    done = subprocess.run(
        argv, cwd=elsewhere, env=project_env(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"$ {shlex.join(argv)}\n{done.stdout}{done.stderr}"
    answers = read_answers(elsewhere / written[-1])
    data_file = re.search(r"presets/(\w+)\.yml", command)
    if data_file:
        assert answers["database"] == load_preset(data_file.group(1))["database"]


@pytest.mark.parametrize(
    "target", sorted(set(re.findall(r"\]\(((?:docs|bench)/[^)#]+)\)", README)))
)
def test_the_readme_links_files_that_exist(target: str) -> None:
    assert (REPO_ROOT / target).is_file(), f"README.md links {target}, which does not exist"


def test_the_forking_guide_is_linked() -> None:
    assert "(docs/forking.md)" in README
