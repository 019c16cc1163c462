"""Session fixtures for the template's tests, and the closing "which variants ran" summary.

Under pytest-xdist each worker builds its own snapshot of the template (cheap), and the
tests of one preset share an `xdist_group`, so a preset is rendered and `uv sync`-ed
once, on one worker, while the other worker takes another preset. xdist hands out the
work units (a group, or a test of no group) in collection order (`--no-loadscope-reorder`,
pyproject.toml), which `LONGEST_FIRST` puts the units that take minutes at the front of.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.project import SUMMARY_NOTE, GeneratedProject, RenderFn
from harness.services import POSTGRES, REDIS, Availability, located
from harness.template import commit_all, read_answers, render, snapshot
from harness.variants import variant, variant_names


@pytest.fixture(scope="session", autouse=True)
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Let the generated projects' Python processes keep the bytecode they compile, in a
    tree of this session's outside the projects (PYTHONPYCACHEPREFIX: no __pycache__ is
    written into a project, so none is left behind in a folder an update removes).

    Where PYTHONDONTWRITEBYTECODE is set (some machines and CI images set it), each of
    the hundreds of processes the suite starts in generated projects (every `flask`
    command, every suite and the processes it spawns) compiled the kernel and its
    libraries from source again: about 2 of the 3.5 s a `flask` command took. Python
    checks each cached file against its source's mtime and size, as on any machine.
    """
    prefix = tmp_path_factory.getbasetemp() / "pycache"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        patch.setenv("PYTHONPYCACHEPREFIX", str(prefix))
        yield prefix


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tagged git clone of the working tree, uncommitted changes included."""
    return snapshot(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def render_variant(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> RenderFn:
    """Render the snapshot with some answers into a fresh directory."""

    def _render(variant: str, data: dict[str, Any]) -> GeneratedProject:
        dst = tmp_path_factory.mktemp(variant) / "service"
        render(template_repo, dst, data)
        return GeneratedProject(variant=variant, path=dst, answers=read_answers(dst))

    return _render


@pytest.fixture(scope="session", params=variant_names())
def preset(request: pytest.FixtureRequest) -> str:
    """The name of one variant: a preset of presets/, or `<preset>-py<version>` for a
    python_version choice no preset answers (harness/variants.py)."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def preset_data(preset: str) -> dict[str, Any]:
    """The variant's answers: its preset's, with its own python_version if it has one."""
    return variant(preset).answers()


@pytest.fixture(scope="session")
def generated(
    preset: str, preset_data: dict[str, Any], render_variant: RenderFn
) -> GeneratedProject:
    """The project rendered from one preset; shared by every check of that preset.

    Committed to a fresh git repository, as the after-copy message tells users to do, so
    the tools run where they will run for real (ruff, for one, reads .gitignore).
    """
    project = render_variant(preset, preset_data)
    commit_all(project.path, "Start from Keel")
    return project


@pytest.fixture
def restored(generated: GeneratedProject) -> Iterator[GeneratedProject]:
    """The shared rendered project, put back as rendered (tracked and untracked files)
    after a test that edits it."""
    try:
        yield generated
    finally:
        subprocess.run(["git", "checkout", "--", "."], cwd=generated.path, check=True)
        subprocess.run(["git", "clean", "-fdq"], cwd=generated.path, check=True)


@pytest.fixture(scope="session")
def postgres() -> Availability:
    return located(POSTGRES)


@pytest.fixture(scope="session")
def redis() -> Availability:
    return located(REDIS)


#: Scheduling only: the work units that take minutes, longest first (a pattern ending in
#: `*` matches a prefix of the group name or node id, else the whole of it), so that the
#: last minutes of a run are short tests that keep both workers busy, not one long test
#: on one worker while the other has nothing left. Units not listed follow, in
#: collection order. A pattern that matches nothing changes nothing but the order.
LONGEST_FIRST: Sequence[str] = (
    # The add-module tutorial and the migrations test run in the minimal project too.
    "preset-minimal",
    "preset-full",
    "preset-full-py*",
    "preset-standard",
    "tests/test_update.py::test_changing_an_answer_on_update_does_not_conflict",
    "tests/test_tutorials.py::test_upgrade_with_make_update",
    "preset-*",
    "tests/test_update.py::*",
    "tests/test_tutorials.py::test_start_a_service*",
    "slow-clients",
    "fresh-machine",
)


def _rank(unit: str) -> int:
    for index, pattern in enumerate(LONGEST_FIRST):
        if unit == pattern or (pattern.endswith("*") and unit.startswith(pattern[:-1])):
            return index
    return len(LONGEST_FIRST)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every test of one preset's shared project in one xdist group, so its render and
    `uv sync` are shared (marks given to fixture params never reach xdist: they are added
    here), then order the units by `LONGEST_FIRST`. Only tests that use that project
    (`generated`) join: an update case's own `preset` parameter renders a project of its
    own, and grouped with the preset's tests it only lengthened that worker's share."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        uses_project = "generated" in getattr(item, "fixturenames", ())
        if callspec is not None and "preset" in callspec.params and uses_project:
            item.add_marker(pytest.mark.xdist_group(f"preset-{callspec.params['preset']}"))
    position = {id(item): index for index, item in enumerate(items)}

    def unit(item: pytest.Item) -> str:
        group = item.get_closest_marker("xdist_group")
        if group is None:
            return item.nodeid
        return str(group.args[0] if group.args else group.kwargs.get("name", "default"))

    items.sort(key=lambda item: (_rank(unit(item)), position[id(item)]))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say plainly which variants did not fully run, and why (also under pytest-xdist,
    whose workers' reports reach the controller's stats): every skipped template test
    with its reason, the generated suites' own results, and counts that add up."""
    skipped: set[str] = set()
    notes: set[str] = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "skipped", False) and not hasattr(report, "wasxfail"):
                skipped.add(f"SKIPPED {report.nodeid}: {_skip_reason(report)}")
            for name, value in getattr(report, "user_properties", ()):
                if name == SUMMARY_NOTE:
                    notes.add(f"{report.nodeid}: {value}")
    if not (skipped or notes or terminalreporter.stats.get("passed")):
        return
    # A test's notes ride on its call and teardown reports: count each note once.
    inner_skips = sum(_count_of("skipped", note) for note in notes)
    terminalreporter.section("Keel variants")
    for line in sorted(skipped) + sorted(notes):
        terminalreporter.write_line(line)
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} template test(s) skipped (above, with their reasons): "
            "those variants did not fully run."
        )
    if inner_skips:
        terminalreporter.write_line(
            f"The generated suites skipped {inner_skips} of their own tests (see their lines)."
        )
    if not skipped and not inner_skips:
        terminalreporter.write_line("Nothing was skipped: every selected variant ran in full.")


def _skip_reason(report: pytest.TestReport) -> str:
    """A skip's reason, whatever shape its longrepr took (xdist serializes it)."""
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple | list) and len(longrepr) == 3:
        text = str(longrepr[2])
    elif hasattr(longrepr, "reprcrash") and longrepr.reprcrash is not None:
        text = str(longrepr.reprcrash.message)
    else:
        text = str(longrepr or "no reason given")
    return text.removeprefix("Skipped: ")


def _count_of(word: str, text: str) -> int:
    """N in "... N skipped ..." (pytest's closing line), else 0."""
    found = re.search(rf"(\d+) {word}", text)
    return int(found.group(1)) if found else 0
